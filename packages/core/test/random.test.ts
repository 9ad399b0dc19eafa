import { beforeAll, describe, expect, it } from 'vitest';
import type { Interpreter } from '../src/index.js';
import { bernoulli, drawSeed, engine, memory, random, randomNormal, randomUniform, setBackend, setSeed, truncatedNormal } from '../src/index.js';
import { mulHigh32, philox4x32, randomSample, uniformFromBits } from '../src/random/philox.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

const hex = (words: Uint32Array) => Array.from(words, (w) => w.toString(16).padStart(8, '0')).join(' ');

function moments(values: ArrayLike<number>): { mean: number; std: number; min: number; max: number } {
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    min = Math.min(min, values[i]);
    max = Math.max(max, values[i]);
  }
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(squares / values.length), min, max };
}

describe('Philox4x32-10', () => {
  // The known-answer vectors published with Random123 (kat_vectors, philox4x32 10 rounds).
  it('matches the Random123 known answers', () => {
    expect(hex(philox4x32([0, 0, 0, 0], [0, 0]))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
    expect(hex(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff]))).toBe(
      '408f276d 41c83b0e a20bc7c6 6d5451fd',
    );
    expect(hex(philox4x32([0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344], [0xa4093822, 0x299f31d0]))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });

  it('computes the high word of 32x32-bit products exactly', () => {
    const cases: [number, number][] = [[0xffffffff, 0xffffffff], [0xd2511f53, 0x12345678], [1, 0xffffffff], [0x10000, 0x10000], [0, 5]];
    for (const [a, b] of cases) expect(mulHigh32(a, b)).toBe(Number((BigInt(a) * BigInt(b)) >> 32n));
  });

  it('maps bits to uniforms on the 2^-23 grid in [0, 1)', () => {
    expect(uniformFromBits(0)).toBe(0);
    expect(uniformFromBits(0xffffffff)).toBe(1 - 2 ** -23);
    expect(uniformFromBits(0x6627e8d5)).toBe(3347444 / 8388608);
  });
});

describe('the random primitive', () => {
  it('element i of a uniform draw is Philox counter i, word 0', () => {
    const values = random([3], 'uniform', [0xa4093822, 0x299f31d0]).dataSync();
    for (let i = 0; i < 3; i++) {
      expect(values[i]).toBe(uniformFromBits(philox4x32([i, 0, 0, 0], [0xa4093822, 0x299f31d0])[0]));
    }
  });

  it('is a pure function of the seed', () => {
    const a = random([100], 'normal', [1, 2]).dataSync();
    const b = random([100], 'normal', [1, 2]).dataSync();
    const c = random([100], 'normal', [1, 3]).dataSync();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('a prefix of a larger draw is the smaller draw', () => {
    const small = random([5], 'truncatedNormal', [8, 8]).dataSync();
    const large = random([2, 50], 'truncatedNormal', [8, 8]).dataSync();
    expect(Array.from(large.slice(0, 5))).toEqual(Array.from(small));
  });

  it('uniform samples have mean 1/2 and std 1/sqrt(12) over 10k draws', () => {
    const m = moments(random([10000], 'uniform', [123, 0]).dataSync());
    expect(m.min).toBeGreaterThanOrEqual(0);
    expect(m.max).toBeLessThan(1);
    expect(Math.abs(m.mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(m.std - 1 / Math.sqrt(12))).toBeLessThan(0.01);
  });

  it('normal samples have mean 0 and std 1 over 10k draws', () => {
    const m = moments(random([10000], 'normal', [321, 0]).dataSync());
    expect(Math.abs(m.mean)).toBeLessThan(0.04);
    expect(Math.abs(m.std - 1)).toBeLessThan(0.03);
    expect(m.max).toBeGreaterThan(2.5);
  });

  it('truncated normal samples stay within two stddevs with the truncated std (0.8796)', () => {
    const m = moments(random([10000], 'truncatedNormal', [777, 1]).dataSync());
    expect(m.min).toBeGreaterThan(-2);
    expect(m.max).toBeLessThan(2);
    expect(Math.abs(m.mean)).toBeLessThan(0.04);
    expect(Math.abs(m.std - 0.8796)).toBeLessThan(0.03);
  });

  it('agrees with randomSample (what every backend must compute)', () => {
    const values = random([4], 'normal', [5, 6]).dataSync();
    for (let i = 0; i < 4; i++) expect(values[i]).toBe(Math.fround(randomSample('normal', [5, 6], i)));
  });
});

describe('random composites', () => {
  it('randomUniform scales to [minval, maxval) and draws int32 integers', () => {
    const f = moments(randomUniform([10000], { minval: -2, maxval: 6, seed: 3 }).dataSync());
    expect(f.min).toBeGreaterThanOrEqual(-2);
    expect(f.max).toBeLessThan(6);
    expect(Math.abs(f.mean - 2)).toBeLessThan(0.1);
    const ints = randomUniform([1000], { minval: 0, maxval: 3, dtype: 'int32', seed: 4 });
    expect(ints.dtype).toBe('int32');
    expect(new Set(ints.dataSync())).toEqual(new Set([0, 1, 2]));
  });

  it('randomNormal and truncatedNormal take mean and stddev', () => {
    const n = moments(randomNormal([10000], { mean: 3, stddev: 0.5, seed: 9 }).dataSync());
    expect(Math.abs(n.mean - 3)).toBeLessThan(0.02);
    expect(Math.abs(n.std - 0.5)).toBeLessThan(0.02);
    const t = moments(truncatedNormal([10000], { mean: -1, stddev: 2, seed: 9 }).dataSync());
    expect(t.min).toBeGreaterThan(-5);
    expect(t.max).toBeLessThan(3);
  });

  it('bernoulli gives ones with probability p', () => {
    const values = bernoulli([10000], 0.3, 17).dataSync();
    expect(new Set(values)).toEqual(new Set([0, 1]));
    expect(Math.abs(moments(values).mean - 0.3)).toBeLessThan(0.02);
  });

  it('setSeed makes the following unseeded sequence reproducible', () => {
    setSeed(42);
    const first = [randomNormal([4]).dataSync(), randomUniform([4]).dataSync()].map((v) => Array.from(v));
    setSeed(42);
    const second = [randomNormal([4]).dataSync(), randomUniform([4]).dataSync()].map((v) => Array.from(v));
    expect(second).toEqual(first);
    // Successive unseeded calls differ.
    expect(first[0]).not.toEqual(Array.from(randomNormal([4]).dataSync()));
    setSeed(43);
    expect(Array.from(randomNormal([4]).dataSync())).not.toEqual(first[0]);
  });

  it('leaves no intermediate tensors behind', () => {
    const before = memory().numTensors;
    const t = randomUniform([3], { minval: 1, maxval: 2, dtype: 'int32', seed: 1 });
    expect(memory().numTensors).toBe(before + 1);
    t.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('stateful random ops', () => {
  it('marks ops that drew their seed from the stream, and drawSeed continues that stream', () => {
    const seen: { stateful?: boolean; seed: readonly number[] }[] = [];
    const spy: Interpreter = {
      name: 'spy',
      runOp(op, inputs, attrs, outputs, lower) {
        if (op.name === 'random') seen.push(attrs as { stateful?: boolean; seed: readonly number[] });
        return lower.runOp(op, inputs, attrs, outputs);
      },
    };
    setSeed(3);
    engine.push(spy);
    try {
      randomUniform([2]).dispose();
      randomNormal([2], { seed: 4 }).dispose();
    } finally {
      engine.pop(spy);
    }
    expect(seen.map((a) => a.stateful === true)).toEqual([true, false]);
    setSeed(3);
    expect(drawSeed()).toEqual([...seen[0].seed]);
  });
});
