import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

export const logicalOrOp = binaryOp({
  name: 'logicalOr',
  formula: { bool: (a, b) => (a || b ? 1 : 0) },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise boolean OR of bool tensors, with broadcasting. Corresponds to `tf.logicalOr`.
 *
 * @example logicalOr(tensor([false, false]), tensor([true, false])) // [true, false]
 */
export const logicalOr = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(logicalOrOp, a, b));
