import { assertDType } from '../dtype.js';
import { engine } from '../engine/engine.js';
import { DTypeError } from '../errors.js';
import type { Tensor, TensorLike } from '../tensor.js';
import type { ConvAttrs, ConvOptions } from './conv-geometry.js';
import { convAttrs, convGeometry } from './conv-geometry.js';
import { conv2dBackpropFilter } from './conv2d-backprop-filter.js';
import { conv2dBackpropInput } from './conv2d-backprop-input.js';
import { op, toTensor } from './convert.js';
import { defineOp } from './op.js';

export type { ConvAttrs, ConvOptions, Padding } from './conv-geometry.js';

export const conv2dOp = defineOp<'conv2d', ConvAttrs>({
  name: 'conv2d',
  kind: 'contraction',
  inputNames: ['x', 'filter'],
  infer([x, filter], attrs) {
    assertDType('conv2d', 'x', x.dtype, ['float32']);
    if (filter.dtype !== x.dtype) throw new DTypeError(`conv2d: filter must be ${x.dtype} like x, got ${filter.dtype}`);
    const g = convGeometry('conv2d', x.shape, filter.shape, attrs);
    return [{ shape: [g.batch, g.outHeight, g.outWidth, g.outChannels], dtype: x.dtype }];
  },
  grad: ([dy], { inputs: [x, filter], attrs }) => [
    conv2dBackpropInput(dy, filter, x.shape, attrs),
    conv2dBackpropFilter(x, dy, filter.shape, attrs),
  ],
});

/**
 * 2-D convolution (cross-correlation, as every framework computes it) of an NHWC input with a
 * `[height, width, inChannels / groups, outChannels]` filter. `'same'` padding puts the odd extra
 * cell at the bottom/right, as TensorFlow does. Corresponds to `tf.conv2d` (Keras `Conv2D`).
 *
 * @example conv2d(images, kernel, { strides: 2, padding: 'same' }) // [batch, ceil(h/2), ceil(w/2), outChannels]
 */
export const conv2d = op((x: TensorLike, filter: TensorLike, options: ConvOptions = {}): Tensor =>
  engine.run1(conv2dOp, [toTensor('conv2d', 'x', x), toTensor('conv2d', 'filter', filter)], convAttrs('conv2d', options)),
);
