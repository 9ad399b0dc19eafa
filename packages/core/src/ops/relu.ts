import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { greater } from './greater.js';
import { where } from './where.js';

export const reluOp = unaryOp({
  name: 'relu',
  // NaN fails the comparison and passes through, as in TensorFlow (GPU max(x, 0) may drop it).
  formula: { float32: (x) => (x < 0 ? 0 : x), int32: (x) => (x < 0 ? 0 : x) },
  grad: ([dy], { inputs: [x] }) => [where(greater(x, 0), dy, 0)],
});

/**
 * Elementwise `max(x, 0)` (NaN stays NaN); the gradient is 0 at and below 0. Corresponds to `tf.relu`.
 *
 * @example relu(tensor([-1, 0, 2])) // [0, 0, 2]
 */
export const relu = op((x: TensorLike): Tensor => applyUnary(reluOp, x));
