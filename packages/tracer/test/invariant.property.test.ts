import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/core';
import { getBackend, memory, setBackend, tensor, tidy } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import type { Program } from './random-programs.js';
import { assertClose, batchInput, batchProgramArbitrary, meansOverBatch, programArbitrary, programInputs, runBatchProgram, runProgram } from './random-programs.js';
import { trace } from '../src/index.js';

/** The backend under test: `TESSERA_TEST_BACKEND=wasm` runs the invariant on the WASM backend. */
const BACKEND = process.env.TESSERA_TEST_BACKEND ?? 'reference';
const BACKEND_PACKAGES: Record<string, string> = { wasm: '@tessera/backend-cpu-wasm', webgpu: '@tessera/backend-webgpu' };
const NUM_RUNS = Number(process.env.TESSERA_PROPERTY_RUNS ?? 1000);

let counted = 0;

beforeAll(async () => {
  if (BACKEND === 'reference') registerReferenceBackend();
  else await import(/* @vite-ignore */ BACKEND_PACKAGES[BACKEND] ?? BACKEND);
  await setBackend(BACKEND);
});

afterAll(() => {
  // The property really ran its programs (fast-check's numRuns), not fewer.
  expect(counted).toBeGreaterThanOrEqual(NUM_RUNS);
});

function check(program: Program): void {
  counted++;
  const inputs = programInputs(program);
  try {
    const eager = tidy(() => runProgram(program, inputs));
    const expected = eager.map((t) => ({ shape: t.shape, values: t.dataSync() }));
    eager.forEach((t) => t.dispose());
    // Default passes, no passes, and every pass including reduction fusion (prologues).
    for (const optimize of [true, false, { reductionFusion: true }]) {
      const f = trace((...xs: Tensor[]) => runProgram(program, xs), { optimize });
      for (let call = 0; call < 2; call++) {
        const outs = f(...inputs);
        outs.forEach((t, k) => {
          expect(t.shape).toEqual(expected[k].shape);
          assertClose(`optimize=${JSON.stringify(optimize)}, call ${call}, output ${k}`, t.dataSync(), expected[k].values);
          t.dispose();
        });
      }
      expect(f.traceCount).toBe(1);
      f.dispose();
    }
  } finally {
    inputs.forEach((t) => t.dispose());
  }
}

describe(`invariant on '${BACKEND}': trace(f)(x) equals f(x)`, () => {
  it(`holds for ${NUM_RUNS} random programs, with the optimization passes on, off and with reduction fusion, and leaks nothing`, () => {
    expect(getBackend()).toBe(BACKEND);
    const before = memory();
    fc.assert(fc.property(programArbitrary, (program) => check(program)), { numRuns: NUM_RUNS, seed: Number(process.env.TESSERA_PROPERTY_SEED ?? 20261123) });
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  }, 600_000);
});

describe(`invariant on '${BACKEND}' with symbolic batch dimensions`, () => {
  const BATCH_RUNS = Math.max(1, Math.floor(NUM_RUNS / 4));
  it(`holds for ${BATCH_RUNS} random batch programs called with batches 3, 5, 2, 7, 5, tracing at most twice unless the graph depends on the batch size`, () => {
    const weights = tensor(Float32Array.from({ length: 16 }, (_, i) => ((i * 7) % 11) / 5 - 1), [4, 4]);
    const before = memory();
    fc.assert(
      fc.property(batchProgramArbitrary, (program) => {
        const f = trace((x: Tensor) => runBatchProgram(program, x, weights));
        for (const batch of [3, 5, 2, 7, 5]) {
          const x = batchInput(program, batch);
          const expected = tidy(() => runBatchProgram(program, x, weights));
          const actual = f(x);
          expect(actual.shape).toEqual(expected.shape);
          assertClose(`batch ${batch}`, actual.dataSync(), expected.dataSync());
          [x, expected, actual].forEach((t) => t.dispose());
        }
        if (!meansOverBatch(program)) expect(f.traceCount).toBe(2);
        f.dispose();
      }),
      { numRuns: BATCH_RUNS, seed: Number(process.env.TESSERA_PROPERTY_SEED ?? 20261123) },
    );
    weights.dispose();
    expect(memory().numTensors).toBe(before.numTensors - 1);
  }, 600_000);
});
