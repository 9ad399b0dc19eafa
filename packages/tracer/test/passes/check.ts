import type { Graph, TypedArray } from '@tessera/core';
import { expect } from 'vitest';
import { verifyEffectsPreserved, verifyGraph } from '../../src/passes/verify.js';
import { evaluateGraph } from './evaluate.js';

/** Deterministic input data for every graph input: floats in [-2, 2), ints in [-5, 5], bools. */
export function sampleInputs(graph: Graph, seed = 1): TypedArray[] {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  return graph.inputs.map((id) => {
    const value = graph.values.get(id)!;
    const size = value.shape.reduce<number>((p, d) => p * (d ?? 1), 1);
    if (value.dtype === 'float32') return Float32Array.from({ length: size }, () => Math.round((next() * 4 - 2) * 64) / 64);
    if (value.dtype === 'int32') return Int32Array.from({ length: size }, () => Math.floor(next() * 11) - 5);
    return Uint8Array.from({ length: size }, () => (next() < 0.5 ? 1 : 0));
  });
}

/** Exact or near-exact equality of two runs' results (the reference backend is deterministic). */
export function expectSameValues(actual: readonly TypedArray[], expected: readonly TypedArray[], tolerance = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, k) => {
    const e = expected[k];
    expect(a.constructor.name).toBe(e.constructor.name);
    expect(a.length).toBe(e.length);
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(e[i])) expect(Number.isNaN(a[i])).toBe(true);
      else if (a[i] !== e[i]) expect(Math.abs(a[i] - e[i])).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(e[i])));
    }
  });
}

/**
 * The check every pass test ends with: the result verifies, keeps the effects of the original,
 * and computes the same outputs and final variable state on the same inputs. `verify = false`
 * skips verifyGraph, for graphs outside the tracer's contract that a pass must still handle.
 */
export function expectPreserved(before: Graph, after: Graph, variables: ReadonlyMap<unknown, TypedArray> = new Map(), seed = 1, verify = true): void {
  if (verify) {
    verifyGraph(before);
    verifyGraph(after);
  }
  verifyEffectsPreserved(before, after);
  const inputs = sampleInputs(before, seed);
  const a = evaluateGraph(before, inputs, variables);
  const b = evaluateGraph(after, inputs, variables);
  expectSameValues(b.outputs, a.outputs);
  for (const [variable, value] of a.variables) expectSameValues([b.variables.get(variable)!], [value]);
}
