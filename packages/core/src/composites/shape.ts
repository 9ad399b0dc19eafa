import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import { cast } from '../ops/cast.js';
import { concat } from '../ops/concat.js';
import { op, toTensor } from '../ops/convert.js';
import { mul } from '../ops/mul.js';
import { reshape } from '../ops/reshape.js';
import { slice } from '../ops/slice.js';
import { sum } from '../ops/sum.js';
import { normalizeAxes, normalizeAxis, sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';

/**
 * The arithmetic mean over `axis` (all axes when omitted); int32 and bool inputs give float32. An
 * empty reduction gives NaN, as NumPy's does. Corresponds to `tf.mean` / `tf.reduce_mean`.
 *
 * @example mean(tensor([[1, 2], [3, 5]]), 1) // [1.5, 4]
 */
export const mean = op((x: TensorLike, axis?: number | readonly number[], keepDims = false): Tensor => {
  let t = toTensor('mean', 'x', x);
  if (t.dtype !== 'float32') t = cast(t, 'float32');
  const axes = normalizeAxes('mean', axis, t.rank);
  const count = sizeOf(axes.map((a) => t.shape[a]));
  // Multiplying by 1/count rather than dividing keeps the mean one fusable multiply; 0 * Infinity
  // makes the empty mean NaN.
  return mul(sum(t, axes, keepDims), 1 / count);
});

/**
 * Removes size-1 axes: those in `axis`, or every one when omitted. Corresponds to `tf.squeeze`.
 *
 * @example squeeze(tensor([[[1], [2]]])).shape // [2]
 */
export const squeeze = op((x: TensorLike, axis?: number | readonly number[]): Tensor => {
  const t = toTensor('squeeze', 'x', x);
  const axes = axis === undefined ? t.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normalizeAxes('squeeze', axis, t.rank);
  axes.forEach((a) => {
    if (t.shape[a] !== 1) {
      throw new ShapeError(`squeeze: axis ${a} of x (shape ${formatShape(t.shape)}) has size ${t.shape[a]}, expected 1`);
    }
  });
  return reshape(t, t.shape.filter((_, i) => !axes.includes(i)));
});

/**
 * Inserts a size-1 axis at position `axis` of the result (negative counts from the end).
 * Corresponds to `tf.expandDims`.
 *
 * @example expandDims(tensor([1, 2]), 1).shape // [2, 1]
 */
export const expandDims = op((x: TensorLike, axis = 0): Tensor => {
  const t = toTensor('expandDims', 'x', x);
  const at = normalizeAxis('expandDims', axis, t.rank + 1);
  return reshape(t, [...t.shape.slice(0, at), 1, ...t.shape.slice(at)]);
});

/**
 * Joins same-shaped tensors along a new axis. Corresponds to `tf.stack`.
 *
 * @example stack([tensor([1, 2]), tensor([3, 4])], 1) // [[1, 3], [2, 4]]
 */
export const stack = op((tensors: readonly TensorLike[], axis = 0): Tensor => {
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ArgumentError('stack: tensors must be a non-empty array of tensors');
  }
  const list = tensors.map((t, k) => toTensor('stack', `tensors[${k}]`, t));
  const [first] = list;
  list.forEach((t, k) => {
    if (formatShape(t.shape) !== formatShape(first.shape)) {
      throw new ShapeError(
        `stack: tensors must all have one shape, got tensors[0] of shape ${formatShape(first.shape)} and tensors[${k}] of shape ${formatShape(t.shape)}`,
      );
    }
  });
  const at = normalizeAxis('stack', axis, first.rank + 1);
  return concat(list.map((t) => expandDims(t, at)), at);
});

/**
 * Splits a tensor along `axis` into its slices, each without that axis. Corresponds to `tf.unstack`.
 *
 * @example unstack(tensor([[1, 2], [3, 4]])) // [[1, 2], [3, 4]] as two tensors
 */
export const unstack = op((x: TensorLike, axis = 0): Tensor[] => {
  const t = toTensor('unstack', 'x', x);
  if (t.rank === 0) throw new ShapeError('unstack: x must have rank 1 or more, got shape []');
  const at = normalizeAxis('unstack', axis, t.rank);
  const rest = t.shape.filter((_, i) => i !== at);
  return Array.from({ length: t.shape[at] }, (_, k) =>
    reshape(slice(t, t.shape.map((_, i) => (i === at ? k : 0)), t.shape.map((d, i) => (i === at ? 1 : d))), rest),
  );
});

/**
 * Splits a tensor along `axis` into `numOrSizes` equal parts, or into parts of the given sizes (one
 * may be -1: the remainder). Corresponds to `tf.split`.
 *
 * @example split(tensor([1, 2, 3, 4, 5]), [2, -1]) // [1, 2] and [3, 4, 5]
 */
export const split = op((x: TensorLike, numOrSizes: number | readonly number[], axis = 0): Tensor[] => {
  const t = toTensor('split', 'x', x);
  if (t.rank === 0) throw new ShapeError('split: x must have rank 1 or more, got shape []');
  const at = normalizeAxis('split', axis, t.rank);
  const length = t.shape[at];
  let sizes: number[];
  if (typeof numOrSizes === 'number') {
    if (!Number.isInteger(numOrSizes) || numOrSizes <= 0 || length % numOrSizes !== 0) {
      throw new ShapeError(`split: axis ${at} of x (shape ${formatShape(t.shape)}) cannot be split into ${numOrSizes} equal parts`);
    }
    sizes = new Array<number>(numOrSizes).fill(length / numOrSizes);
  } else {
    const unknown = numOrSizes.filter((s) => s === -1).length;
    const known = numOrSizes.reduce((total, s) => (s === -1 ? total : total + s), 0);
    const valid = unknown <= 1 && numOrSizes.every((s) => Number.isInteger(s) && s >= -1) && (unknown === 1 ? known <= length : known === length);
    if (!valid) {
      throw new ShapeError(
        `split: sizes ${JSON.stringify(numOrSizes)} must be non-negative (one may be -1) and add up to ${length}, the length of axis ${at} of x (shape ${formatShape(t.shape)})`,
      );
    }
    sizes = numOrSizes.map((s) => (s === -1 ? length - known : s));
  }
  let offset = 0;
  return sizes.map((size) => {
    const part = slice(t, t.shape.map((_, i) => (i === at ? offset : 0)), t.shape.map((d, i) => (i === at ? size : d)));
    offset += size;
    return part;
  });
});
