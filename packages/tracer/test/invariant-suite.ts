import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/core';
import { getBackend, memory, tensor, tidy } from '@tessera/core';
import type { Program } from './random-programs.js';
import { assertClose, batchInput, batchProgramArbitrary, meansOverBatch, programArbitrary, programInputs, runBatchProgram, runProgram } from './random-programs.js';
import { trace } from '../src/index.js';

/**
 * The tracer's invariant, trace(f)(x) equals f(x), as a suite any backend with synchronous reads runs:
 * this package's invariant.property.test.ts on the reference backend, backend-cpu-wasm's on 'wasm'
 * (WebGPU runs an awaiting copy of it in its own package). `select` registers and selects the backend.
 */
export function describeInvariant(backend: string, select: () => Promise<unknown>): void {
  const NUM_RUNS = Number(process.env.TESSERA_PROPERTY_RUNS ?? 1000);
  const BACKEND = backend;

  let counted = 0;

  beforeAll(async () => {
    await select();
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
}
