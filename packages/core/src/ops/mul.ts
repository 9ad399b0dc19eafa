import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';

export const mulOp = binaryOp({
  name: 'mul',
  // Math.imul keeps int32 products exact (a * b in doubles loses bits past 2^53 before wrapping).
  formula: { float32: (a, b) => a * b, int32: Math.imul },
  grad: ([dy], { inputs: [a, b] }) => [unbroadcast(mul(dy, b), a.shape), unbroadcast(mul(dy, a), b.shape)],
});

/**
 * Elementwise `a * b` with broadcasting. Corresponds to `tf.multiply`.
 *
 * @example mul(tensor([1, 2]), 3) // [3, 6]
 */
export const mul = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(mulOp, a, b));
