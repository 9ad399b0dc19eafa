import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { DTypeError, ShapeError, formatShape } from '../errors.js';
import { assertValidShape, shapesEqual } from '../shape.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { ConvAttrs, ConvOptions } from './conv-geometry.js';
import { convAttrs, convGeometry } from './conv-geometry.js';
import { conv2d } from './conv2d.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export interface Conv2dBackpropInputAttrs extends ConvAttrs {
  /** The shape of the convolution's input, which strides make ambiguous from `dy` alone. */
  readonly inputShape: readonly number[];
}

export const conv2dBackpropInputOp = defineOp<'conv2dBackpropInput', Conv2dBackpropInputAttrs>({
  name: 'conv2dBackpropInput',
  kind: 'contraction',
  inputNames: ['dy', 'filter'],
  infer([dy, filter], attrs) {
    assertDType('conv2dBackpropInput', 'dy', dy.dtype, ['float32']);
    if (filter.dtype !== dy.dtype) throw new DTypeError(`conv2dBackpropInput: filter must be ${dy.dtype} like dy, got ${filter.dtype}`);
    assertValidShape('conv2dBackpropInput', 'inputShape', attrs.inputShape);
    const g = convGeometry('conv2dBackpropInput', attrs.inputShape, filter.shape, attrs);
    const expected = [g.batch, g.outHeight, g.outWidth, g.outChannels];
    if (!shapesEqual(dy.shape, expected)) {
      throw new ShapeError(
        `conv2dBackpropInput: dy must have the convolution's output shape ${formatShape(expected)}, got ${formatShape(dy.shape)}`,
      );
    }
    return [{ shape: [...attrs.inputShape], dtype: dy.dtype }];
  },
  // Linear in each input: the gradient for dy is the forward convolution, the one for the filter its
  // filter backprop, both applied to the incoming gradient (which has the input's shape).
  grad: ([ddx], { inputs: [dy, filter], attrs }) => [conv2d(ddx, filter, attrs), conv2dBackpropFilter(ddx, dy, filter.shape, attrs)],
});

/**
 * The gradient of `conv2d` with respect to its input: scatters `dy` back through the filter onto
 * an input of `inputShape`. Also what a transposed convolution computes. Corresponds to TensorFlow's
 * `tf.nn.conv2d_backprop_input` (the kernel behind `tf.conv2dTranspose`).
 *
 * @example conv2dBackpropInput(dy, filter, [1, 5, 5, 3], { strides: 2, padding: 'same' }) // shape [1,5,5,3]
 */
export const conv2dBackpropInput = op(
  (dy: TensorLike, filter: TensorLike, inputShape: readonly number[], options: ConvOptions = {}): Tensor =>
    engine.run1(
      conv2dBackpropInputOp,
      [toTensor('conv2dBackpropInput', 'dy', dy), toTensor('conv2dBackpropInput', 'filter', filter)],
      { ...convAttrs('conv2dBackpropInput', options), inputShape: [...inputShape] },
    ),
);
