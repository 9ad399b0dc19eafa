import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const signOp = unaryOp({
  name: 'sign',
  // Math.sign already gives NaN for NaN and keeps zeros, as tf.sign does.
  formula: { float32: Math.sign, int32: Math.sign },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise sign: -1, 0 or 1 (NaN stays NaN). Carries no gradient. Corresponds to `tf.sign`.
 *
 * @example sign(tensor([-3, 0, 2])) // [-1, 0, 1]
 */
export const sign = op((x: TensorLike): Tensor => applyUnary(signOp, x));
