import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';
import { sub } from './sub.js';

/**
 * 1 / (1 + e^-x), evaluated so that the exponential never overflows: for negative x the
 * equivalent e^x / (1 + e^x) only ever exponentiates a non-positive number.
 */
function stableSigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export const sigmoidOp = unaryOp({
  name: 'sigmoid',
  formula: { float32: stableSigmoid },
  saves: { inputs: false, outputs: true },
  grad: ([dy], { outputs: [y] }) => [mul(dy, mul(y, sub(1, y)))],
});

/**
 * Elementwise logistic function `1 / (1 + e^-x)`, stable for large |x|. Corresponds to `tf.sigmoid`.
 *
 * @example sigmoid(tensor([0, -1000, 1000])) // [0.5, 0, 1]
 */
export const sigmoid = op((x: TensorLike): Tensor => applyUnary(sigmoidOp, x));
