import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { DTypeError, ShapeError, formatShape } from '../errors.js';
import { shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { PoolAttrs, PoolOptions } from './conv-geometry.js';
import { poolAttrs, poolGeometry } from './conv-geometry.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export const maxPoolGradOp = defineOp<'maxPoolGrad', PoolAttrs>({
  name: 'maxPoolGrad',
  kind: 'opaque',
  inputNames: ['dy', 'x'],
  infer([dy, x], attrs) {
    assertDType('maxPoolGrad', 'dy', dy.dtype, ['float32']);
    if (x.dtype !== 'float32') throw new DTypeError(`maxPoolGrad: x must be float32, got ${x.dtype}`);
    const g = poolGeometry('maxPoolGrad', x.shape, attrs);
    const expected = [g.batch, g.outHeight, g.outWidth, g.channels];
    if (!shapesEqual(dy.shape, expected)) {
      throw new ShapeError(`maxPoolGrad: dy must have maxPool's output shape ${formatShape(expected)}, got ${formatShape(dy.shape)}`);
    }
    return [{ shape: x.shape, dtype: 'float32' }];
  },
  grad: 'notDifferentiable',
});

/**
 * The gradient of `maxPool`: each window's `dy` goes to the first cell (in row-major order) that
 * holds the window's maximum, as TensorFlow routes it. Corresponds to TensorFlow's `MaxPoolGrad`.
 *
 * @example maxPoolGrad(dy, x, { poolSize: 2 }) // shape of x
 */
export const maxPoolGrad = op((dy: TensorLike, x: TensorLike, options: PoolOptions): Tensor =>
  engine.run1(maxPoolGradOp, [toTensor('maxPoolGrad', 'dy', dy), toTensor('maxPoolGrad', 'x', x)], poolAttrs('maxPoolGrad', options)),
);
