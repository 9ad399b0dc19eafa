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
// register file). The micro-kernels are generated (scripts/generate-gemm-kernels.mjs), one per
// panel width, so that a last panel of 4 or 8 columns costs no padding.
//
// A is read through one of two sources: a strided matrix, or a convolution's input gathered window
// by window (conv.ts sets that up). The gather happens while packing, so a convolution is an
// implicit GEMM: the im2col matrix is never written out.

import { gatherConvPanel4, gatherConvRow, loadConvPlan } from './conv-gather';
import { applyEpilogue, epilogueActive } from './epilogue';
import { MR, NR, microKernel12, microKernel4, microKernel8 } from './gemm-kernels';
import { storeTransposed4 } from './transpose4';

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

/** Where A comes from while packing. */
const A_FROM_MATRIX = 0;
/** A convolution's input gathered window by window (conv-gather.ts holds the geometry). */
const A_FROM_CONV = 1;

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

function packA(aSource: i32, a: usize, rowStride: i32, colStride: i32, row0: i32, rows: i32, p0: i32, depth: i32, out: usize): void {
  for (let i0 = 0; i0 < rows; i0 += MR) {
    const valid = min<i32>(MR, rows - i0);
    if (valid == MR && MR == 4 && (colStride == 1 || rowStride == 1 || aSource == A_FROM_CONV)) {
      if (aSource == A_FROM_CONV) gatherConvPanel4(row0 + i0, p0, depth, out);
      else packFullPanel(a, rowStride, colStride, row0 + i0, p0, depth, out);
      out += <usize>(MR * depth) << 2;
      continue;
    }
    for (let i = 0; i < MR; i++) {
      const dst = out + (<usize>i << 2);
      if (i >= valid) {
        for (let p = 0; p < depth; p++) store<f32>(dst + (<usize>(p * MR) << 2), 0);
      } else if (aSource == A_FROM_CONV) {
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

/**
 * Packs B's columns [0, cols) into panels NR wide, each `depth` steps deep, zero-padding the last
 * panel. Whole panels of a row-major B or of a Bᵀ go by vectors; anything else element by element.
 */
function packB(b: usize, rowStride: i32, colStride: i32, depth: i32, cols: i32, out: usize): void {
  let j0 = 0;
  const whole = cols - cols % NR;
  if (colStride == 1) {
    packRowMajorPanels(b, rowStride, depth, whole, out);
    j0 = whole;
  } else if (rowStride == 1) {
    packColumnMajorPanels(b, colStride, depth, whole, out);
    j0 = whole;
  }
  out += <usize>(j0 * depth) << 2;
  for (; j0 < cols; j0 += NR) {
    const valid = min<i32>(NR, cols - j0);
    for (let p = 0; p < depth; p++) {
      const src = b + (<usize>(p * rowStride + j0 * colStride) << 2);
      for (let j = 0; j < NR; j++) {
        store<f32>(out + (<usize>j << 2), j < valid ? load<f32>(src + (<usize>(j * colStride) << 2)) : 0);
      }
      out += NR * 4;
    }
  }
}

/** Whole panels of a row-major B: each panel's NR columns copied row by row. */
function packRowMajorPanels(b: usize, rowStride: i32, depth: i32, cols: i32, out: usize): void {
  const step = <usize>rowStride << 2;
  for (let j0 = 0; j0 < cols; j0 += NR) {
    let src = b + (<usize>j0 << 2);
    for (let p = 0; p < depth; p++) {
      for (let v = 0; v < NR * 4; v += 16) v128.store(out + <usize>v, v128.load(src + <usize>v));
      src += step;
      out += NR * 4;
    }
  }
}

/**
 * Whole panels of a B whose columns are contiguous (Bᵀ row-major, as in x·Wᵀ): four columns by
 * four depth steps at a time, transposed in registers.
 */
function packColumnMajorPanels(b: usize, colStride: i32, depth: i32, cols: i32, out: usize): void {
  const colBytes = <usize>colStride << 2;
  for (let j0 = 0; j0 < cols; j0 += NR) {
    for (let g = 0; g < NR; g += 4) {
      let src = b + (<usize>((j0 + g) * colStride) << 2);
      let dst = out + (<usize>g << 2);
      let p = 0;
      for (; p + 4 <= depth; p += 4) {
        storeTransposed4(v128.load(src), v128.load(src + colBytes), v128.load(src + 2 * colBytes), v128.load(src + 3 * colBytes), dst, NR * 4);
        src += 16;
        dst += NR * 16;
      }
      for (; p < depth; p++) {
        for (let q = 0; q < 4; q++) store<f32>(dst + (<usize>q << 2), load<f32>(src + <usize>q * colBytes));
        src += 4;
        dst += NR * 4;
      }
    }
    out += <usize>(NR * depth) << 2;
  }
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
  gemm(A_FROM_MATRIX, a, aRow, aCol, b, bRow, bCol, c, ldc, row0, m, n, k, accumulate, work);
}

/** gemm_f32 with A from either source (A_FROM_MATRIX, A_FROM_CONV). */
function gemm(
  aSource: i32, a: usize, aRow: i32, aCol: i32, b: usize, bRow: i32, bCol: i32, c: usize, ldc: i32,
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
        packA(aSource, a, aRow, aCol, row0 + ic, mc, pc, kc, packedA);
        for (let jr = 0; jr < nc; jr += NR) {
          const bp = packedB + (<usize>(jr * kc) << 2);
          const cols = min<i32>(NR, nc - jr);
          // A last panel of 4 or 8 columns gets a narrower kernel rather than computing padding.
          for (let ir = 0; ir < mc; ir += MR) {
            const ap = packedA + (<usize>(ir * kc) << 2);
            const cTile = c + <usize>(ic + ir) * rowBytes + (<usize>(jc + jr) << 2);
            const rows = min<i32>(MR, mc - ir);
            if (cols > 8) microKernel12(kc, ap, bp, cTile, rowBytes, rows, cols, add, tile, finish, jc + jr);
            else if (cols > 4) microKernel8(kc, ap, bp, cTile, rowBytes, rows, cols, add, tile, finish, jc + jr);
            else microKernel4(kc, ap, bp, cTile, rowBytes, rows, cols, add, tile, finish, jc + jr);
          }
        }
      }
    }
  }
}

/**
 * Output pixels [row0, row0 + m) of one group: C(pixel, j) (+)= Σ_p im2col(pixel, p) · B(p, j),
 * B strided as in gemm_f32. `c` points at row row0 of the group's first output column.
 */
export function conv_gemm_f32(
  x: usize, plan: usize, chanOff: i32, b: usize, bRow: i32, bCol: i32, c: usize, ldc: i32,
  row0: i32, m: i32, n: i32, k: i32, accumulate: bool, work: usize,
): void {
  loadConvPlan(x, plan, chanOff);
  gemm(A_FROM_CONV, 0, 0, 0, b, bRow, bCol, c, ldc, row0, m, n, k, accumulate, work);
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

/** Elements of c a vector-matrix product keeps in L1 while B streams past. */
const VECMAT_BLOCK = 2048;

/**
 * c[0..n) = a · B for one row `a` (element stride aStride) and a row-major B (row stride bRow,
 * contiguous columns): B is streamed once, row by row, into c held in L1 — no packing, which for
 * a single row would cost as much as the product. `col0` is c's first output column (for the bias).
 */
export function vecmat_f32(a: usize, aStride: i32, b: usize, bRow: i32, c: usize, n: i32, k: i32, col0: i32): void {
  const rowBytes = <usize>bRow << 2;
  for (let j0 = 0; j0 < n; j0 += VECMAT_BLOCK) {
    const width = min<i32>(VECMAT_BLOCK, n - j0);
    const out = c + (<usize>j0 << 2);
    memory.fill(out, 0, <usize>width << 2);
    let p = 0;
    // Eight rows of B per pass over c, eight columns per step in two independent chains: one load
    // and one store of c per eight products. The sums still add the products in order of p, so the
    // rounding is the one-row loop's.
    for (; p + 8 <= k; p += 8) {
      const v0 = v128.load32_splat(a + (<usize>(p * aStride) << 2));
      const v1 = v128.load32_splat(a + (<usize>((p + 1) * aStride) << 2));
      const v2 = v128.load32_splat(a + (<usize>((p + 2) * aStride) << 2));
      const v3 = v128.load32_splat(a + (<usize>((p + 3) * aStride) << 2));
      const v4 = v128.load32_splat(a + (<usize>((p + 4) * aStride) << 2));
      const v5 = v128.load32_splat(a + (<usize>((p + 5) * aStride) << 2));
      const v6 = v128.load32_splat(a + (<usize>((p + 6) * aStride) << 2));
      const v7 = v128.load32_splat(a + (<usize>((p + 7) * aStride) << 2));
      const r0 = b + (<usize>(p * bRow + j0) << 2);
      let j = 0;
      for (; j + 4 <= width; j += 4) {
        const at = <usize>j << 2;
        let row = r0 + at;
        let sum = v128.load(out + at);
        sum = f32x4.add(sum, f32x4.mul(v0, v128.load(row)));
        row += rowBytes;
        sum = f32x4.add(sum, f32x4.mul(v1, v128.load(row)));
        row += rowBytes;
        sum = f32x4.add(sum, f32x4.mul(v2, v128.load(row)));
        row += rowBytes;
        sum = f32x4.add(sum, f32x4.mul(v3, v128.load(row)));
        row += rowBytes;
        sum = f32x4.add(sum, f32x4.mul(v4, v128.load(row)));
        row += rowBytes;
        sum = f32x4.add(sum, f32x4.mul(v5, v128.load(row)));
        row += rowBytes;
        sum = f32x4.add(sum, f32x4.mul(v6, v128.load(row)));
        row += rowBytes;
        sum = f32x4.add(sum, f32x4.mul(v7, v128.load(row)));
        v128.store(out + at, sum);
      }
      for (; j < width; j++) {
        const at = <usize>j << 2;
        let sum = load<f32>(out + at);
        for (let q = 0; q < 8; q++) sum += load<f32>(a + (<usize>((p + q) * aStride) << 2)) * load<f32>(r0 + at + <usize>q * rowBytes);
        store<f32>(out + at, sum);
      }
    }
    for (; p + 4 <= k; p += 4) {
      const s0 = load<f32>(a + (<usize>(p * aStride) << 2));
      const s1 = load<f32>(a + (<usize>((p + 1) * aStride) << 2));
      const s2 = load<f32>(a + (<usize>((p + 2) * aStride) << 2));
      const s3 = load<f32>(a + (<usize>((p + 3) * aStride) << 2));
      const v0 = f32x4.splat(s0);
      const v1 = f32x4.splat(s1);
      const v2 = f32x4.splat(s2);
      const v3 = f32x4.splat(s3);
      const r0 = b + (<usize>(p * bRow + j0) << 2);
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      const r3 = r2 + rowBytes;
      let j = 0;
      for (; j + 4 <= width; j += 4) {
        const at = <usize>j << 2;
        let sum = v128.load(out + at);
        sum = f32x4.add(sum, f32x4.mul(v0, v128.load(r0 + at)));
        sum = f32x4.add(sum, f32x4.mul(v1, v128.load(r1 + at)));
        sum = f32x4.add(sum, f32x4.mul(v2, v128.load(r2 + at)));
        sum = f32x4.add(sum, f32x4.mul(v3, v128.load(r3 + at)));
        v128.store(out + at, sum);
      }
      for (; j < width; j++) {
        const at = <usize>j << 2;
        let sum = load<f32>(out + at);
        sum += s0 * load<f32>(r0 + at);
        sum += s1 * load<f32>(r1 + at);
        sum += s2 * load<f32>(r2 + at);
        sum += s3 * load<f32>(r3 + at);
        store<f32>(out + at, sum);
      }
    }
    for (; p < k; p++) {
      const scalar = load<f32>(a + (<usize>(p * aStride) << 2));
      const splat = f32x4.splat(scalar);
      const row = b + (<usize>(p * bRow + j0) << 2);
      let j = 0;
      for (; j + 4 <= width; j += 4) {
        const at = <usize>j << 2;
        v128.store(out + at, f32x4.add(v128.load(out + at), f32x4.mul(splat, v128.load(row + at))));
      }
      for (; j < width; j++) {
        const at = <usize>j << 2;
        store<f32>(out + at, load<f32>(out + at) + scalar * load<f32>(row + at));
      }
    }
  }
  if (epilogueActive()) applyEpilogue(c, <usize>n << 2, 1, n, col0);
}

/** Columns of a packed vector-matrix operand's wide panels: six vectors, held in registers across the depth. */
const PANEL = 24;

/**
 * B (k×n, row stride bRow, contiguous columns) repacked for `vecmat_packed_f32`: column panels of
 * 24 while 24 remain, then of 8, 4 and 1, each panel's k rows stored one after another, so the
 * product reads the operand as one sequential stream. (Read in place, a row-major B is walked
 * either down a column strip — a new page every two rows, which the prefetchers do not follow —
 * or eight rows at a time with the output loaded and stored per step, which costs instructions.)
 */
export function pack_vecmat_f32(b: usize, bRow: i32, n: i32, k: i32, dst: usize): void {
  const rowBytes = <usize>bRow << 2;
  let out = dst;
  let j = 0;
  while (j < n) {
    const width = n - j >= PANEL ? PANEL : n - j >= 8 ? 8 : n - j >= 4 ? 4 : 1;
    let row = b + (<usize>j << 2);
    for (let p = 0; p < k; p++) {
      if (width == 1) {
        store<f32>(out, load<f32>(row));
      } else {
        for (let q = 0; q < width; q += 4) v128.store(out + (<usize>q << 2), v128.load(row + (<usize>q << 2)));
      }
      out += <usize>width << 2;
      row += rowBytes;
    }
    j += width;
  }
}

/**
 * c[0..n) = a · B for one row `a` (element stride aStride) and a B packed by `pack_vecmat_f32`:
 * each panel's sums stay in registers while its rows stream past. Each sum adds its products in
 * order of p from zero, as `vecmat_f32` does, so the two give the same bits.
 */
export function vecmat_packed_f32(a: usize, aStride: i32, packed: usize, c: usize, n: i32, k: i32, col0: i32): void {
  const step = <usize>aStride << 2;
  const aEnd = a + <usize>k * step;
  let panel = packed;
  let j = 0;
  for (; j + PANEL <= n; j += PANEL) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
    let s3 = f32x4.splat(0), s4 = f32x4.splat(0), s5 = f32x4.splat(0);
    for (let ap = a; ap < aEnd; ap += step) {
      const v = v128.load32_splat(ap);
      s0 = f32x4.add(s0, f32x4.mul(v, v128.load(panel, 0)));
      s1 = f32x4.add(s1, f32x4.mul(v, v128.load(panel, 16)));
      s2 = f32x4.add(s2, f32x4.mul(v, v128.load(panel, 32)));
      s3 = f32x4.add(s3, f32x4.mul(v, v128.load(panel, 48)));
      s4 = f32x4.add(s4, f32x4.mul(v, v128.load(panel, 64)));
      s5 = f32x4.add(s5, f32x4.mul(v, v128.load(panel, 80)));
      panel += PANEL << 2;
    }
    const o = c + (<usize>j << 2);
    v128.store(o, s0, 0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
    v128.store(o, s4, 64);
    v128.store(o, s5, 80);
  }
  for (; j + 8 <= n; j += 8) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (let ap = a; ap < aEnd; ap += step) {
      const v = v128.load32_splat(ap);
      s0 = f32x4.add(s0, f32x4.mul(v, v128.load(panel, 0)));
      s1 = f32x4.add(s1, f32x4.mul(v, v128.load(panel, 16)));
      panel += 32;
    }
    const o = c + (<usize>j << 2);
    v128.store(o, s0, 0);
    v128.store(o, s1, 16);
  }
  for (; j + 4 <= n; j += 4) {
    let s0 = f32x4.splat(0);
    for (let ap = a; ap < aEnd; ap += step) {
      s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(ap), v128.load(panel)));
      panel += 16;
    }
    v128.store(c + (<usize>j << 2), s0);
  }
  for (; j < n; j++) {
    let sum: f32 = 0;
    for (let ap = a; ap < aEnd; ap += step) {
      sum += load<f32>(ap) * load<f32>(panel);
      panel += 4;
    }
    store<f32>(c + (<usize>j << 2), sum);
  }
  if (epilogueActive()) applyEpilogue(c, <usize>n << 2, 1, n, col0);
}

/**
 * out[i·outStride] = v · rows[i] for `count` contiguous rows of length k (row stride rowStride)
 * and a contiguous vector v: a matrix times a vector, or one row times a transposed matrix. Four
 * partial sums per row, added at the end. With the epilogue on, `out` is a column (outStride 1 and
 * count rows of one column) or a row (count columns from col0), as `asColumn` says.
 */
export function dots_f32(v: usize, rows: usize, rowStride: i32, out: usize, outStride: i32, count: i32, k: i32, asColumn: bool, col0: i32): void {
  for (let i = 0; i < count; i++) {
    const row = rows + (<usize>(i * rowStride) << 2);
    let sum = f32x4.splat(0);
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      const at = <usize>p << 2;
      sum = f32x4.add(sum, f32x4.mul(v128.load(v + at), v128.load(row + at)));
    }
    let total = (f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1)) + (f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3));
    for (; p < k; p++) total += load<f32>(v + (<usize>p << 2)) * load<f32>(row + (<usize>p << 2));
    store<f32>(out + (<usize>(i * outStride) << 2), total);
  }
  if (epilogueActive()) {
    if (asColumn) applyEpilogue(out, <usize>outStride << 2, count, 1, col0);
    else applyEpilogue(out, <usize>count << 2, 1, count, col0);
  }
}
