// End to end: functions traced with @tessera/tracer run their fused regions through the wasm
// backend's runFused, and give the eager results bit for bit.
import type { Backend, Tensor } from '@tessera/core';
import { add, cast, exp, gelu, greater, matMul, max, memory, mul, relu, setBackend, sigmoid, sub, sum, tanh, tensor, tidy, where } from '@tessera/core';
import { trace } from '@tessera/tracer';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import '../src/index.js';

let backend: Backend;

beforeAll(async () => {
  backend = await setBackend('wasm');
});

afterEach(() => {
  vi.restoreAllMocks();
});

function values(n: number, seed: number, scale = 4): number[] {
  let s = seed;
  return Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * scale);
}

/**
 * Runs `fn` eagerly and traced, with runFused watched on the first traced call (it traces, then runs
 * the graph on the kernels while the backend records it); the second call replays that record.
 * `traced` is the replayed call's values, which must also be the first call's.
 */
function tracedAndEager<A extends Tensor[]>(fn: (...args: A) => Tensor | Tensor[], args: A, options: Parameters<typeof trace>[1] = {}) {
  const eager = tidy(() => [fn(...args)].flat().map((t) => Array.from(t.dataSync())));
  const f = trace(fn, options);
  const spy = vi.spyOn(backend, 'runFused');
  spy.mockClear();
  const first = tidy(() => [f(...args)].flat().map((t) => Array.from(t.dataSync())));
  const fusedCalls = spy.mock.calls.length;
  const traced = tidy(() => [f(...args)].flat().map((t) => Array.from(t.dataSync())));
  expect(first).toEqual(traced);
  return { eager, traced, fusedCalls, graph: f.graphFor(...args).toString() };
}

describe('trace(f) on the wasm backend runs fused regions through runFused', () => {
  it('gelu(x·a + b), exact and approximate, equals eager bit for bit in one fused region', () => {
    const x = tensor(values(64 * 300, 1), [64, 300]);
    const a = tensor(values(300, 2), [300]);
    const b = tensor(values(300, 3), [300]);
    for (const approximate of [false, true]) {
      const { eager, traced, fusedCalls, graph } = tracedAndEager((x: Tensor, a: Tensor, b: Tensor) => gelu(add(mul(x, a), b), approximate), [x, a, b]);
      expect(traced).toEqual(eager);
      expect(fusedCalls).toBe(1);
      // The graph's nodes: constants and one fused region holding the whole chain.
      const nodes = [...graph.matchAll(/^ {2}%\d+: \S+ = (\w+)\(/gm)].map((m) => m[1]);
      expect(nodes.filter((op) => op !== 'constant')).toEqual(['fused']);
    }
  });

  it('chains with comparisons, where, casts and several outputs equal eager', () => {
    const x = tensor(values(1000, 4), [10, 100]);
    const y = tensor(values(100, 5), [100]);
    const chain = (x: Tensor, y: Tensor) => {
      const s = add(mul(relu(x), sigmoid(y)), where(greater(x, 0), x, mul(x, 0.1)));
      const t = tanh(sub(s, y));
      return [t, s, cast(greater(t, 0), 'int32')];
    };
    const { eager, traced, fusedCalls } = tracedAndEager(chain, [x, y]);
    expect(traced).toEqual(eager);
    expect(fusedCalls).toBeGreaterThanOrEqual(1);
  });

  it('int32 chains equal eager', () => {
    const i = tensor(values(777, 6, 100).map(Math.round), [777], 'int32');
    const j = tensor([3], [1], 'int32');
    const { eager, traced, fusedCalls } = tracedAndEager((i: Tensor, j: Tensor) => relu(sub(mul(i, j), add(i, 7))), [i, j]);
    expect(traced).toEqual(eager);
    expect(fusedCalls).toBe(1);
  });

  it('reduction prologues (reductionFusion) run through runFused and equal eager', () => {
    const x = tensor(values(40 * 130, 8), [40, 130]);
    const y = tensor(values(130, 9), [130]);
    const fn = (x: Tensor, y: Tensor) => [sum(mul(exp(x), y), 1), max(tanh(sub(x, y)), 0)];
    const { eager, traced, fusedCalls, graph } = tracedAndEager(fn, [x, y], { optimize: { reductionFusion: true } });
    expect(graph).toMatch(/prologue/);
    expect(fusedCalls).toBe(2);
    // The reduction order is the kernel's in both runs; only the prologue's way of computing differs.
    expect(traced).toEqual(eager);
  });

  it('a warm traced call leaves no storage behind', () => {
    const x = tensor(values(5000, 7), [5000]);
    const f = trace((x: Tensor) => gelu(mul(x, 1.5)));
    f(x).dispose();
    const before = memory().numBytes;
    for (let k = 0; k < 20; k++) f(x).dispose();
    expect(memory().numBytes).toBe(before);
  });
});

describe('trace(f) on the wasm backend runs a contraction and its epilogue in one pass', () => {
  it('a dense layer (matMul + bias + relu) calls runContractionWithEpilogue, not runFused, and equals eager bit for bit', () => {
    const dense = (x: Tensor, w: Tensor, b: Tensor) => relu(add(matMul(x, w), b));
    const w = tensor(values(64 * 48, 10), [64, 48]);
    const b = tensor(values(48, 11), [48]);
    for (const rows of [1, 5, 33]) {
      const x = tensor(values(rows * 64, 12 + rows), [rows, 64]);
      const eager = tidy(() => Array.from(dense(x, w, b).dataSync()));
      const f = trace(dense);
      const fused = vi.spyOn(backend as Backend & { runContractionWithEpilogue: (...args: never[]) => unknown }, 'runContractionWithEpilogue');
      const regions = vi.spyOn(backend, 'runFused');
      // The first call runs the graph on the kernels (and records it); the second replays the record.
      const first = tidy(() => Array.from(f(x, w, b).dataSync()));
      expect(fused).toHaveBeenCalledTimes(1);
      expect(regions).not.toHaveBeenCalled();
      const traced = tidy(() => Array.from(f(x, w, b).dataSync()));
      expect(first).toEqual(eager);
      expect(traced).toEqual(eager);
      vi.restoreAllMocks();
      f.dispose();
      x.dispose();
    }
    w.dispose();
    b.dispose();
  });
});

