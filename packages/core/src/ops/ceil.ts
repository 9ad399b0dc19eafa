import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const ceilOp = unaryOp({
  name: 'ceil',
  formula: { float32: Math.ceil },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise smallest integer not less than `x`. Carries no gradient. Corresponds to `tf.ceil`.
 *
 * @example ceil(tensor([1.2, -1.7])) // [2, -1]
 */
export const ceil = op((x: TensorLike): Tensor => applyUnary(ceilOp, x));
