import type { Tensor, TensorLike } from '../tensor.js';
import { op } from './convert.js';
import { applyUnary, unaryOp } from './elementwise.js';

/** Rounds to the nearest integer, ties to the even one (Math.round sends ties up instead). */
function roundHalfToEven(x: number): number {
  const below = Math.floor(x);
  const fraction = x - below;
  if (fraction > 0.5) return below + 1;
  if (fraction < 0.5) return below;
  // An exact tie; for ±Infinity and NaN `fraction` is NaN and this returns x unchanged.
  return below % 2 === 0 ? below : Number.isFinite(below) ? below + 1 : x;
}

export const roundOp = unaryOp({
  name: 'round',
  formula: { float32: roundHalfToEven },
  saves: { inputs: false },
  grad: 'none',
});

/**
 * Elementwise rounding to the nearest integer, halves to even (banker's rounding, as TensorFlow
 * and NumPy do). Carries no gradient. Corresponds to `tf.round`.
 *
 * @example round(tensor([0.5, 1.5, 2.5, -0.5])) // [0, 2, 2, -0]
 */
export const round = op((x: TensorLike): Tensor => applyUnary(roundOp, x));
