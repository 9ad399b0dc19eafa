import { engine } from '../engine/engine.js';
import { ArgumentError, DTypeError, ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { normalizeAxis } from '../shape.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';
import { slice } from './slice.js';

export interface ConcatAttrs {
  /** Normalized (non-negative). */
  readonly axis: number;
}

export const concatOp = defineOp<'concat', ConcatAttrs>({
  name: 'concat',
  kind: 'movement',
  inputNames: ['tensors'],
  variadic: true,
  saves: { inputs: false },
  infer(tensors, { axis }) {
    if (tensors.length === 0) throw new ArgumentError('concat: tensors must hold at least one tensor, got none');
    const [first] = tensors;
    if (first.shape.length === 0) {
      throw new ShapeError('concat: tensors must have rank 1 or more, got tensors[0] of shape []');
    }
    normalizeAxis('concat', axis, first.shape.length);
    tensors.forEach((t, k) => {
      if (t.dtype !== first.dtype) {
        throw new DTypeError(`concat: tensors must share one dtype, got ${first.dtype} (tensors[0]) and ${t.dtype} (tensors[${k}])`);
      }
      const fits = t.shape.length === first.shape.length && t.shape.every((d, i) => i === axis || d === first.shape[i]);
      if (!fits) {
        throw new ShapeError(
          `concat: tensors must match on every axis but ${axis}, got tensors[0] of shape ${formatShape(first.shape)} and tensors[${k}] of shape ${formatShape(t.shape)}`,
        );
      }
    });
    const shape = [...first.shape];
    shape[axis] = tensors.reduce((total, t) => total + t.shape[axis], 0);
    return [{ shape, dtype: first.dtype }];
  },
  grad: ([dy], { inputInfos, attrs: { axis } }) => {
    let offset = 0;
    return inputInfos.map((t) => {
      const begin = t.shape.map((_, i) => (i === axis ? offset : 0));
      offset += t.shape[axis];
      return slice(dy, begin, t.shape);
    });
  },
});

/**
 * Joins tensors of one dtype along an existing axis; the other axes must match.
 * Corresponds to `tf.concat`.
 *
 * @example concat([tensor([[1, 2]]), tensor([[3, 4]])], 0) // [[1, 2], [3, 4]]
 */
export const concat = op((tensors: readonly TensorLike[], axis = 0): Tensor => {
  if (!Array.isArray(tensors)) throw new ArgumentError(`concat: tensors must be an array of tensors, got ${typeof tensors}`);
  const list = tensors.map((t, k) => toTensor('concat', `tensors[${k}]`, t));
  const rank = list[0]?.rank ?? 0;
  return engine.run1(concatOp, list, { axis: rank === 0 ? axis : normalizeAxis('concat', axis, rank) });
});
