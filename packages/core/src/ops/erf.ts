import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { exp } from './exp.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { square } from './square.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

/** Below this |x| the series is used; above it the continued fraction converges fast. */
const SERIES_LIMIT = 3;
/** Depth of the continued fraction: at |x| = 3 forty levels already agree to double precision. */
const FRACTION_DEPTH = 40;

/**
 * erfc(x) for x ≥ 3 from Laplace's continued fraction
 * erfc(x) = e^(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated bottom-up.
 */
function erfcLarge(x: number): number {
  let denominator = x;
  for (let k = FRACTION_DEPTH; k >= 1; k--) denominator = x + k / 2 / denominator;
  return (Math.exp(-x * x) * ONE_OVER_SQRT_PI) / denominator;
}

/**
 * The error function in double precision (Math has none). Small |x| uses the series
 * erf(x) = 2/√π · e^(-x²) · Σ (2x²)^n x / (1·3·…·(2n+1)), whose terms are all of one sign so
 * nothing cancels; large |x| uses 1 - erfc(|x|) from a continued fraction.
 */
export function erfScalar(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const magnitude = Math.abs(x);
  if (magnitude >= SERIES_LIMIT) return Math.sign(x) * (1 - erfcLarge(magnitude));
  const x2 = x * x;
  let term = x;
  let total = x;
  for (let n = 1; Math.abs(term) > 1e-17 * Math.abs(total); n++) {
    term *= (2 * x2) / (2 * n + 1);
    total += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x2) * total;
}

export const erfOp = unaryOp({
  name: 'erf',
  formula: { float32: erfScalar },
  grad: ([dy], { inputs: [x] }) => [mul(dy, mul(exp(neg(square(x))), TWO_OVER_SQRT_PI))],
});

/**
 * Elementwise Gauss error function `2/√π ∫₀ˣ e^(-t²) dt`. Corresponds to `tf.erf`.
 *
 * @example erf(tensor([0, 1])) // [0, 0.8427008]
 */
export const erf = op((x: TensorLike): Tensor => applyUnary(erfOp, x));
