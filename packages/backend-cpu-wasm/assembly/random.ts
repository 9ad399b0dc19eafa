// The `random` primitive: Philox4x32-10 blocks, one per element, counter [i, 0, round, 0] and key
// = seed, mapped to floats exactly as core's `randomSample` does (packages/core/src/random/philox.ts).
// The integer part is exact on every engine. Box-Muller needs log and cos, whose last bit is the
// engine's choice (V8, SpiderMonkey and JavaScriptCore each have their own libm), so they are imported
// from the host's Math: the samples then equal the reference backend's bit for bit on any engine.

// @ts-ignore: decorator
@external("env", "mathLog")
declare function hostLog(x: f64): f64;

// @ts-ignore: decorator
@external("env", "mathCos")
declare function hostCos(x: f64): f64;

const MULTIPLIER_0: u64 = 0xd2511f53;
const MULTIPLIER_1: u64 = 0xcd9e8d57;
const WEYL_0: u32 = 0x9e3779b9;
const WEYL_1: u32 = 0xbb67ae85;
const TWO_POW_MINUS_23: f64 = 1.0 / 8388608.0;
const TRUNCATION_BOUND: f64 = 2.0;

const UNIFORM = 0;
const NORMAL = 1;

// The first two output words of the last block (all the mappings need).
let word0: u32 = 0;
let word1: u32 = 0;

function philox(counter0: u32, counter2: u32, key0: u32, key1: u32): void {
  let c0 = counter0;
  let c1: u32 = 0;
  let c2 = counter2;
  let c3: u32 = 0;
  let k0 = key0;
  let k1 = key1;
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 += WEYL_0;
      k1 += WEYL_1;
    }
    const product0 = MULTIPLIER_0 * <u64>c0;
    const product1 = MULTIPLIER_1 * <u64>c2;
    c0 = <u32>(product1 >> 32) ^ c1 ^ k0;
    c1 = <u32>product1;
    c2 = <u32>(product0 >> 32) ^ c3 ^ k1;
    c3 = <u32>product0;
  }
  word0 = c0;
  word1 = c1;
}

// @ts-ignore: decorator
@inline function normalFromWords(w0: u32, w1: u32): f64 {
  const u1 = <f64>((w0 >>> 9) + 1) * TWO_POW_MINUS_23;
  const u2 = <f64>(w1 >>> 9) * TWO_POW_MINUS_23;
  return Math.sqrt(-2.0 * hostLog(u1)) * hostCos(2.0 * Math.PI * u2);
}

/** distribution: 0 uniform, 1 normal, 2 truncated normal (redrawn with the next round while |z| >= 2). */
export function random_f32(outs: usize, n: i32, distribution: i32, seed0: u32, seed1: u32): void {
  for (let i = 0; i < n; i++) {
    let sample: f64;
    if (distribution == UNIFORM) {
      philox(<u32>i, 0, seed0, seed1);
      sample = <f64>(word0 >>> 9) * TWO_POW_MINUS_23;
    } else {
      let round: u32 = 0;
      do {
        philox(<u32>i, round++, seed0, seed1);
        sample = normalFromWords(word0, word1);
      } while (distribution != NORMAL && Math.abs(sample) >= TRUNCATION_BOUND);
    }
    store<f32>(outs + (<usize>i << 2), <f32>sample);
  }
}
