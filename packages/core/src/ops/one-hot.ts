import type { DType } from '../dtype.js';
import { isDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { ArgumentError, DTypeError } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface OneHotAttrs {
  readonly depth: number;
  readonly onValue: number;
  readonly offValue: number;
  readonly dtype: DType;
}

export const oneHotOp = defineOp<'oneHot', OneHotAttrs>({
  name: 'oneHot',
  kind: 'opaque',
  inputNames: ['indices'],
  saves: { inputs: false },
  infer([indices], { depth, onValue, offValue, dtype }) {
    if (indices.dtype !== 'int32') {
      throw new DTypeError(`oneHot: indices must be int32, got ${indices.dtype}; cast them first, e.g. indices.cast('int32')`);
    }
    if (!Number.isInteger(depth) || depth < 0) throw new ArgumentError(`oneHot: depth must be a non-negative integer, got ${String(depth)}`);
    if (typeof onValue !== 'number' || typeof offValue !== 'number') {
      throw new ArgumentError(`oneHot: onValue and offValue must be numbers, got ${String(onValue)} and ${String(offValue)}`);
    }
    if (!isDType(dtype)) throw new DTypeError(`oneHot: dtype must be float32, int32 or bool, got ${String(dtype)}`);
    return [{ shape: [...indices.shape, depth], dtype }];
  },
  grad: 'none',
});

/**
 * Expands int32 class indices into one-hot vectors along a new last axis of size `depth`; an index
 * outside `[0, depth)` gives a row of `offValue`. Corresponds to `tf.oneHot`.
 *
 * @example oneHot(tensor([0, 2], [2], 'int32'), 3) // [[1, 0, 0], [0, 0, 1]]
 */
export const oneHot = op(
  (indices: TensorLike, depth: number, onValue = 1, offValue = 0, dtype: DType = 'float32'): Tensor =>
    engine.run1(oneHotOp, [indicesTensor(indices)], { depth, onValue, offValue, dtype }),
);

/** JS arrays of whole numbers become int32; fractional JS values are refused rather than truncated. */
function indicesTensor(indices: TensorLike): Tensor {
  if (Array.isArray(indices) || typeof indices === 'number') {
    const flat = [indices].flat(Infinity as 1) as unknown[];
    const bad = flat.find((v) => typeof v !== 'number' || !Number.isInteger(v));
    if (bad !== undefined) throw new DTypeError(`oneHot: indices must be int32 (whole numbers), got ${String(bad)}`);
    return toTensor('oneHot', 'indices', indices, 'int32');
  }
  return toTensor('oneHot', 'indices', indices);
}
