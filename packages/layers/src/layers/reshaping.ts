import { ArgumentError, ShapeError, pad, reshape, slice, tile, transpose, expandDims, type Tensor } from '@tessera/core';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape, formatLayerShape } from '../layer.js';
import { type Config, channelsLast, positiveInt, toTuple } from '../serialization.js';
import { singleInput } from './core.js';
import { resizeBilinear, resizeNearest } from '../ops/resize.js';

function product(dims: readonly (number | null)[]): number | null {
  return dims.some((d) => d === null) ? null : (dims as number[]).reduce((a, b) => a * b, 1);
}

export interface FlattenArgs extends LayerArgs {
  dataFormat?: string;
}

/** Flattens every axis but the batch. Corresponds to `keras.layers.Flatten`. */
export class Flatten extends Layer {
  static override className = 'Flatten';
  readonly dataFormat: 'channels_last';
  constructor(args: FlattenArgs = {}) {
    super(args);
    this.dataFormat = channelsLast('Flatten', args.dataFormat);
    this.inputSpec = { minNdim: 1 };
  }
  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    // -1 for the batch keeps the op valid when the batch is left open (traced with a null batch).
    return reshape(x, [-1, x.shape.slice(1).reduce((a, b) => a * b, 1)]);
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], product(inputShape.slice(1))];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), data_format: this.dataFormat };
  }
}

export interface ReshapeArgs extends LayerArgs {
  targetShape: readonly number[];
}

/** Reshapes every sample to `targetShape` (one entry may be -1). Corresponds to `keras.layers.Reshape`. */
export class Reshape extends Layer {
  static override className = 'Reshape';
  readonly targetShape: number[];
  constructor(args: ReshapeArgs) {
    super(args);
    const target = args?.targetShape;
    if (!Array.isArray(target) || target.some((d) => !Number.isInteger(d) || (d < 1 && d !== -1)) || target.filter((d) => d === -1).length > 1) {
      throw new ArgumentError(`Reshape: target_shape must be positive integers with at most one -1, got ${JSON.stringify(target)}`);
    }
    this.targetShape = [...target];
  }
  private resolve(inputShape: LayerShape): (number | null)[] {
    const size = product(inputShape.slice(1));
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    if (size === null) return this.targetShape.map((d) => (d === -1 ? null : d));
    const hasUnknown = this.targetShape.includes(-1);
    if ((hasUnknown && size % known !== 0) || (!hasUnknown && size !== known)) {
      throw new ShapeError(
        `${this.name}: cannot reshape input of shape ${formatLayerShape(inputShape)} (${size} values per sample) to target_shape ${formatLayerShape(this.targetShape)}`,
      );
    }
    return this.targetShape.map((d) => (d === -1 ? size / known : d));
  }
  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    return reshape(x, [-1, ...(this.resolve(x.shape) as number[])]);
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], ...this.resolve(inputShape)];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), target_shape: [...this.targetShape] };
  }
}

export interface PermuteArgs extends LayerArgs {
  dims: readonly number[];
}

/** Permutes the non-batch axes; `dims` is 1-based as in Keras. Corresponds to `keras.layers.Permute`. */
export class Permute extends Layer {
  static override className = 'Permute';
  readonly dims: number[];
  constructor(args: PermuteArgs) {
    super(args);
    const dims = args?.dims;
    const sorted = Array.isArray(dims) ? [...dims].sort((a, b) => a - b) : [];
    if (!Array.isArray(dims) || sorted.some((d, i) => d !== i + 1)) {
      throw new ArgumentError(`Permute: dims must be a permutation of 1..${Array.isArray(dims) ? dims.length : 'n'}, got ${JSON.stringify(dims)}`);
    }
    this.dims = [...dims];
    this.inputSpec = { ndim: this.dims.length + 1 };
  }
  call(inputs: LayerInputs): Tensor {
    return transpose(singleInput(this, inputs), [0, ...this.dims]);
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], ...this.dims.map((d) => inputShape[d])];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), dims: [...this.dims] };
  }
}

export interface RepeatVectorArgs extends LayerArgs {
  n: number;
}

/** `[batch, features]` → `[batch, n, features]`. Corresponds to `keras.layers.RepeatVector`. */
export class RepeatVector extends Layer {
  static override className = 'RepeatVector';
  readonly n: number;
  constructor(args: RepeatVectorArgs) {
    super(args);
    this.n = positiveInt('RepeatVector', 'n', args?.n);
    this.inputSpec = { ndim: 2 };
  }
  call(inputs: LayerInputs): Tensor {
    return tile(expandDims(singleInput(this, inputs), 1), [1, this.n, 1]);
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return [inputShape[0], this.n, inputShape[1]];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), n: this.n };
  }
}

type PairOfPairs = [[number, number], [number, number]];

function readPairOfPairs(layerName: string, arg: string, value: unknown): PairOfPairs {
  if (typeof value === 'number') {
    const [v] = toTuple(layerName, arg, value, 1, true);
    return [[v, v], [v, v]];
  }
  if (Array.isArray(value) && value.length === 2) {
    if (value.every((v) => typeof v === 'number')) {
      const [h, w] = toTuple(layerName, arg, value, 2, true);
      return [[h, h], [w, w]];
    }
    const rows = toTuple(layerName, arg, value[0], 2, true);
    const cols = toTuple(layerName, arg, value[1], 2, true);
    return [[rows[0], rows[1]], [cols[0], cols[1]]];
  }
  throw new ArgumentError(`${layerName}: ${arg} must be an integer, a pair, or a pair of pairs, got ${JSON.stringify(value)}`);
}

export interface ZeroPadding2DArgs extends LayerArgs {
  padding?: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
  dataFormat?: string;
}

/** Pads height and width with zeros. Corresponds to `keras.layers.ZeroPadding2D`. */
export class ZeroPadding2D extends Layer {
  static override className = 'ZeroPadding2D';
  readonly padding: PairOfPairs;
  readonly dataFormat: 'channels_last';
  constructor(args: ZeroPadding2DArgs = {}) {
    super(args);
    this.padding = readPairOfPairs('ZeroPadding2D', 'padding', args.padding ?? 1);
    this.dataFormat = channelsLast('ZeroPadding2D', args.dataFormat);
    this.inputSpec = { ndim: 4 };
  }
  call(inputs: LayerInputs): Tensor {
    const [[top, bottom], [left, right]] = this.padding;
    return pad(singleInput(this, inputs), [[0, 0], [top, bottom], [left, right], [0, 0]]);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    const [[top, bottom], [left, right]] = this.padding;
    return [s[0], s[1] === null ? null : s[1] + top + bottom, s[2] === null ? null : s[2] + left + right, s[3]];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), padding: this.padding.map((p) => [...p]), data_format: this.dataFormat };
  }
}

export interface Cropping2DArgs extends LayerArgs {
  cropping?: number | readonly [number, number] | readonly [readonly [number, number], readonly [number, number]];
  dataFormat?: string;
}

/** Crops height and width. Corresponds to `keras.layers.Cropping2D`. */
export class Cropping2D extends Layer {
  static override className = 'Cropping2D';
  readonly cropping: PairOfPairs;
  readonly dataFormat: 'channels_last';
  constructor(args: Cropping2DArgs = {}) {
    super(args);
    this.cropping = readPairOfPairs('Cropping2D', 'cropping', args.cropping ?? 0);
    this.dataFormat = channelsLast('Cropping2D', args.dataFormat);
    this.inputSpec = { ndim: 4 };
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    const [[top, bottom], [left, right]] = this.cropping;
    const crop = (d: number | null, a: number, b: number, axis: string) => {
      if (d === null) return null;
      if (d - a - b <= 0) {
        throw new ShapeError(`${this.name}: cropping ${JSON.stringify(this.cropping)} leaves nothing of the ${axis} of input shape ${formatLayerShape(s)}`);
      }
      return d - a - b;
    };
    return [s[0], crop(s[1], top, bottom, 'height'), crop(s[2], left, right, 'width'), s[3]];
  }
  call(inputs: LayerInputs): Tensor {
    const x = singleInput(this, inputs);
    const out = this.computeOutputShape(x.shape) as number[];
    return slice(x, [0, this.cropping[0][0], this.cropping[1][0], 0], [x.shape[0], out[1], out[2], x.shape[3]]);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), cropping: this.cropping.map((p) => [...p]), data_format: this.dataFormat };
  }
}

export interface UpSampling2DArgs extends LayerArgs {
  size?: number | readonly [number, number];
  dataFormat?: string;
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * Repeats rows and columns (`nearest`) or resizes with half-pixel-centred bilinear interpolation.
 * Corresponds to `keras.layers.UpSampling2D`.
 */
export class UpSampling2D extends Layer {
  static override className = 'UpSampling2D';
  readonly size: [number, number];
  readonly dataFormat: 'channels_last';
  readonly interpolation: 'nearest' | 'bilinear';
  constructor(args: UpSampling2DArgs = {}) {
    super(args);
    const [h, w] = toTuple('UpSampling2D', 'size', args.size ?? 2, 2);
    this.size = [h, w];
    this.dataFormat = channelsLast('UpSampling2D', args.dataFormat);
    const interpolation = args.interpolation ?? 'nearest';
    if (interpolation !== 'nearest' && interpolation !== 'bilinear') {
      throw new ArgumentError(`UpSampling2D: interpolation must be 'nearest' or 'bilinear', got ${JSON.stringify(interpolation)}`);
    }
    this.interpolation = interpolation;
    this.inputSpec = { ndim: 4 };
  }
  call(inputs: LayerInputs, _args: CallArgs): Tensor {
    const x = singleInput(this, inputs);
    const outH = x.shape[1] * this.size[0];
    const outW = x.shape[2] * this.size[1];
    return this.interpolation === 'nearest' ? resizeNearest(x, this.size) : resizeBilinear(x, [outH, outW]);
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return [s[0], s[1] === null ? null : s[1] * this.size[0], s[2] === null ? null : s[2] * this.size[1], s[3]];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), size: [...this.size], data_format: this.dataFormat, interpolation: this.interpolation };
  }
}
