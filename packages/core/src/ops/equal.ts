import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

const compare = (a: number, b: number): number => (a === b ? 1 : 0);

export const equalOp = binaryOp({
  name: 'equal',
  formula: { float32: compare, int32: compare, bool: compare },
  outputDType: 'bool',
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise `a == b` with broadcasting, giving a bool tensor (NaN equals nothing). Corresponds to `tf.equal`.
 *
 * @example equal(tensor([1, 2]), tensor([1, 3])) // [true, false]
 */
export const equal = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(equalOp, a, b));
