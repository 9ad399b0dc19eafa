// A contraction's epilogue: bias add and activation applied to each output tile right after its
// last store, while the tile is still in L1, instead of in separate passes over the whole output.
// Each formula is the one the unfused elementwise kernels use (scripts/elementwise-table.mjs and the
// core composites relu6 = min(relu(x), 6), leakyRelu = x > 0 ? x : x·alpha), so a fused result is
// bit for bit the unfused one. The settings are globals: each wasm instance (one per thread) has its
// own, set by the first call of a job and cleared by its last.

import { sigmoidF32x4, sigmoidF64 } from './scalar-math';

export const ACTIVATION_LINEAR = 0;
export const ACTIVATION_RELU = 1;
export const ACTIVATION_RELU6 = 2;
export const ACTIVATION_LEAKY_RELU = 3;
export const ACTIVATION_SIGMOID = 4;
export const ACTIVATION_TANH = 5;

let epilogueOn: bool = false;
let epilogueBias: usize = 0;
let epilogueActivation: i32 = 0;
let epilogueAlpha: f32 = 0;
/**
 * A tensor of the output's own shape added element by element (a second matMul's result, a skip
 * connection), found at a fixed distance from each output element: its address minus the output's.
 * 0 for none (two live tensors never share an address).
 */
let epilogueResidualDelta: isize = 0;
/** Whether the residual is added before the bias (the traced program's order: f32 additions do not associate). */
let epilogueResidualFirst: bool = true;

/**
 * Turns the epilogue on for the gemm and conv calls that follow: a residual and a bias (0 for none) in
 * the order given, then the activation.
 */
export function gemm_set_epilogue(bias: usize, activation: i32, alpha: f32, residualDelta: isize, residualFirst: bool): void {
  epilogueOn = true;
  epilogueBias = bias;
  epilogueActivation = activation;
  epilogueAlpha = alpha;
  epilogueResidualDelta = residualDelta;
  epilogueResidualFirst = residualFirst;
}

export function gemm_clear_epilogue(): void {
  epilogueOn = false;
  epilogueBias = 0;
  epilogueActivation = ACTIVATION_LINEAR;
  epilogueResidualDelta = 0;
  epilogueResidualFirst = true;
}

export function epilogueActive(): bool {
  return epilogueOn;
}

// @ts-ignore: decorator
@inline function activate4(x: v128): v128 {
  const zero = f32x4.splat(0);
  switch (epilogueActivation) {
    case ACTIVATION_RELU:
      return v128.bitselect(zero, x, f32x4.lt(x, zero));
    case ACTIVATION_RELU6:
      return f32x4.min(v128.bitselect(zero, x, f32x4.lt(x, zero)), f32x4.splat(6));
    case ACTIVATION_LEAKY_RELU:
      return v128.bitselect(x, f32x4.mul(x, f32x4.splat(epilogueAlpha)), f32x4.gt(x, zero));
    case ACTIVATION_SIGMOID:
      return sigmoidF32x4(x);
    case ACTIVATION_TANH:
      return f32x4(
        <f32>Math.tanh(<f64>f32x4.extract_lane(x, 0)),
        <f32>Math.tanh(<f64>f32x4.extract_lane(x, 1)),
        <f32>Math.tanh(<f64>f32x4.extract_lane(x, 2)),
        <f32>Math.tanh(<f64>f32x4.extract_lane(x, 3)),
      );
  }
  return x;
}

// @ts-ignore: decorator
@inline function activate1(x: f32): f32 {
  switch (epilogueActivation) {
    case ACTIVATION_RELU:
      return x < 0 ? <f32>0 : x;
    case ACTIVATION_RELU6:
      return min<f32>(x < 0 ? <f32>0 : x, 6);
    case ACTIVATION_LEAKY_RELU:
      return x > 0 ? x : x * epilogueAlpha;
    case ACTIVATION_SIGMOID:
      return <f32>sigmoidF64(<f64>x);
    case ACTIVATION_TANH:
      return <f32>Math.tanh(<f64>x);
  }
  return x;
}

/** Applies the epilogue to a rows×cols block of C whose first column is output column `col0`. */
export function applyEpilogue(c: usize, rowBytes: usize, rows: i32, cols: i32, col0: i32): void {
  const bias: usize = epilogueBias == 0 ? <usize>0 : epilogueBias + (<usize>col0 << 2);
  const delta = epilogueResidualDelta;
  const before = delta != 0 && epilogueResidualFirst;
  const after = delta != 0 && !epilogueResidualFirst;
  for (let i = 0; i < rows; i++) {
    const row = c + <usize>i * rowBytes;
    const residualRow = <usize>(<isize>row + delta);
    let j = 0;
    for (; j + 4 <= cols; j += 4) {
      const at = <usize>j << 2;
      let x = v128.load(row + at);
      if (before) x = f32x4.add(x, v128.load(residualRow + at));
      if (bias != 0) x = f32x4.add(x, v128.load(bias + at));
      if (after) x = f32x4.add(x, v128.load(residualRow + at));
      v128.store(row + at, activate4(x));
    }
    for (; j < cols; j++) {
      const at = <usize>j << 2;
      let x = load<f32>(row + at);
      if (before) x += load<f32>(residualRow + at);
      if (bias != 0) x += load<f32>(bias + at);
      if (after) x += load<f32>(residualRow + at);
      store<f32>(row + at, activate1(x));
    }
  }
}

/** The epilogue over a block of an output with `ldc` elements per row (the depthwise conv's). */
export function epilogue_f32(c: usize, ldc: i32, rows: i32, cols: i32, col0: i32): void {
  applyEpilogue(c, <usize>ldc << 2, rows, cols, col0);
}
