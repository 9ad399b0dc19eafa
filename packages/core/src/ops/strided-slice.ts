import { engine } from '../engine/engine.js';
import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import type { Shape } from '../shape.js';
import { sizeOf } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, tensor, toTensor } from './convert.js';
import { defineOp } from './op.js';
import { reshape } from './reshape.js';
import { unsortedSegmentSum } from './unsorted-segment-sum.js';

/** The canonical form of a strided slice: every axis resolved, masks applied. */
export interface StridedSliceAttrs {
  /** First index taken on each axis (any value when that axis takes nothing). */
  readonly begin: readonly number[];
  /** Non-zero step per axis; negative walks backwards. */
  readonly strides: readonly number[];
  /** How many indices each axis takes. */
  readonly size: readonly number[];
  /** Axes taken at one index and removed from the output (each has size 1). */
  readonly shrinkAxes: readonly number[];
}

export interface StridedSliceOptions {
  /** Bit i set: ignore begin[i] and start from the first index in the stride's direction. */
  beginMask?: number;
  /** Bit i set: ignore end[i] and run to the last index in the stride's direction. */
  endMask?: number;
  /** Bit i set: take the single index begin[i] and drop axis i. */
  shrinkAxisMask?: number;
}

/** The flat input index of every output element, in output order. */
export function stridedSliceSourceIndices(xShape: Shape, { begin, strides, size }: StridedSliceAttrs): Int32Array {
  const total = sizeOf(size);
  const result = new Int32Array(total);
  const index = new Array<number>(size.length).fill(0);
  for (let flat = 0; flat < total; flat++) {
    let source = 0;
    for (let d = 0; d < size.length; d++) source = source * xShape[d] + begin[d] + index[d] * strides[d];
    result[flat] = source;
    for (let d = size.length - 1; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
  return result;
}

export const stridedSliceOp = defineOp<'stridedSlice', StridedSliceAttrs>({
  name: 'stridedSlice',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], attrs) {
    const { begin, strides, size, shrinkAxes } = attrs;
    const rank = x.shape.length;
    if (begin.length !== rank || strides.length !== rank || size.length !== rank) {
      throw new ShapeError(`stridedSlice: begin, strides and size need ${rank} entries for x of shape ${formatShape(x.shape)}`);
    }
    x.shape.forEach((d, i) => {
      if (size[i] === 0) return;
      const last = begin[i] + (size[i] - 1) * strides[i];
      if (strides[i] === 0 || begin[i] < 0 || begin[i] >= d || last < 0 || last >= d) {
        throw new ShapeError(
          `stridedSlice: axis ${i} (length ${d}) cannot take ${size[i]} indices from ${begin[i]} in steps of ${strides[i]}`,
        );
      }
    });
    if (shrinkAxes.some((a) => size[a] !== 1)) {
      throw new ShapeError(`stridedSlice: shrunk axes ${JSON.stringify(shrinkAxes)} must each take one index, got size ${formatShape(size)}`);
    }
    return [{ shape: size.filter((_, i) => !shrinkAxes.includes(i)), dtype: x.dtype }];
  },
  // Scatters dy back to the positions it was read from; no position is read twice, so the segment
  // sum is a plain scatter into zeros.
  grad: ([dy], { inputInfos: [x], attrs }) => {
    const sources = tensor(stridedSliceSourceIndices(x.shape, attrs), [dy.size], 'int32');
    return [reshape(unsortedSegmentSum(reshape(dy, [dy.size]), sources, sizeOf(x.shape)), x.shape)];
  },
});

const bit = (mask: number, i: number): boolean => ((mask >> i) & 1) === 1;

/** Resolves TensorFlow's begin/end/strides/masks against a shape (its `StridedSlice` rules). */
function resolveStridedSlice(
  shape: Shape,
  begin: readonly number[],
  end: readonly number[],
  strides: readonly number[] | undefined,
  { beginMask = 0, endMask = 0, shrinkAxisMask = 0 }: StridedSliceOptions,
): StridedSliceAttrs {
  const given = begin.length;
  if (end.length !== given || (strides !== undefined && strides.length !== given) || given > shape.length) {
    throw new ShapeError(
      `stridedSlice: begin, end and strides must have the same length, at most the rank of x (shape ${formatShape(shape)}), got ${formatShape(begin)}, ${formatShape(end)} and ${formatShape(strides ?? [])}`,
    );
  }
  const attrs = { begin: [] as number[], strides: [] as number[], size: [] as number[], shrinkAxes: [] as number[] };
  shape.forEach((d, i) => {
    const stride = i < given ? (strides?.[i] ?? 1) : 1;
    if (!Number.isInteger(stride) || stride === 0) {
      throw new ArgumentError(`stridedSlice: strides must be non-zero integers, got ${formatShape(strides ?? [])}`);
    }
    if (i < given && bit(shrinkAxisMask, i)) {
      const at = begin[i] < 0 ? begin[i] + d : begin[i];
      if (!Number.isInteger(at) || at < 0 || at >= d) {
        throw new ShapeError(`stridedSlice: shrunk axis ${i} has length ${d}, so begin[${i}] must be in [${-d}, ${d - 1}], got ${begin[i]}`);
      }
      attrs.begin.push(at);
      attrs.strides.push(1);
      attrs.size.push(1);
      attrs.shrinkAxes.push(i);
      return;
    }
    // Indices clamp to [0, d] walking forwards and to [-1, d - 1] walking backwards, where -1 means
    // "through index 0" (reachable only through the end mask, since an explicit -1 means d - 1).
    const [low, high] = stride > 0 ? [0, d] : [-1, d - 1];
    const clamp = (v: number): number => Math.min(high, Math.max(low, v < 0 ? v + d : v));
    const first = i >= given || bit(beginMask, i) ? (stride > 0 ? low : high) : clamp(begin[i]);
    const stop = i >= given || bit(endMask, i) ? (stride > 0 ? high : low) : clamp(end[i]);
    const count = Math.max(0, Math.ceil((stop - first) / stride));
    attrs.begin.push(count === 0 ? 0 : first);
    attrs.strides.push(stride);
    attrs.size.push(count);
  });
  return attrs;
}

/**
 * Takes every `strides[i]`-th index from `begin[i]` up to (not including) `end[i]` on each axis,
 * with negative indices counting from the end, negative strides walking backwards, and TensorFlow's
 * masks. Axes past `begin.length` are taken whole. Corresponds to `tf.stridedSlice`.
 *
 * @example stridedSlice(tensor([1, 2, 3, 4, 5]), [-1], [0], [-2]) // [5, 3]
 */
export const stridedSlice = op(
  (
    x: TensorLike,
    begin: readonly number[],
    end: readonly number[],
    strides?: readonly number[],
    options: StridedSliceOptions = {},
  ): Tensor => {
    const t = toTensor('stridedSlice', 'x', x);
    return engine.run1(stridedSliceOp, [t], resolveStridedSlice(t.shape, begin, end, strides, options));
  },
);
