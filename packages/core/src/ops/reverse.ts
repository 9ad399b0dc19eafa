import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { normalizeAxes } from '../shape.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface ReverseAttrs {
  /** Normalized, sorted axes. */
  readonly axes: readonly number[];
}

export const reverseOp = defineOp<'reverse', ReverseAttrs>({
  name: 'reverse',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { axes }) {
    normalizeAxes('reverse', axes, x.shape.length);
    return [{ shape: x.shape, dtype: x.dtype }];
  },
  grad: ([dy], { attrs: { axes } }) => [reverse(dy, axes)],
});

/**
 * Reverses the order of elements along `axis` (every axis when omitted). Corresponds to `tf.reverse`.
 *
 * @example reverse(tensor([[1, 2], [3, 4]]), 1) // [[2, 1], [4, 3]]
 */
export const reverse = op((x: TensorLike, axis?: number | readonly number[]): Tensor => {
  const t = toTensor('reverse', 'x', x);
  return engine.run1(reverseOp, [t], { axes: normalizeAxes('reverse', axis, t.rank) });
});
