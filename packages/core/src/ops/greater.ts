import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

const compare = (a: number, b: number): number => (a > b ? 1 : 0);

export const greaterOp = binaryOp({
  name: 'greater',
  formula: { float32: compare, int32: compare },
  outputDType: 'bool',
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise `a > b` with broadcasting, giving a bool tensor (false where either is NaN). Corresponds to `tf.greater`.
 *
 * @example greater(tensor([1, 2, 3]), 2) // [false, false, true]
 */
export const greater = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(greaterOp, a, b));
