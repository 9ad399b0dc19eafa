import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';
import { greaterEqual } from './greater-equal.js';
import { where } from './where.js';

export const maximumOp = binaryOp({
  name: 'maximum',
  // Math.max returns NaN when either side is NaN, which is how tf.maximum propagates it.
  formula: { float32: Math.max, int32: Math.max },
  grad: ([dy], { inputs: [a, b] }) => {
    // Ties send the whole gradient to a, as TensorFlow does.
    const toA = greaterEqual(a, b);
    return [unbroadcast(where(toA, dy, 0), a.shape), unbroadcast(where(toA, 0, dy), b.shape)];
  },
});

/**
 * Elementwise larger of `a` and `b` with broadcasting; NaN propagates. Corresponds to `tf.maximum`.
 *
 * @example maximum(tensor([1, 5]), 3) // [3, 5]
 */
export const maximum = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(maximumOp, a, b));
