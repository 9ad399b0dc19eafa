import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const logicalNotOp = unaryOp({
  name: 'logicalNot',
  formula: { bool: (x) => (x ? 0 : 1) },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise boolean negation of a bool tensor. Corresponds to `tf.logicalNot`.
 *
 * @example logicalNot(tensor([true, false])) // [false, true]
 */
export const logicalNot = op((x: TensorLike): Tensor => applyUnary(logicalNotOp, x));
