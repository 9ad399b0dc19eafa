import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';

export const addOp = binaryOp({
  name: 'add',
  formula: { float32: (a, b) => a + b, int32: (a, b) => a + b },
  saves: { inputs: false },
  grad: ([dy], { inputInfos: [a, b] }) => [unbroadcast(dy, a.shape), unbroadcast(dy, b.shape)],
});

/**
 * Elementwise `a + b` with NumPy broadcasting. Corresponds to `tf.add`.
 *
 * @example add(tensor([1, 2]), 1) // [2, 3]
 */
export const add = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(addOp, a, b));
