import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';
import { square } from './square.js';
import { sub } from './sub.js';

export const tanhOp = unaryOp({
  name: 'tanh',
  formula: { float32: Math.tanh },
  saves: { inputs: false, outputs: true },
  grad: ([dy], { outputs: [y] }) => [mul(dy, sub(1, square(y)))],
});

/**
 * Elementwise hyperbolic tangent. Corresponds to `tf.tanh`.
 *
 * @example tanh(tensor([0, 100])) // [0, 1]
 */
export const tanh = op((x: TensorLike): Tensor => applyUnary(tanhOp, x));
