import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { PoolAttrs, PoolOptions } from './conv-geometry.js';
import { poolAttrs, poolGeometry } from './conv-geometry.js';
import { op, toTensor } from './convert.js';
import { maxPoolGrad } from './max-pool-grad.js';
import { defineOp } from './op.js';

export type { PoolAttrs, PoolOptions } from './conv-geometry.js';

export const maxPoolOp = defineOp<'maxPool', PoolAttrs>({
  name: 'maxPool',
  kind: 'opaque',
  inputNames: ['x'],
  infer([x], attrs) {
    assertDType('maxPool', 'x', x.dtype, ['float32', 'int32']);
    const g = poolGeometry('maxPool', x.shape, attrs);
    return [{ shape: [g.batch, g.outHeight, g.outWidth, g.channels], dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [x], attrs }) => [maxPoolGrad(dy, x, attrs)],
});

/**
 * Maximum over each window of an NHWC input; padded cells never win. Strides default to the pool
 * size (as Keras). Corresponds to `tf.maxPool` (Keras `MaxPooling2D`).
 *
 * @example maxPool(images, { poolSize: 2 }) // halves height and width
 */
export const maxPool = op((x: TensorLike, options: PoolOptions): Tensor =>
  engine.run1(maxPoolOp, [toTensor('maxPool', 'x', x)], poolAttrs('maxPool', options)),
);
