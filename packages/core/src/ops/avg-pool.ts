import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { avgPoolGrad } from './avg-pool-grad.js';
import type { PoolAttrs, PoolOptions } from './conv-geometry.js';
import { poolAttrs, poolGeometry } from './conv-geometry.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export const avgPoolOp = defineOp<'avgPool', PoolAttrs>({
  name: 'avgPool',
  kind: 'opaque',
  inputNames: ['x'],
  saves: { inputs: false },
  infer([x], attrs) {
    assertDType('avgPool', 'x', x.dtype, ['float32']);
    const g = poolGeometry('avgPool', x.shape, attrs);
    return [{ shape: [g.batch, g.outHeight, g.outWidth, g.channels], dtype: x.dtype }];
  },
  grad: ([dy], { inputInfos: [x], attrs }) => [avgPoolGrad(dy, x.shape, attrs)],
});

/**
 * Mean over each window of an NHWC input. With `'same'` padding a border window divides by the
 * number of cells it really covers (padded cells do not count), as TensorFlow and Keras do.
 * Strides default to the pool size. Corresponds to `tf.avgPool` (Keras `AveragePooling2D`).
 *
 * @example avgPool(images, { poolSize: 3, strides: 1, padding: 'same' }) // same height and width
 */
export const avgPool = op((x: TensorLike, options: PoolOptions): Tensor =>
  engine.run1(avgPoolOp, [toTensor('avgPool', 'x', x)], poolAttrs('avgPool', options)),
);
