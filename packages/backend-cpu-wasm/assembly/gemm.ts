// Single-precision GEMM: C = A·B for row-major C, with A and B given by (row, column) element
// strides so that transposes are free. Goto's loop nest: B is packed into KC×NR panels (kept in L1
// by the micro-kernel), A into MC×KC blocks of MR-row panels (kept in L2), and a 6×8 register
// micro-kernel holds C's tile in 12 v128 accumulators across the whole KC loop. Panels are padded
// with zeros to whole tiles, so the micro-kernel never branches on edges; only its store does.
// wasm SIMD has no fused multiply-add (that is relaxed SIMD, not yet on by default), so each step
// is a mul and an add.

export const MR = 6;
export const NR = 8;
const KC = 256;
const MC = 72;
const NC = 2048;

/** Bytes of the packing buffers gemm_f32 needs (the JS side allocates them). */
export function gemm_pack_a_bytes(): i32 { return MC * KC * 4; }
export function gemm_pack_b_bytes(): i32 { return KC * NC * 4; }

function packA(a: usize, rowStride: i32, colStride: i32, rows: i32, depth: i32, out: usize): void {
  for (let i0 = 0; i0 < rows; i0 += MR) {
    const valid = min<i32>(MR, rows - i0);
    for (let i = 0; i < MR; i++) {
      if (i < valid) {
        let src = a + (<usize>((i0 + i) * rowStride) << 2);
        let dst = out + (<usize>i << 2);
        for (let p = 0; p < depth; p++) {
          store<f32>(dst, load<f32>(src));
          src += <usize>colStride << 2;
          dst += MR * 4;
        }
      } else {
        let dst = out + (<usize>i << 2);
        for (let p = 0; p < depth; p++) {
          store<f32>(dst, 0);
          dst += MR * 4;
        }
      }
    }
    out += <usize>(MR * depth) << 2;
  }
}

function packB(b: usize, rowStride: i32, colStride: i32, depth: i32, cols: i32, out: usize): void {
  for (let j0 = 0; j0 < cols; j0 += NR) {
    const valid = min<i32>(NR, cols - j0);
    if (valid == NR && colStride == 1) {
      let src = b + (<usize>j0 << 2);
      for (let p = 0; p < depth; p++) {
        v128.store(out, v128.load(src));
        v128.store(out, v128.load(src, 16), 16);
        src += <usize>rowStride << 2;
        out += NR * 4;
      }
    } else {
      for (let p = 0; p < depth; p++) {
        const src = b + (<usize>(p * rowStride + j0 * colStride) << 2);
        for (let j = 0; j < NR; j++) {
          store<f32>(out + (<usize>j << 2), j < valid ? load<f32>(src + (<usize>(j * colStride) << 2)) : 0);
        }
        out += NR * 4;
      }
    }
  }
}

/** C[rows×cols tile] (+)= packed A panel · packed B panel, over `depth`. */
function microKernel(depth: i32, ap: usize, bp: usize, c: usize, rowBytes: usize, rows: i32, cols: i32, accumulate: bool, tile: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0);
  let c51 = f32x4.splat(0);
  let a: v128;
  for (let p = 0; p < depth; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    a = v128.load32_splat(ap + 0);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(ap + 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(ap + 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(ap + 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    a = v128.load32_splat(ap + 16);
    c40 = f32x4.add(c40, f32x4.mul(a, b0));
    c41 = f32x4.add(c41, f32x4.mul(a, b1));
    a = v128.load32_splat(ap + 20);
    c50 = f32x4.add(c50, f32x4.mul(a, b0));
    c51 = f32x4.add(c51, f32x4.mul(a, b1));
    ap += MR * 4;
    bp += NR * 4;
  }
  let row: usize;
  if (rows == MR && cols == NR) {
    row = c + <usize>0 * rowBytes;
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(row));
      c01 = f32x4.add(c01, v128.load(row, 16));
    }
    v128.store(row, c00);
    v128.store(row, c01, 16);
    row = c + <usize>1 * rowBytes;
    if (accumulate) {
      c10 = f32x4.add(c10, v128.load(row));
      c11 = f32x4.add(c11, v128.load(row, 16));
    }
    v128.store(row, c10);
    v128.store(row, c11, 16);
    row = c + <usize>2 * rowBytes;
    if (accumulate) {
      c20 = f32x4.add(c20, v128.load(row));
      c21 = f32x4.add(c21, v128.load(row, 16));
    }
    v128.store(row, c20);
    v128.store(row, c21, 16);
    row = c + <usize>3 * rowBytes;
    if (accumulate) {
      c30 = f32x4.add(c30, v128.load(row));
      c31 = f32x4.add(c31, v128.load(row, 16));
    }
    v128.store(row, c30);
    v128.store(row, c31, 16);
    row = c + <usize>4 * rowBytes;
    if (accumulate) {
      c40 = f32x4.add(c40, v128.load(row));
      c41 = f32x4.add(c41, v128.load(row, 16));
    }
    v128.store(row, c40);
    v128.store(row, c41, 16);
    row = c + <usize>5 * rowBytes;
    if (accumulate) {
      c50 = f32x4.add(c50, v128.load(row));
      c51 = f32x4.add(c51, v128.load(row, 16));
    }
    v128.store(row, c50);
    v128.store(row, c51, 16);
  } else {
    v128.store(tile, c00, 0);
    v128.store(tile, c01, 16);
    v128.store(tile, c10, 32);
    v128.store(tile, c11, 48);
    v128.store(tile, c20, 64);
    v128.store(tile, c21, 80);
    v128.store(tile, c30, 96);
    v128.store(tile, c31, 112);
    v128.store(tile, c40, 128);
    v128.store(tile, c41, 144);
    v128.store(tile, c50, 160);
    v128.store(tile, c51, 176);
    for (let i = 0; i < rows; i++) {
      row = c + <usize>i * rowBytes;
      for (let j = 0; j < cols; j++) {
        const value = load<f32>(tile + (<usize>(i * NR + j) << 2));
        const at = row + (<usize>j << 2);
        store<f32>(at, accumulate ? load<f32>(at) + value : value);
      }
    }
  }
}

/**
 * C (m×n, row-major, `ldc` elements per row) = A·B where A(i, p) = a[i·aRow + p·aCol] and
 * B(p, j) = b[p·bRow + j·bCol]. `packA`, `packB` and `tile` are scratch blocks of
 * gemm_pack_a_bytes(), gemm_pack_b_bytes() and 256 bytes. k must be at least 1.
 */
export function gemm_f32(
  a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, c: usize, ldc: i32,
  m: i32, n: i32, k: i32, packedA: usize, packedB: usize, tile: usize,
): void {
  const rowBytes = <usize>ldc << 2;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min<i32>(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min<i32>(KC, k - pc);
      packB(b + (<usize>(pc * bRow + jc * bCol) << 2), bRow, bCol, kc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min<i32>(MC, m - ic);
        packA(a + (<usize>(ic * aRow + pc * aCol) << 2), aRow, aCol, mc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = packedB + (<usize>(jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(
              kc, packedA + (<usize>(ir * kc) << 2), bp,
              c + <usize>(ic + ir) * rowBytes + (<usize>(jc + jr) << 2), rowBytes,
              min<i32>(MR, mc - ir), min<i32>(NR, nc - jr), pc > 0, tile,
            );
          }
        }
      }
    }
  }
}

/** int32 C = A·B with wrapping arithmetic; A and B contiguous row-major (the JS side lays them out). */
export function gemm_i32(a: usize, b: usize, c: usize, m: i32, n: i32, k: i32): void {
  memory.fill(c, 0, (<usize>m * <usize>n) << 2);
  for (let i = 0; i < m; i++) {
    const row = c + ((<usize>i * <usize>n) << 2);
    for (let p = 0; p < k; p++) {
      const scalar = load<i32>(a + ((<usize>i * <usize>k + <usize>p) << 2));
      const splat = i32x4.splat(scalar);
      const bRow = b + ((<usize>p * <usize>n) << 2);
      let j = 0;
      for (; j + 4 <= n; j += 4) {
        const at = row + (<usize>j << 2);
        v128.store(at, i32x4.add(v128.load(at), i32x4.mul(splat, v128.load(bRow + (<usize>j << 2)))));
      }
      for (; j < n; j++) {
        const at = row + (<usize>j << 2);
        store<i32>(at, load<i32>(at) + scalar * load<i32>(bRow + (<usize>j << 2)));
      }
    }
  }
}
