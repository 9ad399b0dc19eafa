import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

export const negOp = unaryOp({
  name: 'neg',
  formula: { float32: (x) => -x, int32: (x) => -x },
  saves: { inputs: false },
  grad: ([dy]) => [neg(dy)],
});

/**
 * Elementwise `-x`; int32 wraps around (`-(-2^31)` is `-2^31`). Corresponds to `tf.neg`.
 *
 * @example neg(tensor([1, -2])) // [-1, 2]
 */
export const neg = op((x: TensorLike): Tensor => applyUnary(negOp, x));
