import type { DType } from '../dtype.js';
import { ArgumentError, DTypeError } from '../errors.js';
import { add } from '../ops/add.js';
import { cast } from '../ops/cast.js';
import { op } from '../ops/convert.js';
import { less } from '../ops/less.js';
import { mul } from '../ops/mul.js';
import type { RandomDistribution } from '../ops/random.js';
import { random, randomOp } from '../ops/random.js';
import { engine } from '../engine/engine.js';
import { philox4x32 } from '../random/philox.js';
import type { Tensor } from '../tensor.js';

/** An op-level seed: one integer, or the two uint32 words of the Philox key. */
export type Seed = number | readonly [number, number];

const TWO_POW_32 = 4294967296;

/** The generator that hands out seeds to calls that give none; `setSeed` restarts it. */
const seedStream = { key: [(Math.random() * TWO_POW_32) >>> 0, 0] as [number, number], next: 0 };

/**
 * Makes the sequence of unseeded random ops that follows reproducible: after `setSeed(n)` the k-th
 * unseeded call always gets the same seed. Corresponds to `tf.random.set_seed` (Keras
 * `keras.utils.set_random_seed`).
 *
 * @example setSeed(42); const a = randomNormal([2]); setSeed(42); randomNormal([2]) // equals a
 */
export function setSeed(seed: number): void {
  if (!Number.isInteger(seed)) throw new ArgumentError(`setSeed: seed must be an integer, got ${String(seed)}`);
  seedStream.key = [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
  seedStream.next = 0;
}

/**
 * The seed stream's next draw. Unseeded random ops take their seed from it; a traced graph calls it
 * again on every run for each such op (`attrs.stateful`), so the op yields new numbers on each call
 * as it does eagerly, reproducibly after `setSeed`.
 */
export function drawSeed(): [number, number] {
  const block = philox4x32([seedStream.next++, 0, 0, 0], seedStream.key);
  return [block[0], block[1]];
}

/** Samples from the seed given, or, without one, from the seed stream (a stateful op in a traced graph). */
function draw(opName: string, shape: readonly number[], distribution: RandomDistribution, seed: Seed | undefined): Tensor {
  const key = resolveSeed(opName, seed);
  if (seed !== undefined) return random(shape, distribution, key);
  return engine.run1(randomOp, [], { shape: [...shape], distribution, seed: key, stateful: true });
}

/** The Philox key for one call: the given seed, or the seed stream's next draw. */
function resolveSeed(opName: string, seed: Seed | undefined): [number, number] {
  if (seed === undefined) return drawSeed();
  if (typeof seed === 'number' && Number.isInteger(seed)) return [seed >>> 0, Math.floor(seed / TWO_POW_32) >>> 0];
  if (Array.isArray(seed) && seed.length === 2 && seed.every((w) => Number.isInteger(w))) return [seed[0] >>> 0, seed[1] >>> 0];
  throw new ArgumentError(`${opName}: seed must be an integer or a pair of integers, got ${JSON.stringify(seed)}`);
}

export interface RandomUniformOptions {
  /** Default 0. */
  readonly minval?: number;
  /** Default 1 (exclusive). */
  readonly maxval?: number;
  /** float32 (default) or int32. */
  readonly dtype?: DType;
  readonly seed?: Seed;
}

/**
 * Uniform samples in `[minval, maxval)`: int32 draws integers. Corresponds to `tf.randomUniform`
 * (Keras `keras.random.uniform`).
 *
 * @example randomUniform([2, 2], { minval: -1, maxval: 1, seed: 7 })
 */
export const randomUniform = op((shape: readonly number[], options: RandomUniformOptions = {}): Tensor => {
  const { minval = 0, maxval = 1, dtype = 'float32' } = options;
  if (dtype !== 'float32' && dtype !== 'int32') throw new DTypeError(`randomUniform: dtype must be float32 or int32, got ${String(dtype)}`);
  if (!(maxval > minval)) throw new ArgumentError(`randomUniform: maxval must be greater than minval, got minval ${minval}, maxval ${maxval}`);
  const unit = draw('randomUniform', shape, 'uniform', options.seed);
  if (dtype === 'float32') return add(mul(unit, maxval - minval), minval);
  if (!Number.isInteger(minval) || !Number.isInteger(maxval)) {
    throw new ArgumentError(`randomUniform: int32 bounds must be integers, got minval ${minval}, maxval ${maxval}`);
  }
  // unit * span is non-negative, so casting (truncation) floors it into [0, span).
  return add(cast(mul(unit, maxval - minval), 'int32'), minval);
});

export interface RandomNormalOptions {
  /** Default 0. */
  readonly mean?: number;
  /** Default 1. */
  readonly stddev?: number;
  readonly seed?: Seed;
}

function scaledNormal(opName: string, distribution: RandomDistribution, shape: readonly number[], options: RandomNormalOptions): Tensor {
  const { mean = 0, stddev = 1 } = options;
  return add(mul(draw(opName, shape, distribution, options.seed), stddev), mean);
}

/**
 * Normal samples with `mean` and `stddev`. Corresponds to `tf.randomNormal` (Keras `keras.random.normal`).
 *
 * @example randomNormal([3], { mean: 1, stddev: 0.1, seed: 1 })
 */
export const randomNormal = op((shape: readonly number[], options: RandomNormalOptions = {}): Tensor =>
  scaledNormal('randomNormal', 'normal', shape, options),
);

/**
 * Normal samples redrawn until within two standard deviations of the mean. Corresponds to
 * `tf.truncatedNormal` (Keras `keras.random.truncated_normal`).
 *
 * @example truncatedNormal([3, 3], { stddev: 0.05, seed: 3 })
 */
export const truncatedNormal = op((shape: readonly number[], options: RandomNormalOptions = {}): Tensor =>
  scaledNormal('truncatedNormal', 'truncatedNormal', shape, options),
);

/**
 * float32 ones with probability `p`, zeros otherwise. Compare `tfp.distributions.Bernoulli` / JAX's
 * `jax.random.bernoulli`.
 *
 * @example bernoulli([4], 0.5, 11) // e.g. [1, 0, 0, 1]
 */
export const bernoulli = op((shape: readonly number[], p: number, seed?: Seed): Tensor => {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ArgumentError(`bernoulli: p must be a number in [0, 1], got ${String(p)}`);
  return cast(less(draw('bernoulli', shape, 'uniform', seed), p), 'float32');
});
