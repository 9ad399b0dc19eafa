import { engine } from '../engine/engine.js';
import { ArgumentError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface TransposeAttrs {
  /** Output axis i is input axis perm[i]. */
  readonly perm: readonly number[];
}

/** The permutation that undoes `perm`. */
export function inversePermutation(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

export const transposeOp = defineOp<'transpose', TransposeAttrs>({
  name: 'transpose',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { perm }) {
    const rank = x.shape.length;
    const isPermutation =
      perm.length === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank) && new Set(perm).size === rank;
    if (!isPermutation) {
      throw new ArgumentError(
        `transpose: perm must be a permutation of 0..${rank - 1} for x of shape ${formatShape(x.shape)}, got ${JSON.stringify(perm)}`,
      );
    }
    return [{ shape: perm.map((p) => x.shape[p]), dtype: x.dtype }];
  },
  grad: ([dy], { attrs: { perm } }) => [transpose(dy, inversePermutation(perm))],
});

/**
 * Permutes the axes: output axis i is input axis `perm[i]`; without `perm` the axes are reversed.
 * Corresponds to `tf.transpose`.
 *
 * @example transpose(tensor([[1, 2, 3], [4, 5, 6]])) // [[1, 4], [2, 5], [3, 6]]
 */
export const transpose = op((x: TensorLike, perm?: readonly number[]): Tensor => {
  const t = toTensor('transpose', 'x', x);
  const resolved = perm === undefined ? t.shape.map((_, i) => t.rank - 1 - i) : [...perm];
  return engine.run1(transposeOp, [t], { perm: resolved });
});
