import type { GemmEpilogue, Program } from '../runtime.js';
import { MAX_OP_PARAMS } from '../runtime.js';

/**
 * The blocked matrix-product skeleton shared by matMul, conv2d (implicit GEMM) and conv2d's filter
 * gradient: a workgroup of 8 × 8 threads computes a 32 × 32 block of C = A·B, each thread a 4 × 4
 * patch held in registers as four vectors, stepping through K in slices of 32 staged in workgroup
 * memory (B as vectors of four columns, so a thread's columns are one load), so each staged value
 * feeds four multiply-adds. The caller supplies how to read A and B and where C goes,
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
var<workgroup> Bs: array<vec4<${shader.type}>, ${staged / 4}>;
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
  var acc: array<vec4<${T}>, ${PATCH}>;
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
      // B staged as vectors of four adjacent columns: a thread's four columns are one load.
      Bs[idx / 4][idx % 4] = bv;
    }
    workgroupBarrier();
    for (var p = 0; p < ${GEMM_BLOCK}; p++) {
      let bv = Bs[p * ${GEMM_BLOCK / 4} + tx];
      for (var r = 0; r < ${PATCH}; r++) {
        acc[r] += As[(ty * ${PATCH} + r) * ${GEMM_BLOCK} + p] * bv;
      }
    }
    workgroupBarrier();
  }
  for (var r = 0; r < ${PATCH}; r++) {
    let row = rowBase + ty * ${PATCH} + r;
    for (var c = 0; c < ${PATCH}; c++) {
      let col = colBase + tx * ${PATCH} + c;
      if (row < M && col < N) { store_c(row, col, acc[r][c]); }
    }
  }`;
}

/** Products of at most this many rows take the skinny skeleton (`skinnyBody`). */
export const SKINNY_ROWS = 4;
const SKINNY_THREADS = 64;

/**
 * The skeleton for a product of at most SKINNY_ROWS rows (a dense layer on a batch of one): one
 * thread per output column holds a value per row and walks K, reading its column of B (adjacent
 * threads read adjacent columns) and A's few rows, which every thread of a workgroup shares. The
 * blocked skeleton would compute 32 rows to keep one. Sums run over K in the same order.
 */
export function skinnyBody(shader: GemmShader): string {
  const T = shader.type;
  return `${shader.setup}
  let col = wx * ${SKINNY_THREADS} + lid;
  if (col < N) {
    var acc: array<${T}, ${SKINNY_ROWS}>;
    for (var k = 0; k < K; k++) {
      let b = load_b(k, col);
      for (var r = 0; r < ${SKINNY_ROWS}; r++) {
        if (r < M) { acc[r] += load_a(r, k) * b; }
      }
    }
    for (var r = 0; r < M; r++) { store_c(r, col, acc[r]); }
  }`;
}

/** Workgroup counts for the skinny skeleton: N columns, `layers` deep. */
export function skinnyWorkgroups(n: number, layers: number): [number, number, number] {
  return [Math.ceil(n / SKINNY_THREADS), 1, layers];
}

/** Workgroup counts for an M × N product, `layers` deep (batches or groups). */
export function gemmWorkgroups(m: number, n: number, layers: number): [number, number, number] {
  return [Math.ceil(n / GEMM_BLOCK), Math.ceil(m / GEMM_BLOCK), layers];
}

/**
 * A GEMM program that can take an elementwise epilogue into its store (Program.withEpilogue):
 * `shader(store)` is the GEMM whose `store_c` computes the result's flat index `i` and runs `store`
 * (the plain contraction stores `y[i] = value;`). Returns undefined when the parameters do not fit.
 */
export function gemmProgram(base: Omit<Program, 'helpers' | 'body' | 'withEpilogue'>, shader: (store: string) => GemmShader, skinny = false): Program {
  const plain = shader('y[i] = value;');
  const helpers = (s: GemmShader) => (skinny ? s.functions : gemmHelpers(s));
  const body = (s: GemmShader) => (skinny ? skinnyBody(s) : gemmBody(s));
  return {
    ...base,
    helpers: helpers(plain),
    body: body(plain),
    withEpilogue: (epilogue: GemmEpilogue) => {
      const { store, params } = epilogue.code(base.params.length, base.inputs.length);
      if (base.params.length + params.length > MAX_OP_PARAMS) return undefined;
      const fused = shader(store);
      return {
        ...base,
        key: `${base.key}+${epilogue.key}`,
        inputs: [...base.inputs, ...epilogue.inputs],
        params: [...base.params, ...params],
        outputDTypes: epilogue.outputDTypes,
        helpers: `${epilogue.helpers}\n${helpers(fused)}`,
        body: body(fused),
      };
    },
  };
}
