import type { Tensor, TensorLike } from '../tensor.js';
import { add } from './add.js';
import { op } from './convert.js';
import { div } from './div.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const log1pOp = unaryOp({
  name: 'log1p',
  formula: { float32: Math.log1p },
  grad: ([dy], { inputs: [x] }) => [div(dy, add(x, 1))],
});

/**
 * Elementwise `log(1 + x)`, accurate for small `x`. Corresponds to `tf.log1p`.
 *
 * @example log1p(tensor([0, 1e-7])) // [0, 1e-7]
 */
export const log1p = op((x: TensorLike): Tensor => applyUnary(log1pOp, x));
