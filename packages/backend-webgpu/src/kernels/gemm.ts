/**
 * The blocked matrix-product skeleton shared by matMul, conv2d (implicit GEMM) and conv2d's filter
 * gradient: a workgroup of 8 × 8 threads computes a 32 × 32 block of C = A·B, each thread a 4 × 4
 * patch held in registers, stepping through K in slices of 32 staged in workgroup memory, so each
 * staged value feeds four multiply-adds. The caller supplies how to read A and B and where C goes,
 * as WGSL functions, which is what makes a convolution a GEMM without an im2col buffer.
 */

export const GEMM_BLOCK = 32;
export const GEMM_THREADS = 64;
const PATCH = 4;

export interface GemmShader {
  /** 'f32' or 'i32'. */
  readonly type: string;
  /**
   * Module-scope WGSL defining `fn load_a(row: i32, k: i32) -> T`, `fn load_b(k: i32, col: i32) -> T`
   * and `fn store_c(row: i32, col: i32, value: T)`; called only inside [0, M) × [0, K) × [0, N).
   */
  readonly functions: string;
  /** WGSL run first in the entry point: must define `M`, `N`, `K` and may set private variables from `wz`. */
  readonly setup: string;
}

export function gemmHelpers(shader: GemmShader): string {
  const staged = GEMM_BLOCK * GEMM_BLOCK;
  return `var<workgroup> As: array<${shader.type}, ${staged}>;
var<workgroup> Bs: array<${shader.type}, ${staged}>;
${shader.functions}`;
}

export function gemmBody(shader: GemmShader): string {
  const T = shader.type;
  const zero = `${T}(0)`;
  const side = GEMM_BLOCK / PATCH;
  const staged = GEMM_BLOCK * GEMM_BLOCK;
  return `${shader.setup}
  let tx = lid % ${side};
  let ty = lid / ${side};
  let rowBase = wy * ${GEMM_BLOCK};
  let colBase = wx * ${GEMM_BLOCK};
  var acc: array<${T}, ${PATCH * PATCH}>;
  for (var t = 0; t < K; t += ${GEMM_BLOCK}) {
    for (var e = 0; e < ${staged / GEMM_THREADS}; e++) {
      let idx = lid + e * ${GEMM_THREADS};
      let r = idx / ${GEMM_BLOCK};
      let c = idx % ${GEMM_BLOCK};
      // As[r][c] = A[rowBase + r, t + c]; Bs[r][c] = B[t + r, colBase + c].
      var av = ${zero};
      if (rowBase + r < M && t + c < K) { av = load_a(rowBase + r, t + c); }
      As[idx] = av;
      var bv = ${zero};
      if (t + r < K && colBase + c < N) { bv = load_b(t + r, colBase + c); }
      Bs[idx] = bv;
    }
    workgroupBarrier();
    for (var p = 0; p < ${GEMM_BLOCK}; p++) {
      var av: array<${T}, ${PATCH}>;
      var bv: array<${T}, ${PATCH}>;
      for (var r = 0; r < ${PATCH}; r++) {
        av[r] = As[(ty * ${PATCH} + r) * ${GEMM_BLOCK} + p];
        bv[r] = Bs[p * ${GEMM_BLOCK} + tx * ${PATCH} + r];
      }
      for (var r = 0; r < ${PATCH}; r++) {
        for (var c = 0; c < ${PATCH}; c++) { acc[r * ${PATCH} + c] += av[r] * bv[c]; }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0; r < ${PATCH}; r++) {
    let row = rowBase + ty * ${PATCH} + r;
    for (var c = 0; c < ${PATCH}; c++) {
      let col = colBase + tx * ${PATCH} + c;
      if (row < M && col < N) { store_c(row, col, acc[r * ${PATCH} + c]); }
    }
  }`;
}

/** Workgroup counts for an M × N product, `layers` deep (batches or groups). */
export function gemmWorkgroups(m: number, n: number, layers: number): [number, number, number] {
  return [Math.ceil(n / GEMM_BLOCK), Math.ceil(m / GEMM_BLOCK), layers];
}
