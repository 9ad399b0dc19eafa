import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const isFiniteOp = unaryOp({
  name: 'isFinite',
  formula: { float32: (x) => (Number.isFinite(x) ? 1 : 0) },
  outputDType: 'bool',
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise test for a finite value (neither ±Infinity nor NaN), giving a bool tensor.
 * Corresponds to `tf.isFinite`.
 *
 * @example isFinite(tensor([1, Infinity, NaN])) // [true, false, false]
 */
export const isFinite = op((x: TensorLike): Tensor => applyUnary(isFiniteOp, x));
