import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { div } from './div.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';

export const sqrtOp = unaryOp({
  name: 'sqrt',
  formula: { float32: Math.sqrt },
  saves: { inputs: false, outputs: true },
  grad: ([dy], { outputs: [y] }) => [div(dy, mul(y, 2))],
});

/**
 * Elementwise square root (NaN for negative inputs). Corresponds to `tf.sqrt`.
 *
 * @example sqrt(tensor([4, 9])) // [2, 3]
 */
export const sqrt = op((x: TensorLike): Tensor => applyUnary(sqrtOp, x));
