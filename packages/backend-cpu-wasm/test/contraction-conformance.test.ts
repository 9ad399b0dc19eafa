import { engine } from '@tessera/core';
import { checkCase, conformanceCases } from '@tessera/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';

/** The contraction primitives this backend implements with its GEMM, and the composite built on them. */
const OPS = new Set(['matMul', 'conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter', 'depthwiseConv2d']);
const cases = conformanceCases.filter((c) => OPS.has(c.op));

beforeAll(async () => {
  await engine.setBackend('wasm');
});

describe('contraction conformance on wasm', () => {
  it('covers every contraction op', () => {
    expect(new Set(cases.map((c) => c.op))).toEqual(OPS);
  });

  for (const c of cases) {
    it(c.name, async () => {
      await checkCase(c, 'wasm');
    });
  }
});
