import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

const compare = (a: number, b: number): number => (a >= b ? 1 : 0);

export const greaterEqualOp = binaryOp({
  name: 'greaterEqual',
  formula: { float32: compare, int32: compare },
  outputDType: 'bool',
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise `a >= b` with broadcasting, giving a bool tensor (false where either is NaN). Corresponds to `tf.greaterEqual`.
 *
 * @example greaterEqual(tensor([1, 2, 3]), 2) // [false, true, true]
 */
export const greaterEqual = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(greaterEqualOp, a, b));
