import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { DTypeError, ShapeError, formatShape } from '../errors.js';
import { assertValidShape, shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { ConvAttrs, ConvOptions } from './conv-geometry.js';
import { convAttrs, convGeometry } from './conv-geometry.js';
import { conv2d } from './conv2d.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface Conv2dBackpropFilterAttrs extends ConvAttrs {
  readonly filterShape: readonly number[];
}

export const conv2dBackpropFilterOp = defineOp<'conv2dBackpropFilter', Conv2dBackpropFilterAttrs>({
  name: 'conv2dBackpropFilter',
  kind: 'contraction',
  inputNames: ['x', 'dy'],
  infer([x, dy], attrs) {
    assertDType('conv2dBackpropFilter', 'x', x.dtype, ['float32']);
    if (dy.dtype !== x.dtype) throw new DTypeError(`conv2dBackpropFilter: dy must be ${x.dtype} like x, got ${dy.dtype}`);
    assertValidShape('conv2dBackpropFilter', 'filterShape', attrs.filterShape);
    const g = convGeometry('conv2dBackpropFilter', x.shape, attrs.filterShape, attrs);
    const expected = [g.batch, g.outHeight, g.outWidth, g.outChannels];
    if (!shapesEqual(dy.shape, expected)) {
      throw new ShapeError(
        `conv2dBackpropFilter: dy must have the convolution's output shape ${formatShape(expected)}, got ${formatShape(dy.shape)}`,
      );
    }
    return [{ shape: [...attrs.filterShape], dtype: x.dtype }];
  },
  // Bilinear in (x, dy): the incoming gradient has the filter's shape and acts as a filter.
  grad: ([ddw], { inputs: [x, dy], attrs }) => [conv2dBackpropInput(dy, ddw, x.shape, attrs), conv2d(x, ddw, attrs)],
});

/**
 * The gradient of `conv2d` with respect to its filter: correlates the input with `dy` into a filter
 * of `filterShape`. Corresponds to TensorFlow's `tf.nn.conv2d_backprop_filter`.
 *
 * @example conv2dBackpropFilter(x, dy, [3, 3, 1, 8], { padding: 'same' }) // shape [3,3,1,8]
 */
export const conv2dBackpropFilter = op(
  (x: TensorLike, dy: TensorLike, filterShape: readonly number[], options: ConvOptions = {}): Tensor =>
    engine.run1(
      conv2dBackpropFilterOp,
      [toTensor('conv2dBackpropFilter', 'x', x), toTensor('conv2dBackpropFilter', 'dy', dy)],
      { ...convAttrs('conv2dBackpropFilter', options), filterShape: [...filterShape] },
    ),
);
