import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertDType } from '../dtype.js';
import { normalizeAxis } from '../shape.js';
import { cast } from './cast.js';
import { op, toTensor } from './convert.js';
import type { TensorInfo } from './op.js';
import { defineOp } from './op.js';

export interface ArgReduceAttrs {
  /** Normalized (non-negative; 0 for a scalar). */
  readonly axis: number;
}

/** Shape inference shared by argMax and argMin: the axis disappears, the result is int32. */
export function inferArgReduce(opName: string, x: TensorInfo, axis: number): TensorInfo[] {
  assertDType(opName, 'x', x.dtype, ['float32', 'int32']);
  normalizeAxis(opName, axis, x.shape.length);
  if (x.shape.length > 0 && x.shape[axis] === 0) {
    throw new ShapeError(`${opName}: axis ${axis} of x is empty (shape ${formatShape(x.shape)}), so it has no index to return`);
  }
  return [{ shape: x.shape.filter((_, i) => i !== axis), dtype: 'int32' }];
}

/** Resolves argMax/argMin's axis argument; a scalar has only "axis 0". */
export function argReduceAxis(opName: string, axis: number, rank: number): number {
  return rank === 0 ? 0 : normalizeAxis(opName, axis, rank);
}

export const argMaxOp = defineOp<'argMax', ArgReduceAttrs>({
  name: 'argMax',
  kind: 'reduction',
  inputNames: ['x'],
  saves: { inputs: false },
  infer: ([x], { axis }) => inferArgReduce('argMax', x, axis),
  grad: 'none',
});

/**
 * The index of the largest element along `axis` (int32): the first one on ties, and the first NaN
 * when there is one (as NumPy and TensorFlow do). The default axis is the last, as in Keras'
 * `K.argmax`. Corresponds to `tf.argMax`.
 *
 * @example argMax(tensor([[1, 5], [7, 2]]), 1) // [1, 0]
 */
export const argMax = op((x: TensorLike, axis = -1): Tensor => {
  let t = toTensor('argMax', 'x', x);
  if (t.dtype === 'bool') t = cast(t, 'int32');
  return engine.run1(argMaxOp, [t], { axis: argReduceAxis('argMax', axis, t.rank) });
});
