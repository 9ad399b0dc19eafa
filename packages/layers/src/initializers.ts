import {
  ArgumentError,
  concat,
  div,
  fill,
  matMul,
  mul,
  randomNormal,
  randomUniform,
  reshape,
  slice,
  split,
  sqrt,
  square,
  sub,
  sum,
  tidy,
  transpose,
  truncatedNormal,
  zeros,
  type Tensor,
} from '@tessera/core';
import { type Config, type SerializedObject, isSerializedObject, serializeObject } from './serialization.js';

/** Weight shapes are concrete by the time an initializer runs. */
export type WeightShape = readonly number[];

/**
 * Makes a layer weight's initial value. Corresponds to `keras.initializers.Initializer`. A seeded
 * initializer returns the same values every call (Keras 3's behaviour); an unseeded one draws from
 * core's seed stream (`setSeed` makes it reproducible).
 */
export abstract class Initializer {
  abstract readonly className: string;
  abstract call(shape: WeightShape): Tensor;
  getConfig(): Config {
    return {};
  }
}

function checkSeed(name: string, seed: unknown): number | undefined {
  if (seed === undefined || seed === null) return undefined;
  if (!Number.isInteger(seed)) throw new ArgumentError(`${name}: seed must be an integer or null, got ${JSON.stringify(seed)}`);
  return seed as number;
}

/** Keras's fan computation: the last axis is the output, the one before the input, the rest the receptive field. */
export function computeFans(shape: WeightShape): { fanIn: number; fanOut: number } {
  if (shape.length === 0) return { fanIn: 1, fanOut: 1 };
  if (shape.length === 1) return { fanIn: shape[0], fanOut: shape[0] };
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[shape.length - 2] * receptive, fanOut: shape[shape.length - 1] * receptive };
}

export class Zeros extends Initializer {
  readonly className = 'Zeros';
  call(shape: WeightShape): Tensor {
    return zeros(shape);
  }
}

export class Ones extends Initializer {
  readonly className = 'Ones';
  call(shape: WeightShape): Tensor {
    return fill(shape, 1);
  }
}

export class Constant extends Initializer {
  readonly className = 'Constant';
  readonly value: number;
  constructor(options: { value?: number } = {}) {
    super();
    this.value = options.value ?? 0;
    if (typeof this.value !== 'number') throw new ArgumentError(`Constant: value must be a number, got ${JSON.stringify(this.value)}`);
  }
  call(shape: WeightShape): Tensor {
    return fill(shape, this.value);
  }
  override getConfig(): Config {
    return { value: this.value };
  }
}

export class RandomUniform extends Initializer {
  readonly className = 'RandomUniform';
  readonly minval: number;
  readonly maxval: number;
  readonly seed: number | undefined;
  constructor(options: { minval?: number; maxval?: number; seed?: number | null } = {}) {
    super();
    this.minval = options.minval ?? -0.05;
    this.maxval = options.maxval ?? 0.05;
    this.seed = checkSeed('RandomUniform', options.seed);
  }
  call(shape: WeightShape): Tensor {
    return randomUniform(shape, { minval: this.minval, maxval: this.maxval, seed: this.seed });
  }
  override getConfig(): Config {
    return { seed: this.seed ?? null, minval: this.minval, maxval: this.maxval };
  }
}

export class RandomNormal extends Initializer {
  readonly className: string = 'RandomNormal';
  readonly mean: number;
  readonly stddev: number;
  readonly seed: number | undefined;
  constructor(options: { mean?: number; stddev?: number; seed?: number | null } = {}) {
    super();
    this.mean = options.mean ?? 0;
    this.stddev = options.stddev ?? 0.05;
    this.seed = checkSeed(this.constructor.name, options.seed);
  }
  call(shape: WeightShape): Tensor {
    return randomNormal(shape, { mean: this.mean, stddev: this.stddev, seed: this.seed });
  }
  override getConfig(): Config {
    return { seed: this.seed ?? null, mean: this.mean, stddev: this.stddev };
  }
}

/** Normal samples redrawn beyond two standard deviations. */
export class TruncatedNormal extends RandomNormal {
  override readonly className: string = 'TruncatedNormal';
  override call(shape: WeightShape): Tensor {
    return truncatedNormal(shape, { mean: this.mean, stddev: this.stddev, seed: this.seed });
  }
}

type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

/**
 * Samples scaled to the weight's fan: `scale / fan` is the variance. Keras's VarianceScaling, the
 * parent of the Glorot, He and LeCun initializers.
 */
export class VarianceScaling extends Initializer {
  readonly className: string = 'VarianceScaling';
  readonly scale: number;
  readonly mode: FanMode;
  readonly distribution: Distribution;
  readonly seed: number | undefined;
  constructor(options: { scale?: number; mode?: FanMode; distribution?: Distribution | 'normal'; seed?: number | null } = {}) {
    super();
    this.scale = options.scale ?? 1;
    this.mode = options.mode ?? 'fan_in';
    const distribution = options.distribution === 'normal' ? 'truncated_normal' : (options.distribution ?? 'truncated_normal');
    this.distribution = distribution;
    if (!(this.scale > 0)) throw new ArgumentError(`VarianceScaling: scale must be positive, got ${this.scale}`);
    if (!['fan_in', 'fan_out', 'fan_avg'].includes(this.mode)) {
      throw new ArgumentError(`VarianceScaling: mode must be 'fan_in', 'fan_out' or 'fan_avg', got ${JSON.stringify(this.mode)}`);
    }
    if (!['truncated_normal', 'untruncated_normal', 'uniform'].includes(distribution)) {
      throw new ArgumentError(
        `VarianceScaling: distribution must be 'truncated_normal', 'untruncated_normal' or 'uniform', got ${JSON.stringify(distribution)}`,
      );
    }
    this.seed = checkSeed('VarianceScaling', options.seed);
  }
  call(shape: WeightShape): Tensor {
    const { fanIn, fanOut } = computeFans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, fan);
    if (this.distribution === 'uniform') {
      const limit = Math.sqrt(3 * scale);
      return randomUniform(shape, { minval: -limit, maxval: limit, seed: this.seed });
    }
    if (this.distribution === 'untruncated_normal') return randomNormal(shape, { stddev: Math.sqrt(scale), seed: this.seed });
    // The standard deviation of a unit normal truncated to [-2, 2]; dividing by it restores the variance.
    return truncatedNormal(shape, { stddev: Math.sqrt(scale) / 0.8796256610342398, seed: this.seed });
  }
  override getConfig(): Config {
    return { scale: this.scale, mode: this.mode, distribution: this.distribution, seed: this.seed ?? null };
  }
}

/** A VarianceScaling with fixed parameters; its config is only the seed (and Keras 3's fan-axis fields). */
abstract class FixedVarianceScaling extends VarianceScaling {
  constructor(scale: number, mode: FanMode, distribution: Distribution, options: { seed?: number | null }) {
    super({ scale, mode, distribution, seed: options.seed });
  }
  override getConfig(): Config {
    return { seed: this.seed ?? null, input_axes: null, output_axes: null };
  }
}

export class GlorotUniform extends FixedVarianceScaling {
  override readonly className = 'GlorotUniform';
  constructor(options: { seed?: number | null } = {}) {
    super(1, 'fan_avg', 'uniform', options);
  }
}
export class GlorotNormal extends FixedVarianceScaling {
  override readonly className = 'GlorotNormal';
  constructor(options: { seed?: number | null } = {}) {
    super(1, 'fan_avg', 'truncated_normal', options);
  }
}
export class HeNormal extends FixedVarianceScaling {
  override readonly className = 'HeNormal';
  constructor(options: { seed?: number | null } = {}) {
    super(2, 'fan_in', 'truncated_normal', options);
  }
}
export class HeUniform extends FixedVarianceScaling {
  override readonly className = 'HeUniform';
  constructor(options: { seed?: number | null } = {}) {
    super(2, 'fan_in', 'uniform', options);
  }
}
export class LecunNormal extends FixedVarianceScaling {
  override readonly className = 'LecunNormal';
  constructor(options: { seed?: number | null } = {}) {
    super(1, 'fan_in', 'truncated_normal', options);
  }
}
export class LecunUniform extends FixedVarianceScaling {
  override readonly className = 'LecunUniform';
  constructor(options: { seed?: number | null } = {}) {
    super(1, 'fan_in', 'uniform', options);
  }
}

/**
 * A (semi-)orthogonal matrix: a normal sample orthonormalized column by column (Gram-Schmidt, which
 * gives R a positive diagonal, so the result is distributed like Keras's sign-corrected QR), the
 * weight flattened to `[prod(shape[:-1]), shape[-1]]`. Written with ops only, never reading values
 * back, so it also runs while a layer builds inside a trace.
 */
export class Orthogonal extends Initializer {
  readonly className = 'Orthogonal';
  readonly gain: number;
  readonly seed: number | undefined;
  constructor(options: { gain?: number; seed?: number | null } = {}) {
    super();
    this.gain = options.gain ?? 1;
    this.seed = checkSeed('Orthogonal', options.seed);
  }
  call(shape: WeightShape): Tensor {
    if (shape.length < 2) throw new ArgumentError(`Orthogonal: the weight must be at least rank 2, got shape [${shape.join(',')}]`);
    const cols = shape[shape.length - 1];
    const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    return tidy(() => {
      // Orthonormalize the columns of the tall orientation, then turn back if the weight is wide.
      const [m, n] = rows >= cols ? [rows, cols] : [cols, rows];
      const q = orthonormalColumns(randomNormal([m, n], { seed: this.seed }));
      const oriented = rows >= cols ? q : transpose(q);
      return reshape(mul(oriented, this.gain), [...shape]);
    });
  }
  override getConfig(): Config {
    return { seed: this.seed ?? null, gain: this.gain };
  }
}

/** Gram-Schmidt passes against earlier columns: "twice is enough" (Giraud et al., 2005). */
function projectOut(v: Tensor, q: Tensor | null): Tensor {
  if (q === null) return v;
  let out = v;
  for (let pass = 0; pass < 2; pass++) out = sub(out, matMul(q, matMul(q, out, true, false)));
  return out;
}

/**
 * Orthonormal columns spanning those of `a` (m ≥ n): block classical Gram-Schmidt, twice per
 * projection. Blocks of 32 columns are first cleared of the earlier blocks with two matMuls, then
 * orthonormalized column by column, which keeps the op count near n instead of n².
 */
function orthonormalColumns(a: Tensor): Tensor {
  const n = a.shape[1];
  const blockSize = 32;
  let q: Tensor | null = null;
  for (let start = 0; start < n; start += blockSize) {
    const width = Math.min(blockSize, n - start);
    const block = projectOut(slice(a, [0, start], [a.shape[0], width]), q);
    let local: Tensor | null = null;
    for (const column of split(block, width, 1)) {
      const v = projectOut(column, local);
      const unit = div(v, sqrt(sum(square(v))));
      local = local === null ? unit : concat([local, unit], 1);
    }
    q = q === null ? local! : concat([q, local!], 1);
  }
  return q!;
}

type InitializerClass = new (options?: any) => Initializer;

const initializerClasses: Record<string, InitializerClass> = {
  Zeros,
  Ones,
  Constant,
  RandomUniform,
  RandomNormal,
  TruncatedNormal,
  VarianceScaling,
  GlorotUniform,
  GlorotNormal,
  HeNormal,
  HeUniform,
  LecunNormal,
  LecunUniform,
  Orthogonal,
};

/** Keras's string aliases ('glorot_uniform', 'zeros', ...) by their class. */
const initializerAliases: Record<string, string> = {
  zeros: 'Zeros',
  ones: 'Ones',
  constant: 'Constant',
  random_uniform: 'RandomUniform',
  random_normal: 'RandomNormal',
  truncated_normal: 'TruncatedNormal',
  variance_scaling: 'VarianceScaling',
  glorot_uniform: 'GlorotUniform',
  glorot_normal: 'GlorotNormal',
  he_normal: 'HeNormal',
  he_uniform: 'HeUniform',
  lecun_normal: 'LecunNormal',
  lecun_uniform: 'LecunUniform',
  orthogonal: 'Orthogonal',
};

/** What a layer accepts for an initializer argument. */
export type InitializerIdentifier = Initializer | string | SerializedObject;

/**
 * Resolves an initializer from an instance, a Keras name (`'glorot_uniform'`, `'GlorotUniform'`) or a
 * serialized config. `keras.initializers.get`.
 */
export function getInitializer(identifier: InitializerIdentifier, context = 'initializer'): Initializer {
  if (identifier instanceof Initializer) return identifier;
  if (typeof identifier === 'string') {
    const cls = initializerClasses[initializerAliases[identifier] ?? identifier];
    if (cls) return new cls();
  } else if (isSerializedObject(identifier)) {
    const cls = initializerClasses[identifier.class_name];
    if (cls) return new cls(identifier.config ?? {});
  }
  const known = Object.keys(initializerAliases).join(', ');
  throw new ArgumentError(`${context}: unknown initializer ${JSON.stringify(identifier)}; known: ${known}`);
}

/** Keras's serialized form `{module, class_name, config, registered_name}`. */
export function serializeInitializer(initializer: Initializer): SerializedObject {
  return serializeObject('keras.initializers', initializer.className, initializer.getConfig());
}
