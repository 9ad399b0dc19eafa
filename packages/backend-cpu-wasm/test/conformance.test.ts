import { engine, getPrimitive, isUnsupported, primitives, type OpName } from '@tessera/core';
import { checkCase, conformanceCases, type ConformanceCase } from '@tessera/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import type { WasmBackend } from '../src/backend.js';

let backend: WasmBackend;

beforeAll(async () => {
  backend = (await engine.setBackend('wasm')) as unknown as WasmBackend;
});

/** Primitives the wasm backend has no kernel for yet, with the reason it gives. */
function unsupportedPrimitives(): Record<string, string> {
  const result: Record<string, string> = {};
  for (const name of Object.keys(primitives) as OpName[]) {
    const kernel = backend.kernels[name];
    if (isUnsupported(kernel)) result[name] = kernel.unsupported;
  }
  return result;
}

/** Whether a case's failure only says that some primitive it reaches (directly or in its gradient) has no wasm kernel. */
function failsOnlyForLackOfKernel(error: unknown): boolean {
  return error instanceof Error && /not supported on backend 'wasm'/.test(error.message);
}

describe('conformance on wasm', () => {
  it('lists the primitives that are still unsupported', () => {
    const unsupported = unsupportedPrimitives();
    console.log(`wasm: ${Object.keys(unsupported).length} unsupported primitives: ${Object.keys(unsupported).join(', ') || 'none'}`);
    // Every listed reason must be a sentence a user can act on.
    for (const reason of Object.values(unsupported)) expect(reason.length).toBeGreaterThan(10);
  });

  const byOp = new Map<string, ConformanceCase[]>();
  for (const c of conformanceCases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

  for (const [op, cases] of byOp) {
    describe(op, () => {
      for (const c of cases) {
        it(c.name, async (context) => {
          const primitive = getPrimitive(c.op);
          if (primitive !== undefined && isUnsupported(backend.kernels[c.op as OpName])) context.skip();
          try {
            await checkCase(c, 'wasm');
          } catch (error) {
            // A case of a supported op may still reach an unsupported primitive (a composite, or a
            // gradient): skip it while that primitive is missing, and fail on anything else.
            if (failsOnlyForLackOfKernel(error) && Object.keys(unsupportedPrimitives()).length > 0) context.skip();
            throw error;
          }
        });
      }
    });
  }
});
