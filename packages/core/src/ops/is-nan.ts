import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const isNaNOp = unaryOp({
  name: 'isNaN',
  formula: { float32: (x) => (Number.isNaN(x) ? 1 : 0) },
  outputDType: 'bool',
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise test for NaN, giving a bool tensor. Corresponds to `tf.isNaN`.
 *
 * @example isNaN(tensor([1, NaN])) // [false, true]
 */
export const isNaN = op((x: TensorLike): Tensor => applyUnary(isNaNOp, x));
