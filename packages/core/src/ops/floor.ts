import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const floorOp = unaryOp({
  name: 'floor',
  formula: { float32: Math.floor },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise largest integer not greater than `x`. Carries no gradient. Corresponds to `tf.floor`.
 *
 * @example floor(tensor([1.7, -1.2])) // [1, -2]
 */
export const floor = op((x: TensorLike): Tensor => applyUnary(floorOp, x));
