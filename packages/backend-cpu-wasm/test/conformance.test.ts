import { engine, isUnsupported, primitives, type OpName } from '@tessera/core';
import { checkCase, conformanceCases, type ConformanceCase } from '@tessera/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import type { WasmBackend } from '../src/backend.js';

let backend: WasmBackend;

beforeAll(async () => {
  backend = (await engine.setBackend('wasm')) as unknown as WasmBackend;
});

describe('conformance on wasm', () => {
  it('has a kernel for every primitive in the registry', () => {
    const unsupported = (Object.keys(primitives) as OpName[]).filter((name) => isUnsupported(backend.kernels[name]));
    expect(unsupported).toEqual([]);
  });

  const byOp = new Map<string, ConformanceCase[]>();
  for (const c of conformanceCases) byOp.set(c.op, [...(byOp.get(c.op) ?? []), c]);

  for (const [op, cases] of byOp) {
    describe(op, () => {
      for (const c of cases) {
        it(c.name, async () => {
          await checkCase(c, 'wasm');
        });
      }
    });
  }
});
