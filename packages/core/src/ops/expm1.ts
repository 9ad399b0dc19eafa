import type { Tensor, TensorLike } from '../tensor.js';
import { add } from './add.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';

export const expm1Op = unaryOp({
  name: 'expm1',
  formula: { float32: Math.expm1 },
  saves: { inputs: false, outputs: true },
  grad: ([dy], { outputs: [y] }) => [mul(dy, add(y, 1))],
});

/**
 * Elementwise `e^x - 1`, accurate for small `x`. Corresponds to `tf.expm1`.
 *
 * @example expm1(tensor([0, 1e-7])) // [0, 1e-7]
 */
export const expm1 = op((x: TensorLike): Tensor => applyUnary(expm1Op, x));
