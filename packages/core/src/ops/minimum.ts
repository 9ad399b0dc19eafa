import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';
import { lessEqual } from './less-equal.js';
import { where } from './where.js';

export const minimumOp = binaryOp({
  name: 'minimum',
  // Math.min returns NaN when either side is NaN, which is how tf.minimum propagates it.
  formula: { float32: Math.min, int32: Math.min },
  grad: ([dy], { inputs: [a, b] }) => {
    // Ties send the whole gradient to a, as TensorFlow does.
    const toA = lessEqual(a, b);
    return [unbroadcast(where(toA, dy, 0), a.shape), unbroadcast(where(toA, 0, dy), b.shape)];
  },
});

/**
 * Elementwise smaller of `a` and `b` with broadcasting; NaN propagates. Corresponds to `tf.minimum`.
 *
 * @example minimum(tensor([1, 5]), 3) // [1, 3]
 */
export const minimum = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(minimumOp, a, b));
