import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';
import { neg } from './neg.js';

export const subOp = binaryOp({
  name: 'sub',
  formula: { float32: (a, b) => a - b, int32: (a, b) => a - b },
  saves: { inputs: false },
  grad: ([dy], { inputInfos: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(neg(dy), b.shape)],
});

/**
 * Elementwise `a - b` with NumPy broadcasting. Corresponds to `tf.sub`.
 *
 * @example sub(tensor([5, 7]), 2) // [3, 5]
 */
export const sub = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(subOp, a, b));
