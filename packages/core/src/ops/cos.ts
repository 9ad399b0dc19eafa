import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { sin } from './sin.js';

export const cosOp = unaryOp({
  name: 'cos',
  formula: { float32: Math.cos },
  grad: ([dy], { inputs: [x] }) => [mul(dy, neg(sin(x)))],
});

/**
 * Elementwise cosine, in radians. Corresponds to `tf.cos`.
 *
 * @example cos(tensor([0, Math.PI])) // [1, -1]
 */
export const cos = op((x: TensorLike): Tensor => applyUnary(cosOp, x));
