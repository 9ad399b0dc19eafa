import type { Tensor, TensorLike } from '../tensor.js';
import { add } from './add.js';
import { op } from './convert.js';
import { div } from './div.js';
import { applyBinary, binaryOp, unbroadcast } from './elementwise.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { square } from './square.js';

export const atan2Op = binaryOp({
  name: 'atan2',
  formula: { float32: Math.atan2 },
  // ∂/∂a atan2(a, b) = b / (a² + b²) and ∂/∂b = -a / (a² + b²).
  grad: ([dy], { inputs: [a, b] }) => {
    const scaled = div(dy, add(square(a), square(b)));
    return [unbroadcast(mul(scaled, b), a.shape), unbroadcast(neg(mul(scaled, a)), b.shape)];
  },
});

/**
 * Elementwise angle of the point (b, a) in radians, in [-π, π]: the arc tangent of `a / b` using
 * both signs to pick the quadrant. Corresponds to `tf.atan2`.
 *
 * @example atan2(tensor([1, 1]), tensor([1, -1])) // [0.7853982, 2.3561945]
 */
export const atan2 = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(atan2Op, a, b));
