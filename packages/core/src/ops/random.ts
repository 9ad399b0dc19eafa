import { engine } from '../engine/engine.js';
import { ArgumentError } from '../errors.js';
import type { RandomDistribution } from '../random/philox.js';
import { assertValidShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { op } from './convert.js';
import { defineOp } from './op.js';

export type { RandomDistribution } from '../random/philox.js';

export interface RandomAttrs {
  readonly shape: readonly number[];
  readonly distribution: RandomDistribution;
  /** The Philox key: two uint32 words. */
  readonly seed: readonly [number, number];
  /**
   * The seed came from the seed stream (no seed was given): a traced graph draws a new one on each
   * run, after using the recorded one on its first, so the numbers change per call as they do eagerly.
   */
  readonly stateful?: boolean;
}

const DISTRIBUTIONS: readonly RandomDistribution[] = ['uniform', 'normal', 'truncatedNormal'];

function isSeedWord(value: unknown): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

export const randomOp = defineOp<'random', RandomAttrs>({
  name: 'random',
  kind: 'random',
  inputNames: [],
  saves: { inputs: false },
  infer(_inputs, { shape, distribution, seed }) {
    assertValidShape('random', 'shape', shape);
    if (!DISTRIBUTIONS.includes(distribution)) {
      throw new ArgumentError(`random: distribution must be ${DISTRIBUTIONS.map((d) => `'${d}'`).join(', ')}, got ${JSON.stringify(distribution)}`);
    }
    if (!Array.isArray(seed) || seed.length !== 2 || !seed.every(isSeedWord)) {
      throw new ArgumentError(`random: seed must be a pair of uint32 integers, got ${JSON.stringify(seed)}`);
    }
    return [{ shape: [...shape], dtype: 'float32' }];
  },
  grad: 'none',
});

/**
 * Float32 samples from a stateless counter-based generator (Philox4x32-10): the same `seed` gives the
 * same numbers on every backend. Element i uses Philox counter i: uniform in [0, 1) as
 * `(word0 >>> 9) * 2^-23`; standard normal by Box-Muller on words 0 and 1 of the same block;
 * the truncated normal redraws with round counters 1, 2, ... until |z| < 2 (see `random/philox.ts`).
 * The building block of `randomUniform`, `randomNormal` and `truncatedNormal`; compare
 * `tf.random.stateless_uniform`.
 *
 * @example random([2, 2], 'normal', [42, 0]) // the same four numbers on every backend
 */
export const random = op((shape: readonly number[], distribution: RandomDistribution, seed: readonly [number, number]): Tensor =>
  engine.run1(randomOp, [], { shape: [...shape], distribution, seed: [seed[0], seed[1]] as const }),
);
