import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';

export const expOp = unaryOp({
  name: 'exp',
  formula: { float32: Math.exp },
  saves: { inputs: false, outputs: true },
  grad: ([dy], { outputs: [y] }) => [mul(dy, y)],
});

/**
 * Elementwise e^x. Corresponds to `tf.exp`.
 *
 * @example exp(tensor([0, 1])) // [1, 2.7182817]
 */
export const exp = op((x: TensorLike): Tensor => applyUnary(expOp, x));
