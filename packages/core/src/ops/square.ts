import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';

export const squareOp = unaryOp({
  name: 'square',
  // Math.imul keeps int32 squares exact before wrapping, like int32 multiplication.
  formula: { float32: (x) => x * x, int32: (x) => Math.imul(x, x) },
  grad: ([dy], { inputs: [x] }) => [mul(dy, mul(x, 2))],
});

/**
 * Elementwise `x * x`. Corresponds to `tf.square`.
 *
 * @example square(tensor([-2, 3])) // [4, 9]
 */
export const square = op((x: TensorLike): Tensor => applyUnary(squareOp, x));
