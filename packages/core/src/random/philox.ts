/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011), the
 * stateless counter-based generator of Random123, JAX and TensorFlow's stateless ops. A block is a
 * pure function of a 128-bit counter and a 64-bit key, so every backend, and every thread of a GPU
 * kernel, computes element i's random words from (seed, i) alone and they all agree bit for bit.
 */

const MULTIPLIER_0 = 0xd2511f53;
const MULTIPLIER_1 = 0xcd9e8d57;
/** The key schedule's Weyl increments: the golden ratio and sqrt(3) - 1, as 32-bit fractions. */
const WEYL_0 = 0x9e3779b9;
const WEYL_1 = 0xbb67ae85;
const ROUNDS = 10;

/**
 * The high 32 bits of the 64-bit product of two uint32s. Done in 16-bit halves because doubles hold
 * only 53 bits and BigInt would be far slower; every partial sum below stays under 2^53.
 */
export function mulHigh32(a: number, b: number): number {
  const aHigh = a >>> 16;
  const aLow = a & 0xffff;
  const bHigh = b >>> 16;
  const bLow = b & 0xffff;
  const lowLow = aLow * bLow;
  const highLow = aHigh * bLow;
  const lowHigh = aLow * bHigh;
  const carry = ((lowLow >>> 16) + (highLow & 0xffff) + (lowHigh & 0xffff)) >>> 16;
  return (aHigh * bHigh + (highLow >>> 16) + (lowHigh >>> 16) + carry) >>> 0;
}

/**
 * One Philox4x32-10 block: four uint32 counter words and two uint32 key words in, four uint32
 * words out (written to `out`, which is returned).
 */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  let c0 = counter[0] >>> 0;
  let c1 = counter[1] >>> 0;
  let c2 = counter[2] >>> 0;
  let c3 = counter[3] >>> 0;
  let k0 = key[0] >>> 0;
  let k1 = key[1] >>> 0;
  for (let round = 0; round < ROUNDS; round++) {
    if (round > 0) {
      k0 = (k0 + WEYL_0) >>> 0;
      k1 = (k1 + WEYL_1) >>> 0;
    }
    const high0 = mulHigh32(MULTIPLIER_0, c0);
    const low0 = Math.imul(MULTIPLIER_0, c0) >>> 0;
    const high1 = mulHigh32(MULTIPLIER_1, c2);
    const low1 = Math.imul(MULTIPLIER_1, c2) >>> 0;
    c0 = (high1 ^ c1 ^ k0) >>> 0;
    c1 = low1;
    c2 = (high0 ^ c3 ^ k1) >>> 0;
    c3 = low0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

/** 2^-23: a uniform float in [0, 1) from the top 23 bits of a word, exact in float32. */
const TWO_POW_MINUS_23 = 1 / 8388608;

/** The uniform mapping every backend uses: `(bits >>> 9) * 2^-23`, in [0, 1) on a 2^-23 grid. */
export function uniformFromBits(bits: number): number {
  return (bits >>> 9) * TWO_POW_MINUS_23;
}

/**
 * Box-Muller on two words of one block: `u1 = ((w0 >>> 9) + 1) * 2^-23` in (0, 1] (never 0, so the
 * log is finite), `u2 = (w1 >>> 9) * 2^-23`, `z = sqrt(-2 ln u1) * cos(2π u2)`, computed in doubles.
 */
export function normalFromBits(word0: number, word1: number): number {
  const u1 = ((word0 >>> 9) + 1) * TWO_POW_MINUS_23;
  const u2 = uniformFromBits(word1);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

export type RandomDistribution = 'uniform' | 'normal' | 'truncatedNormal';

/** The bound of the truncated normal: draws with |z| >= 2 are redrawn (TensorFlow's two stddevs). */
export const TRUNCATION_BOUND = 2;

/**
 * The sample of element `index` of the `random` primitive, as a double (backends round to float32):
 * element i, round r uses counter `[i mod 2^32, floor(i / 2^32), r, 0]` and key `seed`. Uniform and
 * normal use round 0; the truncated normal takes rounds 0, 1, 2, ... until |z| < 2.
 */
export function randomSample(
  distribution: RandomDistribution,
  seed: readonly [number, number],
  index: number,
  block: Uint32Array = new Uint32Array(4),
): number {
  const low = index >>> 0;
  const high = Math.floor(index / 4294967296) >>> 0;
  if (distribution === 'uniform') return uniformFromBits(philox4x32([low, high, 0, 0], seed, block)[0]);
  for (let round = 0; ; round++) {
    philox4x32([low, high, round, 0], seed, block);
    const z = normalFromBits(block[0], block[1]);
    if (distribution === 'normal' || Math.abs(z) < TRUNCATION_BOUND) return z;
  }
}
