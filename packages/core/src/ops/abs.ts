import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';
import { sign } from './sign.js';

export const absOp = unaryOp({
  name: 'abs',
  formula: { float32: Math.abs, int32: Math.abs },
  grad: ([dy], { inputs: [x] }) => [mul(dy, sign(x))],
});

/**
 * Elementwise absolute value; int32 `abs(-2^31)` wraps to `-2^31` as in TensorFlow. Corresponds to `tf.abs`.
 *
 * @example abs(tensor([-1.5, 2])) // [1.5, 2]
 */
export const abs = op((x: TensorLike): Tensor => applyUnary(absOp, x));
