import { assertDType } from '../dtype.js';
import { abs } from '../ops/abs.js';
import { add } from '../ops/add.js';
import { op, toTensor } from '../ops/convert.js';
import { div } from '../ops/div.js';
import { erf } from '../ops/erf.js';
import { exp } from '../ops/exp.js';
import { expm1 } from '../ops/expm1.js';
import { greater } from '../ops/greater.js';
import { log } from '../ops/log.js';
import { log1p } from '../ops/log1p.js';
import { max } from '../ops/max.js';
import { minimum } from '../ops/minimum.js';
import { mul } from '../ops/mul.js';
import { neg } from '../ops/neg.js';
import { relu } from '../ops/relu.js';
import { reshape } from '../ops/reshape.js';
import { rsqrt } from '../ops/rsqrt.js';
import { sigmoid } from '../ops/sigmoid.js';
import { square } from '../ops/square.js';
import { sub } from '../ops/sub.js';
import { sum } from '../ops/sum.js';
import { tanh } from '../ops/tanh.js';
import { where } from '../ops/where.js';
import { normalizeAxes } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { moments } from './math.js';

/** Converts a composite's argument and insists on float32, naming the composite in the error. */
function floatArgument(opName: string, arg: string, value: TensorLike): Tensor {
  const t = toTensor(opName, arg, value);
  assertDType(opName, arg, t.dtype, ['float32']);
  return t;
}

/**
 * `alpha·(e^x - 1)`, the negative branch of elu and selu. Clamping to x ≤ 0 first keeps e^x finite
 * where `where` does not take this branch, so its gradient there is 0, not 0·∞ = NaN.
 */
function negativeElu(x: Tensor, alpha: number): Tensor {
  return mul(expm1(minimum(x, 0)), alpha);
}

/**
 * Normalized exponentials over `axis`: `exp(x) / Σ exp(x)`. Subtracting the max first keeps exp
 * from overflowing; softmax does not change under a shift, so the gradient through the max cancels
 * exactly and no stopGradient is needed. Corresponds to `tf.softmax` / Keras `softmax`.
 *
 * @example softmax(tensor([1, 2, 3])) // [0.0900, 0.2447, 0.6652]
 */
export const softmax = op((logits: TensorLike, axis: number | readonly number[] = -1): Tensor => {
  const t = floatArgument('softmax', 'logits', logits);
  const axes = normalizeAxes('softmax', axis, t.rank);
  const unnormalized = exp(sub(t, max(t, axes, true)));
  return div(unnormalized, sum(unnormalized, axes, true));
});

/**
 * `log(softmax(x))` over `axis`, computed as `(x - max) - log Σ exp(x - max)` so that it neither
 * overflows nor loses small probabilities. Corresponds to `tf.logSoftmax` / Keras `log_softmax`.
 *
 * @example logSoftmax(tensor([0, 0])) // [-0.6931, -0.6931]
 */
export const logSoftmax = op((logits: TensorLike, axis: number | readonly number[] = -1): Tensor => {
  const t = floatArgument('logSoftmax', 'logits', logits);
  const axes = normalizeAxes('logSoftmax', axis, t.rank);
  const shifted = sub(t, max(t, axes, true));
  return sub(shifted, log(sum(exp(shifted), axes, true)));
});

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/**
 * Gaussian error linear unit: `x·Φ(x)` with the exact erf form by default, or the tanh
 * approximation when `approximate` is true (Keras 3's default is exact). Corresponds to Keras
 * `gelu` / `tf.nn.gelu`.
 *
 * @example gelu(tensor([1])) // [0.8413447]; gelu(tensor([1]), true) // [0.8411920]
 */
export const gelu = op((x: TensorLike, approximate = false): Tensor => {
  const t = floatArgument('gelu', 'x', x);
  if (approximate) {
    const cube = mul(square(t), t);
    const inner = mul(add(t, mul(cube, 0.044715)), SQRT_2_OVER_PI);
    return mul(mul(t, 0.5), add(tanh(inner), 1));
  }
  return mul(mul(t, 0.5), add(erf(mul(t, Math.SQRT1_2)), 1));
});

/**
 * Exponential linear unit: `x` for x > 0, `alpha·(e^x - 1)` otherwise. Corresponds to `tf.elu` /
 * Keras `elu`.
 *
 * @example elu(tensor([-1, 2])) // [-0.6321, 2]
 */
export const elu = op((x: TensorLike, alpha = 1): Tensor => {
  const t = floatArgument('elu', 'x', x);
  return where(greater(t, 0), t, negativeElu(t, alpha));
});

/** SELU's alpha (Klambauer et al., 2017), as in Keras `selu`. @example selu(tensor([-Infinity])) // [-SELU_SCALE * SELU_ALPHA] */
export const SELU_ALPHA = 1.6732632423543772;
/** SELU's scale (Klambauer et al., 2017), as in Keras `selu`. @example selu(tensor([1])) // [SELU_SCALE] */
export const SELU_SCALE = 1.0507009873554805;

/**
 * Scaled exponential linear unit: `scale·elu(x, alpha)` with the fixed constants `SELU_ALPHA`
 * and `SELU_SCALE`. Corresponds to `tf.selu` / Keras `selu`.
 *
 * @example selu(tensor([1])) // [1.0507010]
 */
export const selu = op((x: TensorLike): Tensor => {
  const t = floatArgument('selu', 'x', x);
  return mul(where(greater(t, 0), t, negativeElu(t, SELU_ALPHA)), SELU_SCALE);
});

/**
 * Leaky rectifier: `x` for x > 0, `alpha·x` otherwise; the default slope 0.2 is the Keras
 * `"leaky_relu"` activation's (the `LeakyReLU` layer's is 0.3). Corresponds to `tf.leakyRelu` /
 * Keras `leaky_relu`.
 *
 * @example leakyRelu(tensor([-1, 2])) // [-0.2, 2]
 */
export const leakyRelu = op((x: TensorLike, alpha = 0.2): Tensor => {
  const t = floatArgument('leakyRelu', 'x', x);
  return where(greater(t, 0), t, mul(t, alpha));
});

/**
 * Rectifier capped at 6: `min(max(x, 0), 6)`. Corresponds to `tf.relu6` / Keras `relu6`.
 *
 * @example relu6(tensor([-1, 3, 8])) // [0, 3, 6]
 */
export const relu6 = op((x: TensorLike): Tensor => minimum(relu(floatArgument('relu6', 'x', x)), 6));

/**
 * `log(1 + e^x)`, computed as `log1p(e^-|x|) + max(x, 0)` so that it is exact for large |x|
 * instead of overflowing or rounding to 0. Corresponds to `tf.softplus` / Keras `softplus`.
 *
 * @example softplus(tensor([0])) // [0.6931472]
 */
export const softplus = op((x: TensorLike): Tensor => {
  const t = floatArgument('softplus', 'x', x);
  return add(log1p(exp(neg(abs(t)))), relu(t));
});

/**
 * `x / (1 + |x|)`. Corresponds to `tf.nn.softsign` / Keras `soft_sign`.
 *
 * @example softsign(tensor([1, -3])) // [0.5, -0.75]
 */
export const softsign = op((x: TensorLike): Tensor => {
  const t = floatArgument('softsign', 'x', x);
  return div(t, add(abs(t), 1));
});

/**
 * `x·sigmoid(x)`, also called SiLU (`silu` is the same function). Corresponds to `tf.nn.silu` /
 * Keras `silu` and `swish`.
 *
 * @example swish(tensor([1])) // [0.7310586]
 */
export const swish = op((x: TensorLike): Tensor => {
  const t = floatArgument('swish', 'x', x);
  return mul(t, sigmoid(t));
});

/** The same function as `swish`: `x·sigmoid(x)`. Keras `silu`. @example silu(tensor([1])) // [0.7310586] */
export const silu = swish;

/**
 * Piecewise-linear sigmoid, Keras 3's `relu6(x + 3) / 6` (Keras 2 used `0.2x + 0.5`).
 * Corresponds to Keras `hard_sigmoid`.
 *
 * @example hardSigmoid(tensor([-4, 0, 1.5, 4])) // [0, 0.5, 0.75, 1]
 */
export const hardSigmoid = op((x: TensorLike): Tensor => {
  const t = floatArgument('hardSigmoid', 'x', x);
  return div(relu6(add(t, 3)), 6);
});

/**
 * `x·tanh(softplus(x))` (Misra, 2019). Corresponds to Keras `mish`.
 *
 * @example mish(tensor([1])) // [0.8650984]
 */
export const mish = op((x: TensorLike): Tensor => {
  const t = floatArgument('mish', 'x', x);
  return mul(t, tanh(softplus(t)));
});

/**
 * Normalizes `x` with given statistics: `(x - mean)·rsqrt(variance + epsilon)·scale + offset`,
 * every argument broadcasting against `x`. Corresponds to `tf.batchNorm` /
 * `tf.nn.batch_normalization`, with Keras's default epsilon 1e-3.
 *
 * @example batchNormalization(tensor([1, 3]), 2, 1) // [-0.9995, 0.9995]
 */
export const batchNormalization = op(
  (
    x: TensorLike,
    mean: TensorLike,
    variance: TensorLike,
    offset?: TensorLike,
    scale?: TensorLike,
    epsilon = 1e-3,
  ): Tensor => {
    const t = floatArgument('batchNormalization', 'x', x);
    let inverse = rsqrt(add(floatArgument('batchNormalization', 'variance', variance), epsilon));
    if (scale !== undefined) inverse = mul(inverse, floatArgument('batchNormalization', 'scale', scale));
    // TensorFlow folds the mean into the offset (x·inv + (offset - mean·inv)); subtracting first
    // gives the same value without cancelling when x and the mean are large next to the spread.
    const normalized = mul(sub(t, floatArgument('batchNormalization', 'mean', mean)), inverse);
    return offset === undefined ? normalized : add(normalized, floatArgument('batchNormalization', 'offset', offset));
  },
);

/** Brings a per-feature gamma or beta to a shape that broadcasts against `x` over `axes`. */
function broadcastParameter(parameter: Tensor, shape: readonly number[], axes: readonly number[]): Tensor {
  if (parameter.rank === shape.length || parameter.rank === 0) return parameter;
  return reshape(parameter, shape.map((d, i) => (axes.includes(i) ? d : 1)));
}

/**
 * Normalizes `x` over `axis` to zero mean and unit (biased) variance, then scales by `gamma` and
 * shifts by `beta`: `(x - mean)·rsqrt(variance + epsilon)·gamma + beta`, Keras's formula.
 * Corresponds to the computation of Keras's `LayerNormalization` (epsilon 1e-3).
 *
 * @example layerNormalization(tensor([[1, 3]])) // [[-0.9995, 0.9995]]
 */
export const layerNormalization = op(
  (x: TensorLike, gamma?: TensorLike, beta?: TensorLike, axis: number | readonly number[] = -1, epsilon = 1e-3): Tensor => {
    const t = floatArgument('layerNormalization', 'x', x);
    const axes = normalizeAxes('layerNormalization', axis, t.rank);
    const { mean, variance } = moments(t, axes, true);
    let inverse = rsqrt(add(variance, epsilon));
    if (gamma !== undefined) {
      inverse = mul(inverse, broadcastParameter(floatArgument('layerNormalization', 'gamma', gamma), t.shape, axes));
    }
    const normalized = mul(sub(t, mean), inverse);
    if (beta === undefined) return normalized;
    return add(normalized, broadcastParameter(floatArgument('layerNormalization', 'beta', beta), t.shape, axes));
  },
);
