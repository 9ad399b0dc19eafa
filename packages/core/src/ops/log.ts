import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { div } from './div.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const logOp = unaryOp({
  name: 'log',
  formula: { float32: Math.log },
  grad: ([dy], { inputs: [x] }) => [div(dy, x)],
});

/**
 * Elementwise natural logarithm (`-Infinity` at 0, NaN below). Corresponds to `tf.log`.
 *
 * @example log(tensor([1, Math.E])) // [0, 1]
 */
export const log = op((x: TensorLike): Tensor => applyUnary(logOp, x));
