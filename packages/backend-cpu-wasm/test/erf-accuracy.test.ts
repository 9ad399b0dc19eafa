// The wasm erf is an f32 polynomial pipeline (assembly/erf.ts), not the reference's f64 series: it
// must stay within 7 units in the last place of the reference everywhere, and its
// vector lanes and scalar tail must agree with each other.
import { engine, erf, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';

beforeAll(() => {
  registerReferenceBackend();
});

afterAll(async () => {
  await engine.setBackend('wasm');
});

const f32Bits = (x: number) => new Uint32Array(Float32Array.of(x).buffer)[0];

async function erfOn(backend: string, xs: Float32Array): Promise<Float32Array> {
  await engine.setBackend(backend);
  const x = tensor(xs, [xs.length]);
  const y = erf(x);
  try {
    return Float32Array.from(await y.data());
  } finally {
    x.dispose();
    y.dispose();
  }
}

describe('erf on wasm', () => {
  it('is within 7 ulp of the reference over [-5, 5], tiny values and the region boundaries', async () => {
    const values: number[] = [];
    for (let i = -500_000; i <= 500_000; i += 7) values.push(i / 100_000);
    for (const boundary of [1, 4]) {
      let below = Math.fround(boundary);
      let above = below;
      for (let k = 0; k < 8; k++) {
        below = Math.fround(below - below * 2 ** -23);
        above = Math.fround(above + above * 2 ** -23);
        values.push(below, above, -below, -above);
      }
    }
    for (let e = -40; e <= -1; e++) values.push(2 ** e, -(2 ** e), 3 * 2 ** e);
    const xs = Float32Array.from(values);
    const expected = await erfOn('reference', xs);
    const actual = await erfOn('wasm', xs);
    let worst = 0;
    let worstAt = 0;
    for (let i = 0; i < xs.length; i++) {
      const ulps = Math.abs(f32Bits(actual[i]) - f32Bits(expected[i]));
      if (Math.sign(actual[i]) !== Math.sign(expected[i])) throw new Error(`erf(${xs[i]}): sign differs (${actual[i]} vs ${expected[i]})`);
      if (ulps > worst) {
        worst = ulps;
        worstAt = i;
      }
    }
    expect(worst, `worst at erf(${xs[worstAt]}): ${actual[worstAt]} vs ${expected[worstAt]}`).toBeLessThanOrEqual(7);
  });

  it('gives the same bits in the vector loop and in the scalar tail', async () => {
    // Seven copies of the same 13 values: offsets 0..6 put each value in both loops.
    const base = [0.3, -0.7, 0.9999, 1.0001, 2.5, -3.7, 3.99, 4.2, 1e-30, -0, 0.05, 6, -1.5];
    const xs = Float32Array.from(Array.from({ length: 7 }, (_, k) => [...Array(k).fill(0), ...base]).flat());
    const ys = await erfOn('wasm', xs);
    const bitsOf = new Map<number, number>();
    xs.forEach((x, i) => {
      const bits = f32Bits(ys[i]);
      const seen = bitsOf.get(f32Bits(x));
      if (seen === undefined) bitsOf.set(f32Bits(x), bits);
      else expect(bits, `erf(${x})`).toBe(seen);
    });
    expect(bitsOf.size).toBe(base.length + 1); // the padding's +0 besides the -0 of base
  });
});
