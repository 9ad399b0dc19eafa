import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { normalizeAxes, reducedShape } from '../shape.js';
import { broadcastTo } from './broadcast-to.js';
import { cast } from './cast.js';
import { op, toTensor } from './convert.js';
import { assertDType } from '../dtype.js';
import { defineOp } from './op.js';
import { reshape } from './reshape.js';

/** Attributes shared by every reduction: normalized, sorted axes. */
export interface ReduceAttrs {
  readonly axes: readonly number[];
  readonly keepDims: boolean;
}

export const sumOp = defineOp<'sum', ReduceAttrs>({
  name: 'sum',
  kind: 'reduction',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { axes, keepDims }) {
    assertDType('sum', 'x', x.dtype, ['float32', 'int32']);
    return [{ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype }];
  },
  grad: ([dy], { inputInfos: [x], attrs: { axes } }) => [
    broadcastTo(reshape(dy, reducedShape(x.shape, axes, true)), x.shape),
  ],
});

/**
 * Sums over `axis` (all axes when omitted). Bool inputs count as int32.
 * Corresponds to `tf.sum` / `tf.reduce_sum`.
 *
 * @example sum(tensor([[1, 2], [3, 4]]), 1) // [3, 7]
 */
export const sum = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  let t = toTensor('sum', 'x', x);
  if (t.dtype === 'bool') t = cast(t, 'int32');
  return engine.run1(sumOp, [t], { axes: normalizeAxes('sum', axis, t.rank), keepDims });
});
