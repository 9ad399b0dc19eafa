import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { ShapeError, formatShape } from '../errors.js';
import { assertValidShape, shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import { avgPool } from './avg-pool.js';
import type { PoolAttrs, PoolOptions } from './conv-geometry.js';
import { poolAttrs, poolGeometry } from './conv-geometry.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface AvgPoolGradAttrs extends PoolAttrs {
  readonly inputShape: readonly number[];
}

export const avgPoolGradOp = defineOp<'avgPoolGrad', AvgPoolGradAttrs>({
  name: 'avgPoolGrad',
  kind: 'opaque',
  inputNames: ['dy'],
  saves: { inputs: false },
  infer([dy], attrs) {
    assertDType('avgPoolGrad', 'dy', dy.dtype, ['float32']);
    assertValidShape('avgPoolGrad', 'inputShape', attrs.inputShape);
    const g = poolGeometry('avgPoolGrad', attrs.inputShape, attrs);
    const expected = [g.batch, g.outHeight, g.outWidth, g.channels];
    if (!shapesEqual(dy.shape, expected)) {
      throw new ShapeError(`avgPoolGrad: dy must have avgPool's output shape ${formatShape(expected)}, got ${formatShape(dy.shape)}`);
    }
    return [{ shape: [...attrs.inputShape], dtype: 'float32' }];
  },
  // avgPoolGrad is linear and the adjoint of avgPool, so its own gradient is avgPool again.
  grad: ([ddx], { attrs }) => [avgPool(ddx, attrs)],
});

/**
 * The gradient of `avgPool`: spreads each window's `dy` evenly over the cells it covered, onto an
 * input of `inputShape`. Corresponds to TensorFlow's `AvgPoolGrad`.
 *
 * @example avgPoolGrad(dy, [1, 4, 4, 1], { poolSize: 2 }) // shape [1,4,4,1]
 */
export const avgPoolGrad = op((dy: TensorLike, inputShape: readonly number[], options: PoolOptions): Tensor =>
  engine.run1(avgPoolGradOp, [toTensor('avgPoolGrad', 'dy', dy)], { ...poolAttrs('avgPoolGrad', options), inputShape: [...inputShape] }),
);
