import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';
import { mul } from './mul.js';
import { neg } from './neg.js';
import { square } from './square.js';

export const reciprocalOp = unaryOp({
  name: 'reciprocal',
  formula: { float32: (x) => 1 / x },
  saves: { inputs: false, outputs: true },
  // d/dx (1/x) = -1/x² = -y².
  grad: ([dy], { outputs: [y] }) => [mul(dy, neg(square(y)))],
});

/**
 * Elementwise `1 / x` (±Infinity at ±0). Corresponds to `tf.reciprocal`.
 *
 * @example reciprocal(tensor([2, -4])) // [0.5, -0.25]
 */
export const reciprocal = op((x: TensorLike): Tensor => applyUnary(reciprocalOp, x));
