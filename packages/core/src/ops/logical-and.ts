import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

export const logicalAndOp = binaryOp({
  name: 'logicalAnd',
  formula: { bool: (a, b) => (a && b ? 1 : 0) },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise boolean AND of bool tensors, with broadcasting. Corresponds to `tf.logicalAnd`.
 *
 * @example logicalAnd(tensor([true, true]), tensor([true, false])) // [true, false]
 */
export const logicalAnd = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(logicalAndOp, a, b));
