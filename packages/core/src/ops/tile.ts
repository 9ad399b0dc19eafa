import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';
import { reshape } from './reshape.js';
import { sum } from './sum.js';

export interface TileAttrs {
  /** Repetitions per axis. */
  readonly reps: readonly number[];
}

export const tileOp = defineOp<'tile', TileAttrs>({
  name: 'tile',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { reps }) {
    if (reps.length !== x.shape.length || reps.some((r) => !Number.isInteger(r) || r < 0)) {
      throw new ShapeError(
        `tile: reps must be ${x.shape.length} non-negative integers for x of shape ${formatShape(x.shape)}, got ${JSON.stringify(reps)}`,
      );
    }
    return [{ shape: x.shape.map((d, i) => d * reps[i]), dtype: x.dtype }];
  },
  // dy viewed as [r0, d0, r1, d1, ...]: each copy of x is one index of the r axes, summed away.
  grad: ([dy], { inputInfos: [x], attrs: { reps } }) => {
    const split = x.shape.flatMap((d, i) => [reps[i], d]);
    const repAxes = x.shape.map((_, i) => 2 * i);
    return [reshape(sum(reshape(dy, split), repAxes), x.shape)];
  },
});

/**
 * Repeats `x` `reps[i]` times along each axis i. Corresponds to `tf.tile`.
 *
 * @example tile(tensor([1, 2]), [3]) // [1, 2, 1, 2, 1, 2]
 */
export const tile = op((x: TensorLike, reps: readonly number[]): Tensor =>
  engine.run1(tileOp, [toTensor('tile', 'x', x)], { reps: [...reps] }),
);
