// BENCHMARK ONLY (scripts/bench-fused.mjs): gelu(x·a + b) written out by hand as one SIMD pass, the
// yardstick the fused-region interpreter is measured against. Not a kernel: nothing in src/ calls it.
// Each step rounds to f32 exactly where core's composite does (one op at a time), so its bits equal
// the traced and eager results and the benchmark checks that they do.

import { erfF32x4 } from './erf';
import { tanhF32x4 } from './scalar-math';

const HALF: f32 = 0.5;
const ONE: f32 = 1;
const SQRT1_2: f32 = <f32>Math.SQRT1_2;
const CUBE_COEFFICIENT: f32 = <f32>0.044715;
const SQRT_2_OVER_PI: f32 = <f32>Math.sqrt(2 / Math.PI);

/**
 * outs[r, c] = gelu(xs[r, c] · as[c] + bs[c]) over a rows × cols matrix (cols a multiple of 4);
 * `approximate` picks the tanh form (core's `gelu(x, true)`), else the erf form.
 */
export function bench_handFusedGelu_f32(xs: usize, as: usize, bs: usize, outs: usize, rows: i32, cols: i32, approximate: bool): void {
  const half = f32x4.splat(HALF);
  const one = f32x4.splat(ONE);
  for (let r = 0; r < rows; r++) {
    const row = <usize>(r * cols) << 2;
    for (let c = 0; c < cols; c += 4) {
      const at = <usize>c << 2;
      const t = f32x4.add(f32x4.mul(v128.load(xs + row + at), v128.load(as + at)), v128.load(bs + at));
      let g: v128;
      if (approximate) {
        const cube = f32x4.mul(f32x4.mul(t, t), t);
        const inner = f32x4.mul(f32x4.add(t, f32x4.mul(cube, f32x4.splat(CUBE_COEFFICIENT))), f32x4.splat(SQRT_2_OVER_PI));
        g = f32x4.add(tanhF32x4(inner), one);
      } else {
        g = f32x4.add(erfF32x4(f32x4.mul(t, f32x4.splat(SQRT1_2))), one);
      }
      v128.store(outs + row + at, f32x4.mul(f32x4.mul(t, half), g));
    }
  }
}

/**
 * outs[r, c] = relu(xs[r, c] · as[c] + bs[c]): a chain of cheap ops, where the interpreter's extra
 * passes over its tiles weigh the most against a single pass.
 */
export function bench_handFusedAffineRelu_f32(xs: usize, as: usize, bs: usize, outs: usize, rows: i32, cols: i32): void {
  const zero = f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = <usize>(r * cols) << 2;
    for (let c = 0; c < cols; c += 4) {
      const at = <usize>c << 2;
      const t = f32x4.add(f32x4.mul(v128.load(xs + row + at), v128.load(as + at)), v128.load(bs + at));
      v128.store(outs + row + at, v128.bitselect(zero, t, f32x4.lt(t, zero)));
    }
  }
}
