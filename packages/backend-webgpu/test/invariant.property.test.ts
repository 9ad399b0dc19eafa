import fc from 'fast-check';
import type { Tensor } from '@tessera/core';
import { getBackend, memory, setBackend, tensor, tidy } from '@tessera/core';
import { trace } from '@tessera/tracer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import type { WebGPUBackend } from '../src/index.js';
import type { Program } from './random-programs.js';
import { assertClose, batchInput, batchProgramArbitrary, meansOverBatch, programArbitrary, programInputs, runBatchProgram, runProgram } from './random-programs.js';

/**
 * The tracer's invariant, trace(f)(x) equals f(x), on webgpu: the tracer's property test
 * (packages/tracer/test/invariant.property.test.ts) with reads awaited, since GPU reads are async.
 * Fused regions, epilogues and prologues go through the backend's generated shaders (runFused).
 */
const NUM_RUNS = Number(process.env.TESSERA_PROPERTY_RUNS ?? 1000);
const SEED = Number(process.env.TESSERA_PROPERTY_SEED ?? 20261123);

let backend: WebGPUBackend;
let counted = 0;

beforeAll(async () => {
  backend = (await setBackend('webgpu')) as WebGPUBackend;
});

afterAll(() => {
  // The property really ran its programs (fast-check's numRuns), not fewer.
  expect(counted).toBeGreaterThanOrEqual(NUM_RUNS);
});

async function check(program: Program): Promise<void> {
  counted++;
  const inputs = programInputs(program);
  try {
    const eager = tidy(() => runProgram(program, inputs));
    const expected = await Promise.all(eager.map(async (t) => ({ shape: t.shape, values: await t.data() })));
    eager.forEach((t) => t.dispose());
    // Default passes, no passes, and every pass including reduction fusion (prologues).
    for (const optimize of [true, false, { reductionFusion: true }]) {
      const f = trace((...xs: Tensor[]) => runProgram(program, xs, true), { optimize });
      for (let call = 0; call < 2; call++) {
        const outs = f(...inputs);
        for (let k = 0; k < outs.length; k++) {
          const t = outs[k];
          expect(t.shape).toEqual(expected[k].shape);
          assertClose(`optimize=${JSON.stringify(optimize)}, call ${call}, output ${k}`, await t.data(), expected[k].values);
          t.dispose();
        }
      }
      expect(f.traceCount).toBe(1);
      f.dispose();
    }
  } finally {
    inputs.forEach((t) => t.dispose());
  }
}

describe("invariant on 'webgpu': trace(f)(x) equals f(x)", () => {
  it(`holds for ${NUM_RUNS} random programs, with the optimization passes on, off and with reduction fusion, and leaks nothing`, async () => {
    expect(getBackend()).toBe('webgpu');
    const before = memory();
    const storages = backend.stats().storages;
    await fc.assert(fc.asyncProperty(programArbitrary, (program) => check(program)), { numRuns: NUM_RUNS, seed: SEED });
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(backend.stats().storages).toBe(storages);
  });
});

describe("invariant on 'webgpu' with symbolic batch dimensions", () => {
  const BATCH_RUNS = Math.max(1, Math.floor(NUM_RUNS / 4));
  it(`holds for ${BATCH_RUNS} random batch programs called with batches 3, 5, 2, 7, 5, tracing at most twice unless the graph depends on the batch size`, async () => {
    const weights = tensor(Float32Array.from({ length: 16 }, (_, i) => ((i * 7) % 11) / 5 - 1), [4, 4]);
    const before = memory();
    await fc.assert(
      fc.asyncProperty(batchProgramArbitrary, async (program) => {
        // The weights are an argument: capturing an eager tensor makes the tracer read it on the host.
        const f = trace((x: Tensor, w: Tensor) => runBatchProgram(program, x, w, true));
        for (const batch of [3, 5, 2, 7, 5]) {
          const x = batchInput(program, batch);
          const expected = tidy(() => runBatchProgram(program, x, weights));
          const actual = f(x, weights);
          expect(actual.shape).toEqual(expected.shape);
          assertClose(`batch ${batch}`, await actual.data(), await expected.data());
          [x, expected, actual].forEach((t) => t.dispose());
        }
        if (!meansOverBatch(program)) expect(f.traceCount).toBe(2);
        f.dispose();
      }),
      { numRuns: BATCH_RUNS, seed: SEED },
    );
    weights.dispose();
    expect(memory().numTensors).toBe(before.numTensors - 1);
  });
});
