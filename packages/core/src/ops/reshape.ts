import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { sizeOf } from '../shape.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface ReshapeAttrs {
  /** Fully resolved (no -1). */
  readonly shape: readonly number[];
}

export const reshapeOp = defineOp<'reshape', ReshapeAttrs>({
  name: 'reshape',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { shape }) {
    if (sizeOf(shape) !== sizeOf(x.shape)) {
      throw new ShapeError(`reshape: cannot reshape ${formatShape(x.shape)} (${sizeOf(x.shape)} elements) to ${formatShape(shape)}`);
    }
    return [{ shape, dtype: x.dtype }];
  },
  grad: ([dy], { inputInfos: [x] }) => [reshape(dy, x.shape)],
});

/** Resolves one `-1` in a requested shape. */
export function resolveShape(opName: string, requested: readonly number[], size: number): number[] {
  const unknown = requested.filter((d) => d === -1).length;
  if (unknown > 1 || requested.some((d) => !Number.isInteger(d) || d < -1)) {
    throw new ShapeError(`${opName}: shape must be non-negative integers with at most one -1, got ${formatShape(requested)}`);
  }
  if (unknown === 0) return [...requested];
  const known = requested.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (known === 0 || size % known !== 0) {
    throw new ShapeError(`${opName}: cannot infer the -1 in ${formatShape(requested)} for ${size} elements`);
  }
  return requested.map((d) => (d === -1 ? size / known : d));
}

/**
 * Gives the same data a new shape (one dimension may be -1). Shares storage; costs no copy.
 * Corresponds to `tf.reshape`.
 *
 * @example reshape(tensor([1, 2, 3, 4]), [2, -1]) // [[1, 2], [3, 4]]
 */
export const reshape = op((x: TensorLike, shape: readonly number[]): Tensor => {
  const t = toTensor('reshape', 'x', x);
  return engine.run1(reshapeOp, [t], { shape: resolveShape('reshape', shape, t.size) });
});
