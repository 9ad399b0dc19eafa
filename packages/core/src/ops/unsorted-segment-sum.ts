import { engine } from '../engine/engine.js';
import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import { op, toTensor } from './convert.js';
import { gather } from './gather.js';
import { defineOp } from './op.js';

export interface UnsortedSegmentSumAttrs {
  readonly numSegments: number;
}

export const unsortedSegmentSumOp = defineOp<'unsortedSegmentSum', UnsortedSegmentSumAttrs>({
  name: 'unsortedSegmentSum',
  kind: 'opaque',
  inputNames: ['data', 'segmentIds'],
  infer([data, segmentIds], { numSegments }) {
    assertDType('unsortedSegmentSum', 'data', data.dtype, ['float32', 'int32']);
    assertDType('unsortedSegmentSum', 'segmentIds', segmentIds.dtype, ['int32']);
    if (!Number.isInteger(numSegments) || numSegments < 0) {
      throw new ArgumentError(`unsortedSegmentSum: numSegments must be a non-negative integer, got ${numSegments}`);
    }
    const idsRank = segmentIds.shape.length;
    if (idsRank > data.shape.length || segmentIds.shape.some((d, i) => d !== data.shape[i])) {
      throw new ShapeError(
        `unsortedSegmentSum: segmentIds' shape must be a prefix of data's, got data ${formatShape(data.shape)} and segmentIds ${formatShape(segmentIds.shape)}`,
      );
    }
    return [{ shape: [numSegments, ...data.shape.slice(idsRank)], dtype: data.dtype }];
  },
  // Each data row went to one segment, so its gradient is that segment's; dropped ids give 0 both ways.
  grad: ([dy], { inputs: [, segmentIds] }) => [gather(dy, segmentIds, 0), null],
});

/**
 * Sums the rows of `data` (its leading `segmentIds.rank` axes) into `numSegments` segments: row r
 * goes to segment `segmentIds[r]`. Ids outside [0, numSegments) are dropped, as TensorFlow does on
 * GPU (its CPU kernel rejects ids past the end). Corresponds to `tf.unsortedSegmentSum`.
 *
 * @example unsortedSegmentSum(tensor([1, 2, 3]), [0, 2, 0], 3) // [4, 0, 2]
 */
export const unsortedSegmentSum = op((data: TensorLike, segmentIds: TensorLike, numSegments: number): Tensor =>
  engine.run1(
    unsortedSegmentSumOp,
    [toTensor('unsortedSegmentSum', 'data', data), toTensor('unsortedSegmentSum', 'segmentIds', segmentIds, 'int32')],
    { numSegments },
  ),
);
