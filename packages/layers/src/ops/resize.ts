import { add, gather, mul, reshape, sub, tensor, tile, type Tensor } from '@tessera/core';

/**
 * Nearest-neighbour upsampling of an NHWC image by integer factors: every pixel repeated
 * `size[0] × size[1]` times. A reshape-tile-reshape, so it traces and differentiates as movement ops.
 */
export function resizeNearest(x: Tensor, size: readonly [number, number]): Tensor {
  const [batch, height, width, channels] = x.shape;
  const spread = reshape(x, [batch, height, 1, width, 1, channels]);
  const repeated = tile(spread, [1, 1, size[0], 1, size[1], 1]);
  return reshape(repeated, [batch, height * size[0], width * size[1], channels]);
}

/**
 * The two source indices and the weight of the second for each output position along one axis,
 * with half-pixel centres (`src = (i + 0.5)·in/out − 0.5`), as TensorFlow's `resize` and Keras
 * compute them.
 */
function bilinearTaps(inSize: number, outSize: number): { lower: number[]; upper: number[]; weight: number[] } {
  const scale = inSize / outSize;
  const lower: number[] = [];
  const upper: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < outSize; i++) {
    const src = (i + 0.5) * scale - 0.5;
    const floor = Math.floor(src);
    lower.push(Math.max(floor, 0));
    upper.push(Math.min(Math.ceil(src), inSize - 1));
    weight.push(src - floor);
  }
  return { lower, upper, weight };
}

/** Interpolates along one axis (1 = height, 2 = width) of an NHWC image. */
function interpolateAxis(x: Tensor, axis: 1 | 2, outSize: number): Tensor {
  const { lower, upper, weight } = bilinearTaps(x.shape[axis], outSize);
  const a = gather(x, tensor(lower, [outSize], 'int32'), axis);
  const b = gather(x, tensor(upper, [outSize], 'int32'), axis);
  const w = tensor(weight, axis === 1 ? [1, outSize, 1, 1] : [1, 1, outSize, 1]);
  return add(a, mul(sub(b, a), w));
}

/** Bilinear resize of an NHWC image to `[height, width]` with half-pixel centres (no antialiasing). */
export function resizeBilinear(x: Tensor, size: readonly [number, number]): Tensor {
  return interpolateAxis(interpolateAxis(x, 1, size[0]), 2, size[1]);
}
