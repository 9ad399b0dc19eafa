import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { normalizeAxis, sizeOf } from '../shape.js';
import { add } from './add.js';
import { op, tensor, toTensor } from './convert.js';
import { defineOp } from './op.js';
import { reshape } from './reshape.js';
import { slice } from './slice.js';
import { transpose } from './transpose.js';
import { unsortedSegmentSum } from './unsorted-segment-sum.js';

export interface GatherAttrs {
  /** Normalized (non-negative), at least `batchDims`. */
  readonly axis: number;
  /** Normalized (non-negative). */
  readonly batchDims: number;
}

const range = (from: number, to: number): number[] => Array.from({ length: Math.max(0, to - from) }, (_, i) => from + i);

/**
 * The gradient with respect to x: every gathered row's gradient is summed back into the row it came
 * from. With x = B + M + [A] + R (B the batch axes, A the gathered axis) and indices = B + J,
 * dy = B + M + J + R; it is moved to B + J + M + R so the index axes lead, as segment sums want.
 */
function gatherGrad(dy: Tensor, xShape: Shape, indices: Tensor, { axis, batchDims }: GatherAttrs): Tensor {
  const xs = xShape;
  const size = xs[axis];
  const batchShape = xs.slice(0, batchDims);
  const middle = xs.slice(batchDims, axis);
  const rest = xs.slice(axis + 1);
  const indexRank = indices.rank - batchDims;
  const batchAxes = range(0, batchDims);
  const leading = transpose(dy, [
    ...batchAxes,
    ...range(axis, axis + indexRank),
    ...range(batchDims, axis),
    ...range(axis + indexRank, dy.rank),
  ]);
  let summed: Tensor;
  if (batchDims === 0) {
    summed = unsortedSegmentSum(leading, indices, size);
  } else {
    // Each batch gets its own block of size + 1 segments; slot 0 of a block collects the ids out of
    // range (so they cannot spill into a neighbouring batch) and is dropped afterwards.
    const batch = sizeOf(batchShape);
    const shiftedIds = gather(tensor(Int32Array.from(range(1, size + 1)), [size], 'int32'), indices);
    const blockStarts = tensor(
      Int32Array.from(range(0, batch), (k) => k * (size + 1)),
      [...batchShape, ...new Array<number>(indexRank).fill(1)],
      'int32',
    );
    const blocks = unsortedSegmentSum(leading, add(shiftedIds, blockStarts), batch * (size + 1));
    const perBatch = reshape(blocks, [batch, size + 1, ...middle, ...rest]);
    summed = reshape(slice(perBatch, [0, 1], [-1, size]), [...batchShape, size, ...middle, ...rest]);
  }
  // summed is B + [A] + M + R; A goes back between M and R.
  return transpose(summed, [...batchAxes, ...range(batchDims + 1, axis + 1), batchDims, ...range(axis + 1, xs.length)]);
}

export const gatherOp = defineOp<'gather', GatherAttrs>({
  name: 'gather',
  kind: 'movement',
  inputNames: ['x', 'indices'],
  infer([x, indices], { axis, batchDims }) {
    assertDType('gather', 'indices', indices.dtype, ['int32']);
    if (x.shape.length === 0) throw new ShapeError('gather: x must have rank 1 or more, got shape []');
    normalizeAxis('gather', axis, x.shape.length);
    const batchFits = Number.isInteger(batchDims) && batchDims >= 0 && batchDims <= indices.shape.length && batchDims <= axis;
    if (!batchFits || indices.shape.slice(0, batchDims).some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(
        `gather: with batchDims ${batchDims} and axis ${axis}, the first ${batchDims} axes of x ${formatShape(x.shape)} and indices ${formatShape(indices.shape)} must match and axis must be at least batchDims`,
      );
    }
    return [
      {
        shape: [...x.shape.slice(0, axis), ...indices.shape.slice(batchDims), ...x.shape.slice(axis + 1)],
        dtype: x.dtype,
      },
    ];
  },
  grad: ([dy], { inputInfos: [x], inputs: [, indices], attrs }) => [gatherGrad(dy, x.shape, indices, attrs), null],
});

/**
 * Picks slices of `x` along `axis` at `indices` (int32); the output has the indices' axes in place
 * of `axis`. The leading `batchDims` axes of x and indices are matched pairwise. An index outside
 * [0, x.shape[axis]) gives zeros, as TensorFlow does on GPU: a GPU kernel cannot check data without
 * waiting for it, and every backend must agree. Corresponds to `tf.gather`.
 *
 * @example gather(tensor([10, 20, 30]), [2, 0]) // [30, 10]
 */
export const gather = op((x: TensorLike, indices: TensorLike, axis = 0, batchDims = 0): Tensor => {
  const t = toTensor('gather', 'x', x);
  const ids = toTensor('gather', 'indices', indices, 'int32');
  const resolvedBatchDims = batchDims < 0 ? batchDims + ids.rank : batchDims;
  return engine.run1(gatherOp, [t, ids], {
    axis: t.rank === 0 ? axis : normalizeAxis('gather', axis, t.rank),
    batchDims: resolvedBatchDims,
  });
});
