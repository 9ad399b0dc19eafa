import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { assertValidShape, broadcastShapes, shapesEqual } from '../shape.js';
import { op, toTensor } from './convert.js';
import { unbroadcast } from './elementwise.js';
import { defineOp } from './op.js';

export interface BroadcastToAttrs {
  readonly shape: readonly number[];
}

export const broadcastToOp = defineOp<'broadcastTo', BroadcastToAttrs>({
  name: 'broadcastTo',
  kind: 'movement',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], { shape }) {
    assertValidShape('broadcastTo', 'shape', shape);
    if (shape.length < x.shape.length || !shapesEqual(broadcastShapes('broadcastTo', x.shape, shape), shape)) {
      throw new ShapeError(`broadcastTo: cannot broadcast ${formatShape(x.shape)} to ${formatShape(shape)}`);
    }
    return [{ shape, dtype: x.dtype }];
  },
  grad: ([dy], { inputInfos: [x] }) => [unbroadcast(dy, x.shape)],
});

/**
 * Repeats size-1 (and missing leading) dimensions to reach `shape`. Corresponds to `tf.broadcastTo`.
 *
 * @example broadcastTo(tensor([1, 2]), [2, 2]) // [[1, 2], [1, 2]]
 */
export const broadcastTo = op((x: TensorLike, shape: readonly number[]): Tensor =>
  engine.run1(broadcastToOp, [toTensor('broadcastTo', 'x', x)], { shape: [...shape] }),
);
