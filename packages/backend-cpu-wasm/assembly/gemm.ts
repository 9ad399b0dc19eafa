// Single-precision GEMM: C (+)= A·B for row-major C, with A and B given by (row, column) element
// strides so that transposes are free. Goto's loop nest: B is packed into KC×NR panels (kept in L1
// by the micro-kernel), A into MC×KC blocks of MR-row panels (kept in L2), and a 4×12 register
// micro-kernel holds C's tile in 12 v128 accumulators across the whole KC loop. Panels are padded
// with zeros to whole tiles, so the micro-kernel never branches on edges; only its store does.
// wasm SIMD has no fused multiply-add (that is relaxed SIMD, not yet on by default), so each step
// is a mul and an add.
//
// The tile shape is measured, not derived: on V8/x64 (16 xmm registers) 4×12 unrolled twice beat
// 6×8, 5×12, 6×12, 3×16 and 4×12 unrolled 1 or 4 by 10-15 % at 1024² (3 vector loads and 4
// broadcast loads per 24 arithmetic ops, and 12 accumulators + 3 B vectors + 1 A broadcast fit the
// register file). The micro-kernel body is written out by hand-expanded code, so keep its
// accumulator names regular (c<row><vector>) when changing it.
//
// A is read through one of two sources: a strided matrix, or a convolution's input gathered window
// by window (conv.ts sets that up). The gather happens while packing, so a convolution is an
// implicit GEMM: the im2col matrix is never written out.

import { gatherConvPanel4, gatherConvRow } from './conv-gather';
import { applyEpilogue, epilogueActive } from './epilogue';
import { storeTransposed4 } from './transpose4';

export const MR = 4;
export const NR = 12;
const KC = 256;
const MC = 72;
const NC = 2040;
const TILE_BYTES = MR * NR * 4;
const PACK_A_BYTES = MC * KC * 4;
const PACK_B_BYTES = KC * NC * 4;

/** Bytes of the scratch block gemm_f32 needs (packed A, packed B, an edge tile); one per thread. */
export function gemm_work_bytes(): i32 {
  return PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES;
}

/** Where A comes from while packing: 0 a strided matrix, 1 a convolution window gather. */
let aSource: i32 = 0;

export function setAFromMatrix(): void {
  aSource = 0;
}

export function setAFromConv(): void {
  aSource = 1;
}

/** A full 4-row panel of a strided matrix, by vectors: 4×4 transposes, or straight copies of Aᵀ. */
function packFullPanel(a: usize, rowStride: i32, colStride: i32, row: i32, p0: i32, depth: i32, out: usize): void {
  if (rowStride == 1) {
    let src = a + (<usize>(row + p0 * colStride) << 2);
    const step = <usize>colStride << 2;
    for (let p = 0; p < depth; p++) {
      v128.store(out, v128.load(src));
      src += step;
      out += 16;
    }
    return;
  }
  const rowBytes = <usize>rowStride << 2;
  let src = a + (<usize>(row * rowStride + p0) << 2);
  let p = 0;
  for (; p + 4 <= depth; p += 4) {
    storeTransposed4(v128.load(src), v128.load(src + rowBytes), v128.load(src + 2 * rowBytes), v128.load(src + 3 * rowBytes), out);
    src += 16;
    out += 64;
  }
  for (; p < depth; p++) {
    store<f32>(out, load<f32>(src));
    store<f32>(out, load<f32>(src + rowBytes), 4);
    store<f32>(out, load<f32>(src + 2 * rowBytes), 8);
    store<f32>(out, load<f32>(src + 3 * rowBytes), 12);
    src += 4;
    out += 16;
  }
}

function packA(a: usize, rowStride: i32, colStride: i32, row0: i32, rows: i32, p0: i32, depth: i32, out: usize): void {
  for (let i0 = 0; i0 < rows; i0 += MR) {
    const valid = min<i32>(MR, rows - i0);
    if (valid == MR && MR == 4 && (colStride == 1 || rowStride == 1 || aSource == 1)) {
      if (aSource == 1) gatherConvPanel4(row0 + i0, p0, depth, out);
      else packFullPanel(a, rowStride, colStride, row0 + i0, p0, depth, out);
      out += <usize>(MR * depth) << 2;
      continue;
    }
    for (let i = 0; i < MR; i++) {
      const dst = out + (<usize>i << 2);
      if (i >= valid) {
        for (let p = 0; p < depth; p++) store<f32>(dst + (<usize>(p * MR) << 2), 0);
      } else if (aSource == 1) {
        gatherConvRow(row0 + i0 + i, p0, depth, dst, MR * 4);
      } else {
        let src = a + (<usize>((row0 + i0 + i) * rowStride + p0 * colStride) << 2);
        let at = dst;
        if (colStride == 1) {
          for (let p = 0; p < depth; p++) {
            store<f32>(at, load<f32>(src));
            src += 4;
            at += MR * 4;
          }
        } else {
          const step = <usize>colStride << 2;
          for (let p = 0; p < depth; p++) {
            store<f32>(at, load<f32>(src));
            src += step;
            at += MR * 4;
          }
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
      const step = <usize>rowStride << 2;
      for (let p = 0; p < depth; p++) {
        for (let v = 0; v < NR * 4; v += 16) v128.store(out + <usize>v, v128.load(src + <usize>v));
        src += step;
        out += NR * 4;
      }
    } else if (valid == NR && rowStride == 1) {
      // Bᵀ stored row-major: each column of B is contiguous; write it down the panel.
      for (let j = 0; j < NR; j++) {
        let src = b + (<usize>((j0 + j) * colStride) << 2);
        let at = out + (<usize>j << 2);
        for (let p = 0; p < depth; p++) {
          store<f32>(at, load<f32>(src));
          src += 4;
          at += NR * 4;
        }
      }
      out += <usize>(NR * depth) << 2;
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
function microKernel(depth: i32, ap: usize, bp: usize, c: usize, rowBytes: usize, rows: i32, cols: i32, accumulate: bool, tile: usize, finish: bool, col: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c02 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c12 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c22 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c32 = f32x4.splat(0);
  let a: v128;
  let b0: v128;
  let b1: v128;
  let b2: v128;
  let p = 0;
  for (; p + 2 <= depth; p += 2) {
    b0 = v128.load(bp, 0);
    b1 = v128.load(bp, 16);
    b2 = v128.load(bp, 32);
    a = v128.load32_splat(ap, 0);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    c22 = f32x4.add(c22, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    c32 = f32x4.add(c32, f32x4.mul(a, b2));
    b0 = v128.load(bp, 48);
    b1 = v128.load(bp, 64);
    b2 = v128.load(bp, 80);
    a = v128.load32_splat(ap, 16);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 20);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 24);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    c22 = f32x4.add(c22, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 28);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    c32 = f32x4.add(c32, f32x4.mul(a, b2));
    ap += 32;
    bp += 96;
  }
  for (; p < depth; p++) {
    b0 = v128.load(bp, 0);
    b1 = v128.load(bp, 16);
    b2 = v128.load(bp, 32);
    a = v128.load32_splat(ap, 0);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    c02 = f32x4.add(c02, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    c12 = f32x4.add(c12, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    c22 = f32x4.add(c22, f32x4.mul(a, b2));
    a = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    c32 = f32x4.add(c32, f32x4.mul(a, b2));
    ap += 16;
    bp += 48;
  }
  if (rows == MR && cols == NR) {
    let row = c;
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(row, 0));
      c01 = f32x4.add(c01, v128.load(row, 16));
      c02 = f32x4.add(c02, v128.load(row, 32));
    }
    v128.store(row, c00, 0);
    v128.store(row, c01, 16);
    v128.store(row, c02, 32);
    row += rowBytes;
    if (accumulate) {
      c10 = f32x4.add(c10, v128.load(row, 0));
      c11 = f32x4.add(c11, v128.load(row, 16));
      c12 = f32x4.add(c12, v128.load(row, 32));
    }
    v128.store(row, c10, 0);
    v128.store(row, c11, 16);
    v128.store(row, c12, 32);
    row += rowBytes;
    if (accumulate) {
      c20 = f32x4.add(c20, v128.load(row, 0));
      c21 = f32x4.add(c21, v128.load(row, 16));
      c22 = f32x4.add(c22, v128.load(row, 32));
    }
    v128.store(row, c20, 0);
    v128.store(row, c21, 16);
    v128.store(row, c22, 32);
    row += rowBytes;
    if (accumulate) {
      c30 = f32x4.add(c30, v128.load(row, 0));
      c31 = f32x4.add(c31, v128.load(row, 16));
      c32 = f32x4.add(c32, v128.load(row, 32));
    }
    v128.store(row, c30, 0);
    v128.store(row, c31, 16);
    v128.store(row, c32, 32);
  } else {
    v128.store(tile, c00, 0);
    v128.store(tile, c01, 16);
    v128.store(tile, c02, 32);
    v128.store(tile, c10, 48);
    v128.store(tile, c11, 64);
    v128.store(tile, c12, 80);
    v128.store(tile, c20, 96);
    v128.store(tile, c21, 112);
    v128.store(tile, c22, 128);
    v128.store(tile, c30, 144);
    v128.store(tile, c31, 160);
    v128.store(tile, c32, 176);
    for (let i = 0; i < rows; i++) {
      const row = c + <usize>i * rowBytes;
      for (let j = 0; j < cols; j++) {
        const value = load<f32>(tile + (<usize>(i * NR + j) << 2));
        const at = row + (<usize>j << 2);
        store<f32>(at, accumulate ? load<f32>(at) + value : value);
      }
    }
  }
  if (finish) applyEpilogue(c, rowBytes, rows, cols, col);
}


/**
 * Rows [row0, row0 + m) of C (m×n, row-major, `ldc` elements per row, `c` pointing at row row0)
 * (+)= A·B, where A(i, p) = a[i·aRow + p·aCol] (or the conv gather of pixel i) and
 * B(p, j) = b[p·bRow + j·bCol]. With `accumulate` false C is overwritten (zeros when k is 0).
 * `work` is a block of gemm_work_bytes(). The row offset matters only to the conv gather: threads
 * split C by rows and each passes its own first row.
 */
export function gemm_f32(
  a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, c: usize, ldc: i32,
  row0: i32, m: i32, n: i32, k: i32, accumulate: bool, work: usize,
): void {
  const rowBytes = <usize>ldc << 2;
  if (k == 0) {
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * rowBytes, 0, <usize>n << 2);
    if (epilogueActive()) applyEpilogue(c, rowBytes, m, n, 0);
    return;
  }
  const epilogue = epilogueActive();
  const packedA = work;
  const packedB = work + PACK_A_BYTES;
  const tile = packedB + PACK_B_BYTES;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min<i32>(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min<i32>(KC, k - pc);
      const add = accumulate || pc > 0;
      const finish = epilogue && pc + kc >= k;
      packB(b + (<usize>(pc * bRow + jc * bCol) << 2), bRow, bCol, kc, nc, packedB);
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min<i32>(MC, m - ic);
        packA(a, aRow, aCol, row0 + ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = packedB + (<usize>(jr * kc) << 2);
          const cols = min<i32>(NR, nc - jr);
          for (let ir = 0; ir < mc; ir += MR) {
            microKernel(
              kc, packedA + (<usize>(ir * kc) << 2), bp,
              c + <usize>(ic + ir) * rowBytes + (<usize>(jc + jr) << 2), rowBytes,
              min<i32>(MR, mc - ir), cols, add, tile, finish, jc + jr,
            );
          }
        }
      }
    }
  }
}

/**
 * int32 C (m×n, `ldc` per row) = A·B with wrapping arithmetic, A and B strided as in gemm_f32.
 * Plain loops: int32 matmul is for indices and counts, not for speed.
 */
export function gemm_i32(
  a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, c: usize, ldc: i32, m: i32, n: i32, k: i32,
): void {
  for (let i = 0; i < m; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    memory.fill(row, 0, <usize>n << 2);
    for (let p = 0; p < k; p++) {
      const scalar = load<i32>(a + (<usize>(i * aRow + p * aCol) << 2));
      const bRowStart = b + (<usize>(p * bRow) << 2);
      for (let j = 0; j < n; j++) {
        const at = row + (<usize>j << 2);
        store<i32>(at, load<i32>(at) + scalar * load<i32>(bRowStart + (<usize>(j * bCol) << 2)));
      }
    }
  }
}
