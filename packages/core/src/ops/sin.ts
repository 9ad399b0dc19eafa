import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { cos } from './cos.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';

export const sinOp = unaryOp({
  name: 'sin',
  formula: { float32: Math.sin },
  grad: ([dy], { inputs: [x] }) => [mul(dy, cos(x))],
});

/**
 * Elementwise sine, in radians. Corresponds to `tf.sin`.
 *
 * @example sin(tensor([0, Math.PI / 2])) // [0, 1]
 */
export const sin = op((x: TensorLike): Tensor => applyUnary(sinOp, x));
