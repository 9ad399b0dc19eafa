import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyBinary, binaryOp } from './elementwise.js';

/** Python's `%`: JS `%` truncates, so a nonzero remainder whose sign differs from b's moves by b. */
function floorMod(a: number, b: number): number {
  const remainder = a % b;
  return remainder !== 0 && remainder < 0 !== b < 0 ? remainder + b : remainder;
}

export const modOp = binaryOp({
  name: 'mod',
  formula: {
    float32: floorMod,
    // Modulo zero gives 0 rather than trapping, as TensorFlow's integer kernels do.
    int32: (a, b) => (b === 0 ? 0 : floorMod(a, b)),
  },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise floored remainder with broadcasting: the result has the sign of `b` (Python's `%`,
 * `tf.math.floormod`); int32 modulo zero gives 0. Carries no gradient. Corresponds to `tf.mod`.
 *
 * @example mod(tensor([5, -5]), 3) // [2, 1]
 */
export const mod = op((a: TensorLike, b: TensorLike): Tensor => applyBinary(modOp, a, b));
