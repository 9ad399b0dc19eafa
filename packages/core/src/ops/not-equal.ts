import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

const compare = (a: number, b: number): number => (a !== b ? 1 : 0);

export const notEqualOp = binaryOp({
  name: 'notEqual',
  formula: { float32: compare, int32: compare, bool: compare },
  outputDType: 'bool',
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise `a != b` with broadcasting, giving a bool tensor (NaN differs from everything). Corresponds to `tf.notEqual`.
 *
 * @example notEqual(tensor([1, 2]), tensor([1, 3])) // [false, true]
 */
export const notEqual = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(notEqualOp, a, b));
