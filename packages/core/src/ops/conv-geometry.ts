import { ArgumentError, ShapeError, formatShape } from '../errors.js';
import type { Shape } from '../shape.js';

/** Explicit padding `[[top, bottom], [left, right]]`, in input cells. */
export type ExplicitPadding = readonly [readonly [number, number], readonly [number, number]];

/** How a window meets the border: TensorFlow's `'same'` and `'valid'`, or explicit amounts. */
export type Padding = 'same' | 'valid' | ExplicitPadding;

/** A pair of (height, width) values; a single number means both. */
export type PairLike = number | readonly [number, number];

/** The normalized attributes of conv2d and its two backprop primitives. */
export interface ConvAttrs {
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly dilations: readonly [number, number];
  readonly groups: number;
}

/** The normalized attributes of the pooling primitives. */
export interface PoolAttrs {
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'same' | 'valid';
}

/** Everything a conv or pool kernel needs to walk its windows, NHWC. */
export interface WindowGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
  readonly outHeight: number;
  readonly outWidth: number;
}

/** Conv geometry plus channel grouping. */
export interface ConvGeometry extends WindowGeometry {
  readonly groups: number;
  /** Input channels each group reads (`filter.shape[2]`). */
  readonly inChannelsPerGroup: number;
  readonly outChannels: number;
  readonly outChannelsPerGroup: number;
}

/** Validates a (height, width) attribute of positive integers and returns it as a pair. */
export function normalizePair(opName: string, arg: string, value: PairLike): [number, number] {
  const pair: readonly number[] = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || pair.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new ArgumentError(`${opName}: ${arg} must be a positive integer or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [pair[0], pair[1]];
}

/** Validates a padding attribute. */
export function normalizePadding(opName: string, padding: unknown, allowExplicit: boolean): Padding {
  if (padding === 'same' || padding === 'valid') return padding;
  const explicit =
    Array.isArray(padding) &&
    padding.length === 2 &&
    padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
  if (allowExplicit && explicit) {
    const [[top, bottom], [left, right]] = padding as unknown as ExplicitPadding;
    return [[top, bottom], [left, right]];
  }
  const expected = allowExplicit ? "'same', 'valid' or [[top, bottom], [left, right]] of non-negative integers" : "'same' or 'valid'";
  throw new ArgumentError(`${opName}: padding must be ${expected}, got ${JSON.stringify(padding)}`);
}

/**
 * Output size and leading padding along one spatial axis. TensorFlow's 'same' gives `ceil(in / stride)`
 * outputs and puts the odd extra padding cell at the end (bottom/right), as Keras does.
 */
function axisGeometry(size: number, kernel: number, stride: number, dilation: number, padding: Padding, axis: 0 | 1) {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: size >= span ? Math.floor((size - span) / stride) + 1 : 0, before: 0 };
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + span - size, 0);
    return { out, before: Math.floor(total / 2) };
  }
  const [before, after] = padding[axis];
  const padded = size + before + after;
  return { out: padded >= span ? Math.floor((padded - span) / stride) + 1 : 0, before };
}

function assertRank4(opName: string, arg: string, shape: Shape): void {
  if (shape.length !== 4) {
    throw new ShapeError(`${opName}: ${arg} must be rank 4 (NHWC), got shape ${formatShape(shape)}`);
  }
}

/** Geometry of a window op over an NHWC input. */
export function windowGeometry(
  opName: string,
  xShape: Shape,
  kernel: readonly [number, number],
  strides: readonly [number, number],
  dilations: readonly [number, number],
  padding: Padding,
): WindowGeometry {
  assertRank4(opName, 'input', xShape);
  const [batch, inHeight, inWidth, channels] = xShape;
  const rows = axisGeometry(inHeight, kernel[0], strides[0], dilations[0], padding, 0);
  const cols = axisGeometry(inWidth, kernel[1], strides[1], dilations[1], padding, 1);
  return {
    batch,
    inHeight,
    inWidth,
    channels,
    kernelHeight: kernel[0],
    kernelWidth: kernel[1],
    strideHeight: strides[0],
    strideWidth: strides[1],
    dilationHeight: dilations[0],
    dilationWidth: dilations[1],
    padTop: rows.before,
    padLeft: cols.before,
    outHeight: rows.out,
    outWidth: cols.out,
  };
}

/** Validates a conv2d input/filter pair and computes its geometry. */
export function convGeometry(opName: string, xShape: Shape, filterShape: Shape, attrs: ConvAttrs): ConvGeometry {
  assertRank4(opName, 'input', xShape);
  if (filterShape.length !== 4) {
    throw new ShapeError(`${opName}: filter must be rank 4 [height, width, inChannels / groups, outChannels], got shape ${formatShape(filterShape)}`);
  }
  normalizePair(opName, 'strides', attrs.strides);
  normalizePair(opName, 'dilations', attrs.dilations);
  normalizePadding(opName, attrs.padding, true);
  const { groups } = attrs;
  const [kernelHeight, kernelWidth, inChannelsPerGroup, outChannels] = filterShape;
  const channels = xShape[3];
  if (!Number.isInteger(groups) || groups < 1) {
    throw new ArgumentError(`${opName}: groups must be a positive integer, got ${String(groups)}`);
  }
  if (channels % groups !== 0 || outChannels % groups !== 0) {
    throw new ShapeError(
      `${opName}: groups (${groups}) must divide both the input channels (${channels}) and the output channels (${outChannels})`,
    );
  }
  if (inChannelsPerGroup * groups !== channels) {
    throw new ShapeError(
      `${opName}: channel mismatch: input has ${channels} channels, filter ${formatShape(filterShape)} expects ${inChannelsPerGroup * groups}` +
        (groups > 1 ? ` (${inChannelsPerGroup} per group × ${groups} groups)` : ''),
    );
  }
  const geometry = windowGeometry(opName, xShape, [kernelHeight, kernelWidth], attrs.strides, attrs.dilations, attrs.padding);
  return { ...geometry, groups, inChannelsPerGroup, outChannels, outChannelsPerGroup: outChannels / groups };
}

/** Validates pooling attributes against an input and computes the geometry. */
export function poolGeometry(opName: string, xShape: Shape, attrs: PoolAttrs): WindowGeometry {
  normalizePair(opName, 'poolSize', attrs.poolSize);
  normalizePair(opName, 'strides', attrs.strides);
  normalizePadding(opName, attrs.padding, false);
  return windowGeometry(opName, xShape, attrs.poolSize, attrs.strides, [1, 1], attrs.padding);
}

/** The public options of conv2d and its backprop ops. */
export interface ConvOptions {
  /** Default 1. */
  readonly strides?: PairLike;
  /** Default 'valid'. */
  readonly padding?: Padding;
  /** Default 1. */
  readonly dilations?: PairLike;
  /** Default 1; input and output channels split into this many independent groups. */
  readonly groups?: number;
}

export function convAttrs(opName: string, options: ConvOptions): ConvAttrs {
  if (typeof options !== 'object' || options === null) {
    throw new ArgumentError(`${opName}: options must be an object, got ${JSON.stringify(options)}`);
  }
  return {
    strides: normalizePair(opName, 'strides', options.strides ?? 1),
    padding: normalizePadding(opName, options.padding ?? 'valid', true),
    dilations: normalizePair(opName, 'dilations', options.dilations ?? 1),
    groups: options.groups ?? 1,
  };
}

/** The public options of the pooling ops. */
export interface PoolOptions {
  /** The window (height, width); `filterSize` is TensorFlow.js's name for it. */
  readonly poolSize?: PairLike;
  readonly filterSize?: PairLike;
  /** Default: the pool size (as Keras). */
  readonly strides?: PairLike;
  /** Default 'valid'. */
  readonly padding?: 'same' | 'valid';
}

export function poolAttrs(opName: string, options: PoolOptions): PoolAttrs {
  const size = options.poolSize ?? options.filterSize;
  if (size === undefined) throw new ArgumentError(`${opName}: poolSize is required`);
  const poolSize = normalizePair(opName, 'poolSize', size);
  return {
    poolSize,
    strides: normalizePair(opName, 'strides', options.strides ?? poolSize),
    padding: normalizePadding(opName, options.padding ?? 'valid', false) as 'same' | 'valid',
  };
}
