import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';
import { slice } from './slice.js';

export interface PadAttrs {
  /** `[before, after]` per axis, non-negative. */
  readonly paddings: readonly (readonly [number, number])[];
  readonly constantValue: number;
}

export const padOp = defineOp<'pad', PadAttrs>({
  name: 'pad',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { paddings }) {
    const valid =
      paddings.length === x.shape.length &&
      paddings.every((p) => p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
    if (!valid) {
      throw new ShapeError(
        `pad: paddings must be ${x.shape.length} pairs of non-negative integers [before, after] for x of shape ${formatShape(x.shape)}, got ${JSON.stringify(paddings)}`,
      );
    }
    return [{ shape: x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]), dtype: x.dtype }];
  },
  grad: ([dy], { inputInfos: [x], attrs: { paddings } }) => [slice(dy, paddings.map((p) => p[0]), x.shape)],
});

/**
 * Surrounds each axis with `[before, after]` copies of `constantValue`. Corresponds to `tf.pad`.
 *
 * @example pad(tensor([1, 2]), [[1, 2]]) // [0, 1, 2, 0, 0]
 */
export const pad = op((x: TensorLike, paddings: readonly (readonly number[])[], constantValue = 0): Tensor => {
  const t = toTensor('pad', 'x', x);
  const pairs = paddings.map((p) => [p[0], p[1]] as [number, number]);
  return engine.run1(padOp, [t], { paddings: pairs, constantValue });
});
