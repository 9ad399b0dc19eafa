// Kernels whose results must equal the reference backend's bit for bit, not just within the
// conformance tolerance: the Philox random stream (a seed means the same numbers everywhere), and
// the kernels that accumulate in f64 in the reference's order (pooling and its gradients, forward
// cumsum).
import {
  avgPool,
  avgPoolGrad,
  bernoulli,
  cumsum,
  engine,
  exp,
  log,
  maxPool,
  maxPoolGrad,
  prod,
  random,
  randomNormal,
  randomUniform,
  sigmoid,
  sum,
  tanh,
  tensor,
  truncatedNormal,
  type Tensor,
} from '@tessera/core';
import { registerReferenceBackend, seededRandom } from '@tessera/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';

beforeAll(() => {
  registerReferenceBackend();
});

afterAll(async () => {
  await engine.setBackend('wasm');
});

/** Runs `make` on a backend and returns the bits of its float32 result. */
async function bitsOn(backend: string, make: () => Tensor): Promise<Uint32Array> {
  await engine.setBackend(backend);
  const t = engine.tidy(make);
  try {
    const values = await t.data();
    return new Uint32Array(Float32Array.from(values).buffer);
  } finally {
    t.dispose();
  }
}

async function expectSameBits(make: () => Tensor): Promise<void> {
  const expected = await bitsOn('reference', make);
  const actual = await bitsOn('wasm', make);
  expect(actual.length).toBe(expected.length);
  const firstDifference = actual.findIndex((bits, i) => bits !== expected[i]);
  expect(firstDifference).toBe(-1);
}

function values(length: number, seed: number, low = -2, high = 2): Float32Array {
  const next = seededRandom(seed);
  return Float32Array.from({ length }, () => low + (high - low) * next());
}

describe('random on wasm reproduces core Philox stream bit for bit', () => {
  for (const distribution of ['uniform', 'normal', 'truncatedNormal'] as const) {
    for (const seed of [[0, 0], [42, 7], [0xffffffff, 0x80000000]] as const) {
      it(`${distribution} with seed [${seed.join(', ')}], 5000 samples`, async () => {
        await expectSameBits(() => random([50, 100], distribution, seed));
      });
    }
  }

  it('the composites on top of it: randomUniform, randomNormal, truncatedNormal, bernoulli', async () => {
    await expectSameBits(() => randomUniform([1000], { minval: -3, maxval: 5, seed: [3, 4] }));
    await expectSameBits(() => randomNormal([1000], { mean: 1, stddev: 2, seed: [5, 6] }));
    await expectSameBits(() => truncatedNormal([1000], { seed: [7, 8] }));
    await expectSameBits(() => bernoulli([1000], 0.3, [9, 10]).cast('float32'));
  });

  it('differs between seeds', async () => {
    const a = await bitsOn('wasm', () => random([64], 'uniform', [1, 0]));
    const b = await bitsOn('wasm', () => random([64], 'uniform', [2, 0]));
    expect(a.some((bits, i) => bits !== b[i])).toBe(true);
  });
});

describe('pooling on wasm equals the reference bit for bit', () => {
  const shape = [2, 9, 11, 7];
  const x = values(2 * 9 * 11 * 7, 17);
  for (const options of [
    { poolSize: 3, strides: 2, padding: 'same' as const },
    { poolSize: [2, 3] as [number, number], strides: 1, padding: 'valid' as const },
  ]) {
    const label = JSON.stringify(options);
    it(`maxPool and avgPool ${label}`, async () => {
      await expectSameBits(() => maxPool(tensor(x, shape), options));
      await expectSameBits(() => avgPool(tensor(x, shape), options));
    });

    it(`maxPoolGrad and avgPoolGrad ${label}`, async () => {
      await engine.setBackend('reference');
      const outShape = engine.tidy(() => maxPool(tensor(x, shape), options).shape);
      const dy = values(outShape.reduce((a, b) => a * b, 1), 23);
      await expectSameBits(() => maxPoolGrad(tensor(dy, outShape), tensor(x, shape), options));
      await expectSameBits(() => avgPoolGrad(tensor(dy, outShape), shape, options));
    });
  }
});

describe('cumsum on wasm', () => {
  const x = values(5 * 300 * 3, 31, -1000, 1000);
  it('forward, inclusive and exclusive, equals the reference bit for bit', async () => {
    await expectSameBits(() => cumsum(tensor(x, [5, 300, 3]), 1));
    await expectSameBits(() => cumsum(tensor(x, [5, 900]), 1, true));
  });
});

describe('float32 sum and prod over leading axes on wasm', () => {
  it('accumulate each output cell in the reference order, in f64: the same bits', async () => {
    const x = values(300 * 7, 41, -3, 3);
    await expectSameBits(() => sum(tensor(x, [300, 7]), 0));
    await expectSameBits(() => sum(tensor(x, [20, 15, 7]), [0, 1]));
    const near1 = values(40 * 9, 43, 0.9, 1.1);
    await expectSameBits(() => prod(tensor(near1, [40, 9]), 0));
  });
});

describe('v128 exp, log, sigmoid and tanh (f64x2 inside, one rounding) on wasm', () => {
  const n = 100_000;
  it('exp over [-110, 95) equals the reference bit for bit', async () => {
    const x = values(n, 51, -110, 95);
    await expectSameBits(() => exp(tensor(x)));
  });

  it('log over magnitudes from 1e-37 to 1e37 equals the reference bit for bit', async () => {
    const x = values(n, 53, -85, 85).map(Math.exp);
    await expectSameBits(() => log(tensor(x)));
  });

  it('sigmoid over [-40, 40) equals the reference bit for bit', async () => {
    const x = values(n, 57, -40, 40);
    await expectSameBits(() => sigmoid(tensor(x)));
  });

  it('tanh over [-10, 10) and near 0 equals the reference bit for bit', async () => {
    await expectSameBits(() => tanh(tensor(values(n, 59, -10, 10))));
    await expectSameBits(() => tanh(tensor(values(n, 61, -0.3, 0.3))));
  });
});
