import { assertDType } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import { abs } from '../ops/abs.js';
import { add } from '../ops/add.js';
import { op, toTensor } from '../ops/convert.js';
import { exp } from '../ops/exp.js';
import { isFinite } from '../ops/is-finite.js';
import { log } from '../ops/log.js';
import { max } from '../ops/max.js';
import { maximum } from '../ops/maximum.js';
import { min } from '../ops/min.js';
import { minimum } from '../ops/minimum.js';
import { mul } from '../ops/mul.js';
import { pow } from '../ops/pow.js';
import { reshape } from '../ops/reshape.js';
import { rsqrt } from '../ops/rsqrt.js';
import { sqrt } from '../ops/sqrt.js';
import { square } from '../ops/square.js';
import { sub } from '../ops/sub.js';
import { sum } from '../ops/sum.js';
import { where } from '../ops/where.js';
import { normalizeAxes, normalizeAxis, reducedShape } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { mean } from './shape.js';

/** Converts a composite's argument and insists on float32, naming the composite in the error. */
function floatArgument(opName: string, arg: string, value: TensorLike): Tensor {
  const t = toTensor(opName, arg, value);
  assertDType(opName, arg, t.dtype, ['float32']);
  return t;
}

/**
 * log(Σ exp(x)) over `axis` (all axes when omitted), computed without overflow or underflow.
 * Corresponds to `tf.logSumExp` / `tf.reduce_logsumexp`.
 *
 * @example logSumExp(tensor([1000, 1000])) // 1000.6931
 */
export const logSumExp = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  const t = floatArgument('logSumExp', 'x', x);
  const axes = normalizeAxes('logSumExp', axis, t.rank);
  const rawMax = max(t, axes, true);
  // Shifting by the max keeps exp in range. A non-finite max (all -Infinity, or an Infinity) would
  // turn the shift into NaN, so it is replaced by 0 there: the result is then -Infinity or
  // Infinity, as in TensorFlow. A NaN max is not finite either, and the NaN still reaches exp.
  const shift = where(isFinite(rawMax), rawMax, 0);
  const result = add(log(sum(exp(sub(t, shift)), axes, true)), shift);
  return keepDims ? result : reshape(result, reducedShape(t.shape, axes, false));
});

/**
 * Scales `x` to unit L2 norm over `axis` (all axes when omitted), as `x * rsqrt(max(Σx², epsilon))`.
 * Corresponds to `tf.math.l2_normalize` (and Keras's `UnitNormalization`).
 *
 * @example l2Normalize(tensor([3, 4])) // [0.6, 0.8]
 */
export const l2Normalize = op((x: TensorLike, axis?: number | readonly number[], epsilon = 1e-12): Tensor => {
  const t = floatArgument('l2Normalize', 'x', x);
  const axes = normalizeAxes('l2Normalize', axis, t.rank);
  const squaredNorm = sum(square(t), axes, true);
  return mul(t, rsqrt(maximum(squaredNorm, epsilon)));
});

/** The mean and the (biased, divide-by-N) variance that `moments` returns. */
export interface Moments {
  readonly mean: Tensor;
  readonly variance: Tensor;
}

/**
 * Mean and biased variance of `x` over `axes` (all axes when omitted). Corresponds to `tf.moments`
 * / `tf.nn.moments`.
 *
 * @example moments(tensor([1, 2, 3, 4])) // { mean: 2.5, variance: 1.25 }
 */
export const moments = op((x: TensorLike, axes?: number | readonly number[], keepDims = false): Moments => {
  const t = floatArgument('moments', 'x', x);
  const normalized = normalizeAxes('moments', axes, t.rank);
  const meanKept = mean(t, normalized, true);
  // Two passes (the mean of squared deviations) rather than E[x²] - E[x]², which cancels badly
  // when the mean is large next to the spread.
  const varianceKept = mean(square(sub(t, meanKept)), normalized, true);
  if (keepDims) return { mean: meanKept, variance: varianceKept };
  const outShape = reducedShape(t.shape, normalized, false);
  return { mean: reshape(meanKept, outShape), variance: reshape(varianceKept, outShape) };
});

/**
 * Clamps every element of `x` to `[clipMin, clipMax]`; NaN stays NaN. Corresponds to
 * `tf.clipByValue`.
 *
 * @example clipByValue(tensor([-2, 0.5, 3]), -1, 1) // [-1, 0.5, 1]
 */
export const clipByValue = op((x: TensorLike, clipMin: TensorLike, clipMax: TensorLike): Tensor => {
  if (typeof clipMin === 'number' && typeof clipMax === 'number' && clipMin > clipMax) {
    throw new ArgumentError(`clipByValue: clipMin must not exceed clipMax, got ${clipMin} and ${clipMax}`);
  }
  return minimum(maximum(x, clipMin), clipMax);
});

/** The orders `norm` accepts: 'euclidean', 'fro', ±Infinity, or a positive number p. */
export type NormOrder = 'euclidean' | 'fro' | number;

function vectorNorm(t: Tensor, ord: NormOrder, axes: readonly number[]): Tensor {
  if (ord === 'euclidean' || ord === 'fro' || ord === 2) return sqrt(sum(square(t), axes, true));
  if (ord === 1) return sum(abs(t), axes, true);
  if (ord === Infinity) return max(abs(t), axes, true);
  if (ord === -Infinity) return min(abs(t), axes, true);
  if (typeof ord === 'number' && ord > 0) {
    return pow(sum(pow(abs(t), ord), axes, true), 1 / ord);
  }
  throw new ArgumentError(`norm: ord must be 'euclidean', 'fro', a positive number or ±Infinity for a vector norm, got ${String(ord)}`);
}

function matrixNorm(t: Tensor, ord: NormOrder, [rows, cols]: readonly [number, number]): Tensor {
  if (ord === 'euclidean' || ord === 'fro') return sqrt(sum(square(t), [rows, cols], true));
  // The induced 1-norm is the largest column sum of |x|, the ∞-norm the largest row sum.
  if (ord === 1) return max(sum(abs(t), rows, true), cols, true);
  if (ord === Infinity) return max(sum(abs(t), cols, true), rows, true);
  if (ord === -Infinity) return min(sum(abs(t), cols, true), rows, true);
  if (ord === 2) {
    throw new ArgumentError(`norm: the matrix 2-norm (largest singular value) needs an SVD, which Tessera does not have; use 'fro', 1 or Infinity`);
  }
  throw new ArgumentError(`norm: ord must be 'euclidean', 'fro', 1, Infinity or -Infinity for a matrix norm, got ${String(ord)}`);
}

/**
 * The vector norm of `x` over one axis (or over all elements when `axis` is omitted), or the
 * matrix norm over two axes. Corresponds to `tf.norm`.
 *
 * @example norm(tensor([3, 4])) // 5
 * @example norm(tensor([[1, -2], [3, 4]]), 1, [0, 1]) // 6 (largest column sum of |x|)
 */
export const norm = op(
  (x: TensorLike, ord: NormOrder = 'euclidean', axis?: number | readonly number[], keepDims = false): Tensor => {
    const t = floatArgument('norm', 'x', x);
    const axisList = axis === undefined ? undefined : typeof axis === 'number' ? [axis] : [...axis];
    if (axisList !== undefined && (axisList.length === 0 || axisList.length > 2)) {
      throw new ArgumentError(`norm: axis must name one axis (vector norm) or two (matrix norm), got ${JSON.stringify(axisList)}`);
    }
    const axes = normalizeAxes('norm', axisList, t.rank);
    let result: Tensor;
    if (axisList !== undefined && axisList.length === 2) {
      // The caller's order says which axis holds the rows.
      const rows = normalizeAxis('norm', axisList[0], t.rank);
      const cols = normalizeAxis('norm', axisList[1], t.rank);
      result = matrixNorm(t, ord, [rows, cols]);
    } else {
      result = vectorNorm(t, ord, axes);
    }
    return keepDims ? result : reshape(result, reducedShape(t.shape, axes, false));
  },
);
