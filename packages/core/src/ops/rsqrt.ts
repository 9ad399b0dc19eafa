import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';
import { square } from './square.js';

export const rsqrtOp = unaryOp({
  name: 'rsqrt',
  formula: { float32: (x) => 1 / Math.sqrt(x) },
  saves: { inputs: false, outputs: true },
  // d/dx x^(-1/2) = -x^(-3/2)/2 = -y³/2, so only the output is needed.
  grad: ([dy], { outputs: [y] }) => [mul(dy, mul(mul(y, square(y)), -0.5))],
});

/**
 * Elementwise `1 / sqrt(x)`. Corresponds to `tf.rsqrt`.
 *
 * @example rsqrt(tensor([4, 0.25])) // [0.5, 2]
 */
export const rsqrt = op((x: TensorLike): Tensor => applyUnary(rsqrtOp, x));
