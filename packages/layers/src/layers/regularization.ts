import { ArgumentError, add, bernoulli, div, mul, randomNormal, type Seed, type Tensor } from '@tessera/core';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape } from '../layer.js';
import { type Config, channelsLast, numberArg } from '../serialization.js';
import { singleInput } from './core.js';

/**
 * Per-layer seeds as Keras's `SeedGenerator` hands them out: a seeded layer draws a different
 * but reproducible mask on each call; an unseeded one uses core's seed stream.
 */
class LayerSeeds {
  private calls = 0;
  constructor(readonly seed: number | null) {}
  next(): Seed | undefined {
    return this.seed === null ? undefined : [this.seed >>> 0, this.calls++];
  }
}

function readSeed(layerName: string, seed: unknown): number | null {
  if (seed === undefined || seed === null) return null;
  if (!Number.isInteger(seed)) throw new ArgumentError(`${layerName}: seed must be an integer or null, got ${JSON.stringify(seed)}`);
  return seed as number;
}

function readRate(layerName: string, rate: unknown): number {
  return numberArg(layerName, 'rate', rate, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
}

/** Zeroes entries with probability `rate` and scales the rest by `1 / (1 − rate)`. */
function dropout(x: Tensor, rate: number, noiseShape: readonly number[], seed: Seed | undefined): Tensor {
  const keep = bernoulli(noiseShape, 1 - rate, seed);
  return mul(x, div(keep, 1 - rate));
}

export interface DropoutArgs extends LayerArgs {
  rate: number;
  noiseShape?: readonly (number | null)[] | null;
  seed?: number | null;
}

/**
 * In training, zeroes inputs at `rate` and scales the rest by `1/(1 − rate)`; the identity
 * otherwise. `noiseShape` (`null` = the input's size) shares one draw along axes of size 1.
 * Corresponds to `keras.layers.Dropout`.
 */
export class Dropout extends Layer {
  static override className = 'Dropout';
  readonly rate: number;
  readonly noiseShape: (number | null)[] | null;
  readonly seed: number | null;
  private readonly seeds: LayerSeeds;
  constructor(args: DropoutArgs) {
    super(args);
    this.rate = readRate('Dropout', args?.rate);
    this.noiseShape = args.noiseShape === undefined || args.noiseShape === null ? null : [...args.noiseShape];
    this.seed = readSeed('Dropout', args.seed);
    this.seeds = new LayerSeeds(this.seed);
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    const x = singleInput(this, inputs);
    if (!args.training || this.rate === 0) return x.clone();
    const noiseShape = this.noiseShape === null ? x.shape : this.noiseShape.map((d, i) => d ?? x.shape[i]);
    return dropout(x, this.rate, noiseShape, this.seeds.next());
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), rate: this.rate, seed: this.seed, noise_shape: this.noiseShape };
  }
}

/** Shared by SpatialDropout1D/2D: one draw per sample and channel. */
abstract class SpatialDropout extends Layer {
  readonly rate: number;
  readonly seed: number | null;
  private readonly seeds: LayerSeeds;
  protected abstract readonly rank: number;
  constructor(args: DropoutArgs, className: string) {
    super(args);
    this.rate = readRate(className, args?.rate);
    this.seed = readSeed(className, args.seed);
    this.seeds = new LayerSeeds(this.seed);
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    const x = singleInput(this, inputs);
    if (!args.training || this.rate === 0) return x.clone();
    const noiseShape = x.shape.map((d, i) => (i === 0 || i === x.rank - 1 ? d : 1));
    return dropout(x, this.rate, noiseShape, this.seeds.next());
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
  /** Keras writes only these keys for the spatial dropouts, the dtype as a plain name. */
  override getConfig(): Config {
    return { rate: this.rate, seed: this.seed, name: this.name, dtype: this.dtype };
  }
}

/** Drops whole channels of `[batch, steps, channels]`. Corresponds to `keras.layers.SpatialDropout1D`. */
export class SpatialDropout1D extends SpatialDropout {
  static override className = 'SpatialDropout1D';
  protected readonly rank = 3;
  constructor(args: DropoutArgs) {
    super(args, 'SpatialDropout1D');
    this.inputSpec = { ndim: 3 };
  }
}

/** Drops whole channels of NHWC feature maps. Corresponds to `keras.layers.SpatialDropout2D`. */
export class SpatialDropout2D extends SpatialDropout {
  static override className = 'SpatialDropout2D';
  protected readonly rank = 4;
  readonly dataFormat: 'channels_last';
  constructor(args: DropoutArgs & { dataFormat?: string }) {
    super(args, 'SpatialDropout2D');
    this.dataFormat = channelsLast('SpatialDropout2D', args?.dataFormat);
    this.inputSpec = { ndim: 4 };
  }
  override getConfig(): Config {
    return { ...super.getConfig(), data_format: this.dataFormat };
  }
}

export interface GaussianNoiseArgs extends LayerArgs {
  stddev: number;
  seed?: number | null;
}

/** Adds zero-mean normal noise in training; the identity otherwise. Corresponds to `keras.layers.GaussianNoise`. */
export class GaussianNoise extends Layer {
  static override className = 'GaussianNoise';
  readonly stddev: number;
  readonly seed: number | null;
  private readonly seeds: LayerSeeds;
  constructor(args: GaussianNoiseArgs) {
    super(args);
    this.stddev = numberArg('GaussianNoise', 'stddev', args?.stddev, (v) => v >= 0, 'a non-negative number');
    this.seed = readSeed('GaussianNoise', args.seed);
    this.seeds = new LayerSeeds(this.seed);
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    const x = singleInput(this, inputs);
    if (!args.training || this.stddev === 0) return x.clone();
    return add(x, randomNormal(x.shape, { stddev: this.stddev, seed: this.seeds.next() }));
  }
  override computeOutputShape(inputShape: LayerShape): LayerShape {
    return inputShape;
  }
  override getConfig(): Config {
    return { ...super.getConfig(), stddev: this.stddev, seed: this.seed };
  }
}
