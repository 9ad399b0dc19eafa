import { ShapeError, formatShape } from '../errors.js';
import type { ConvOptions } from '../ops/conv-geometry.js';
import { conv2d } from '../ops/conv2d.js';
import { op, toTensor } from '../ops/convert.js';
import { reshape } from '../ops/reshape.js';
import type { Tensor, TensorLike } from '../tensor.js';

/** depthwiseConv2d's options: conv2d's without `groups`, which the filter decides. */
export type DepthwiseConvOptions = Omit<ConvOptions, 'groups'>;

/**
 * Convolves each input channel with its own `channelMultiplier` filters: filter
 * `[height, width, channels, channelMultiplier]`, output channel `c * channelMultiplier + m` (Keras's
 * order). A grouped conv2d with one group per channel. Corresponds to `tf.depthwiseConv2d` (Keras
 * `DepthwiseConv2D`).
 *
 * @example depthwiseConv2d(images, tensor4d, { padding: 'same' }) // [batch, h, w, channels * multiplier]
 */
export const depthwiseConv2d = op((x: TensorLike, filter: TensorLike, options: DepthwiseConvOptions = {}): Tensor => {
  const input = toTensor('depthwiseConv2d', 'x', x);
  const kernel = toTensor('depthwiseConv2d', 'filter', filter);
  if (input.rank !== 4) throw new ShapeError(`depthwiseConv2d: input must be rank 4 (NHWC), got shape ${formatShape(input.shape)}`);
  if (kernel.rank !== 4) {
    throw new ShapeError(`depthwiseConv2d: filter must be rank 4 [height, width, channels, multiplier], got shape ${formatShape(kernel.shape)}`);
  }
  const [height, width, channels, multiplier] = kernel.shape;
  if (channels !== input.shape[3]) {
    throw new ShapeError(`depthwiseConv2d: channel mismatch: input has ${input.shape[3]} channels, filter ${formatShape(kernel.shape)} expects ${channels}`);
  }
  // Row-major [h, w, C, M] and [h, w, 1, C*M] hold the same data with filter (c, m) at column c*M + m,
  // which is exactly group c's m-th output channel.
  const grouped = reshape(kernel, [height, width, 1, channels * multiplier]);
  return conv2d(input, grouped, { ...options, groups: channels });
});
