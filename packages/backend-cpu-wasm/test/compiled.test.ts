// Traced graphs on the wasm backend are recorded on their first run with each set of input shapes
// and replayed after (src/graph-executable.ts). Every test compares replayed calls with eager ones.
import type { Tensor } from '@tessera/core';
import { add, engine, gelu, matMul, memory, mul, randomUniform, relu, setSeed, sigmoid, softmax, split, sum, tanh, tensor, tidy, variable } from '@tessera/core';
import { seededRandom } from '@tessera/core/testing';
import { cond, trace } from '@tessera/tracer';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WasmBackend, setThreads } from '../src/index.js';
import { WasmGraphExecutable } from '../src/graph-executable.js';
import { contextOf, uniformTensor } from './helpers.js';

let backend: WasmBackend;
const random = seededRandom(2026_12_08);

const randomTensor = (shape: number[]): Tensor => uniformTensor(random, shape);

const valuesOf = (t: Tensor) => Array.from(t.dataSync());


beforeAll(async () => {
  backend = (await engine.setBackend('wasm')) as unknown as WasmBackend;
});

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await setThreads(1);
});

/** An LSTM cell unrolled over a few steps: many small nodes, the case replay is for. */
function lstm(x: Tensor, kernel: Tensor, recurrent: Tensor, bias: Tensor): Tensor {
  const [steps, units] = [x.shape[1], recurrent.shape[0]];
  let h = tensor(new Float32Array(units), [1, units]);
  let c = tensor(new Float32Array(units), [1, units]);
  for (const frame of split(x, steps, 1)) {
    const z = add(add(matMul(frame.reshape([1, x.shape[2]]), kernel), matMul(h, recurrent)), bias);
    const [i, f, g, o] = split(z, 4, -1);
    c = add(mul(sigmoid(f), c), mul(sigmoid(i), tanh(g)));
    h = mul(sigmoid(o), tanh(c));
  }
  return h;
}

describe('wasm compiled graphs: recorded once, replayed', () => {
  it('replayed calls equal eager ones, with the same input tensors and with new ones each call', () => {
    const weights = [randomTensor([6, 32]), randomTensor([8, 32]), randomTensor([32])];
    const f = trace(lstm);
    const runFused = vi.spyOn(backend, 'runFused');
    for (let call = 0; call < 6; call++) {
      // Calls 0-2 pass one x (read where it lives); calls 3-5 a new x each (staged into the tape).
      const x = call < 3 && call > 0 ? sameX! : randomTensor([1, 5, 6]);
      if (call === 0) sameX = x;
      const eager = tidy(() => valuesOf(lstm(x, ...(weights as [Tensor, Tensor, Tensor]))));
      runFused.mockClear();
      const traced = tidy(() => valuesOf(f(x, ...(weights as [Tensor, Tensor, Tensor]))));
      expect(traced).toEqual(eager);
      // The first call runs the graph on the kernels (recording it); calls 1, 2 and 4, 5 replay.
      // Call 3 meets x somewhere else and records again, x staged from then on.
      expect(runFused.mock.calls.length > 0).toBe(call === 0 || call === 3);
      if (call >= 3) x.dispose();
    }
    expect(f.traceCount).toBe(1);
    sameX!.dispose();
    f.dispose();
    weights.forEach((w) => w.dispose());
  });

  it('outputs are fresh tensors: a later call does not overwrite an earlier result', () => {
    const w = randomTensor([16, 16]);
    const f = trace((x: Tensor) => relu(matMul(x, w)));
    const x1 = randomTensor([4, 16]);
    const x2 = randomTensor([4, 16]);
    const y1 = f(x1);
    const y2 = f(x2);
    const y3 = f(x1);
    expect(valuesOf(y1)).toEqual(tidy(() => valuesOf(relu(matMul(x1, w)))));
    expect(valuesOf(y2)).toEqual(tidy(() => valuesOf(relu(matMul(x2, w)))));
    expect(valuesOf(y3)).toEqual(valuesOf(y1));
    [y1, y2, y3, x1, x2, w].forEach((t) => t.dispose());
    f.dispose();
  });

  it('an input returned unchanged is a copy of that call\'s input (the input is staged)', () => {
    const w = randomTensor([8, 4]);
    const f = trace((x: Tensor) => [x, matMul(x, w)]);
    const kept = randomTensor([3, 8]);
    const calls = vi.spyOn(contextOf(backend), 'call');
    const ranKernels: boolean[] = [];
    for (let call = 0; call < 6; call++) {
      // Calls 0-2 pass one tensor, later calls new ones.
      const x = call < 3 ? kept : randomTensor([3, 8]);
      calls.mockClear();
      const [same, product] = f(x);
      ranKernels.push(calls.mock.calls.length > 0);
      expect(valuesOf(same)).toEqual(valuesOf(x));
      expect(valuesOf(product)).toEqual(tidy(() => valuesOf(matMul(x, w))));
      [same, product].forEach((t) => t.dispose());
      if (x !== kept) x.dispose();
    }
    // Call 0 finds x returned as it is (x is staged from then on), call 1 records, the rest replay.
    expect(ranKernels).toEqual([true, true, false, false, false, false]);
    expect(valuesOf(kept).length).toBe(24);
    [kept, w].forEach((t) => t.dispose());
    f.dispose();
  });

  it('data-dependent control flow is not replayed: each call takes the branch its predicate picks', () => {
    const f = trace((x: Tensor) => cond(sum(x).greater(0), () => mul(x, 2), () => mul(x, -3)));
    for (const sign of [1, 1, -1, 1, -1, -1]) {
      const x = tensor([sign * 1, sign * 2, sign * 0.5]);
      expect(valuesOf(f(x))).toEqual(sign > 0 ? [sign * 2, sign * 4, sign * 1] : [sign * -3, sign * -6, sign * -1.5]);
      x.dispose();
    }
    f.dispose();
  });

  it('variable reads see each new value and assigns happen on every replayed call', () => {
    const v = variable(tensor([1, 2, 3]));
    const step = trace((x: Tensor) => {
      v.assign(add(mul(v, 0.5), x));
      return sum(v);
    });
    const x = tensor([1, 1, 1]);
    let expected = [1, 2, 3];
    for (let call = 0; call < 5; call++) {
      expected = expected.map((e) => e * 0.5 + 1);
      const total = step(x);
      expect(valuesOf(v)).toEqual(expected);
      expect(total.dataSync()[0]).toBeCloseTo(expected.reduce((a, b) => a + b), 5);
      total.dispose();
    }
    [x, v].forEach((t) => t.dispose());
    step.dispose();
  });

  it('random ops that draw a seed per call are replayed with the seeds eager calls draw; seeded ones repeat', () => {
    const x = randomTensor([256]);
    // Dropout-like: a fresh mask on every call, then work on it.
    const dropout = (x: Tensor) => sum(mul(x, randomUniform([256]).greater(0.5).cast('float32')));
    const draws = (run: () => Tensor) => Array.from({ length: 5 }, () => tidy(() => valuesOf(run())));
    setSeed(5);
    const eager = draws(() => dropout(x));
    setSeed(5);
    const f = trace(dropout);
    const calls = vi.spyOn(contextOf(backend), 'call');
    const traced = draws(() => f(x));
    // Calls 1-4 replay (no kernel runs through the context), each with a new seed.
    expect(calls.mock.calls.length).toBeGreaterThan(0);
    calls.mockClear();
    expect(traced).toEqual(eager);
    expect(new Set(traced.map(String)).size).toBe(5);
    const moreTraced = draws(() => f(x));
    expect(calls).not.toHaveBeenCalled();
    expect(new Set([...traced, ...moreTraced].map(String)).size).toBe(10);
    const seeded = trace(() => randomUniform([64], { seed: 9 }));
    const [c, d] = [seeded(), seeded()];
    expect(valuesOf(c)).toEqual(valuesOf(d));
    [c, d, x].forEach((t) => t.dispose());
    f.dispose();
    seeded.dispose();
  });

  it('warm calls leave tensor count and bytes flat, and dispose gives the tape blocks back', () => {
    const weights = [randomTensor([6, 32]), randomTensor([8, 32]), randomTensor([32])];
    const x = randomTensor([1, 5, 6]);
    const heapBefore = backend.heapInfo().reservedBytes;
    const f = trace((x: Tensor) => softmax(gelu(lstm(x, ...(weights as [Tensor, Tensor, Tensor])))));
    f(x).dispose();
    const before = memory();
    const heapWarm = backend.heapInfo().reservedBytes;
    for (let call = 0; call < 2000; call++) f(x).dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    expect(backend.heapInfo().reservedBytes).toBe(heapWarm);
    f.dispose();
    expect(backend.heapInfo().reservedBytes).toBeLessThanOrEqual(heapBefore);
    [x, ...weights].forEach((t) => t.dispose());
  });

  it('a tape recorded on 2 threads replays on them, and records again after the thread count changes', async () => {
    const w = randomTensor([256, 256]);
    const x = randomTensor([64, 256]);
    const dense = (x: Tensor) => relu(add(matMul(x, w), 0.1));
    const expected = tidy(() => valuesOf(dense(x)));
    const f = trace(dense);
    const runs: number[][] = [];
    for (const threads of [2, 2, 1, 1, 2]) {
      await setThreads(threads);
      runs.push(tidy(() => valuesOf(f(x))));
    }
    for (const run of runs) expect(run).toEqual(expected);
    [x, w].forEach((t) => t.dispose());
    f.dispose();
  });
});

describe('wasm compiled graphs: batch-1 products over weight inputs read a packed copy', () => {
  /** Checks, per replayed step, of each packed matrix (packing it when needed). */
  const packedProducts = () => vi.spyOn(WasmGraphExecutable.prototype as unknown as { packed: (matrix: object, input: unknown) => boolean }, 'packed');
  const dense = (x: Tensor, w: Tensor, b: Tensor) => relu(add(matMul(x, w), b));

  // On one thread: products split over thread lanes are replayed as recorded.
  beforeAll(async () => {
    await setThreads(1);
  });

  // Widths mixing every panel kind (24, 8, 4, 1); each matrix over the size packing starts at.
  it.each([[257, 135], [784, 512], [600, 61]])('x [1,%i] · w with %i columns, + bias, relu: every replay equals eager bit for bit', (k, n) => {
    const [w, b] = [randomTensor([k, n]), randomTensor([n])];
    const heapBefore = backend.heapInfo().reservedBytes;
    const f = trace(dense);
    const packed = packedProducts();
    for (let call = 0; call < 4; call++) {
      const x = randomTensor([1, k]);
      expect(tidy(() => valuesOf(f(x, w, b)))).toEqual(tidy(() => valuesOf(dense(x, w, b))));
      x.dispose();
    }
    // Call 0 records, calls 1-3 replay (each x made where the last one was freed), packed.
    expect(packed).toHaveBeenCalledTimes(3);
    // The packed copy is the record's: held while the function lives, given back with it.
    expect(backend.heapInfo().reservedBytes).toBeGreaterThanOrEqual(heapBefore + k * n * 4);
    f.dispose();
    expect(backend.heapInfo().reservedBytes).toBeLessThanOrEqual(heapBefore);
    [w, b].forEach((t) => t.dispose());
  });

  it('on 2 threads each thread\'s columns are a packed matrix of their own: replays equal eager bit for bit', async () => {
    await setThreads(2);
    try {
      // 1M multiply-adds: enough for the product to be split over the threads.
      const [w, b] = [randomTensor([1024, 1024]), randomTensor([1024])];
      const f = trace(dense);
      const packed = packedProducts();
      for (let call = 0; call < 3; call++) {
        const x = randomTensor([1, 1024]);
        expect(tidy(() => valuesOf(f(x, w, b)))).toEqual(tidy(() => valuesOf(dense(x, w, b))));
        x.dispose();
      }
      // Two replays, two matrices each (one per thread's half of the columns).
      expect(packed).toHaveBeenCalledTimes(4);
      expect(new Set(packed.mock.calls.map(([matrix]) => matrix)).size).toBe(2);
      f.dispose();
      [w, b].forEach((t) => t.dispose());
    } finally {
      await setThreads(1);
    }
  });

  it('a weight freed and another made in its block is packed again: replays see the new values', () => {
    const x = randomTensor([1, 300]);
    const b = randomTensor([200]);
    let w = randomTensor([300, 200]);
    const f = trace(dense);
    for (let call = 0; call < 6; call++) {
      if (call === 2 || call === 4) {
        const address = contextOf(backend).address(w.dataId);
        w.dispose();
        w = randomTensor([300, 200]);
        // The case under test: same address (the tape does not record again), other values.
        expect(contextOf(backend).address(w.dataId)).toBe(address);
      }
      expect(tidy(() => valuesOf(f(x, w, b)))).toEqual(tidy(() => valuesOf(dense(x, w, b))));
    }
    f.dispose();
    [x, b, w].forEach((t) => t.dispose());
  });

  it('a weight replaced on every call (training) stops being packed and reads in place', () => {
    const x = randomTensor([1, 300]);
    const b = randomTensor([200]);
    let w = randomTensor([300, 200]);
    const f = trace(dense);
    const packed = packedProducts();
    const context = contextOf(backend);
    const replayed = vi.spyOn(context, 'replay');
    const plainProducts = () => replayed.mock.calls.filter(([op]) => op.kind === 'call' && op.fn === context.exports.vecmat_f32).length;
    const inPlace: number[] = [];
    for (let call = 0; call < 8; call++) {
      const address = context.address(w.dataId);
      w.dispose();
      w = randomTensor([300, 200]);
      expect(context.address(w.dataId)).toBe(address);
      expect(tidy(() => valuesOf(f(x, w, b)))).toEqual(tidy(() => valuesOf(dense(x, w, b))));
      inPlace.push(plainProducts());
    }
    // Call 0 records; replays 1-3 pack (the first time, then twice again); from call 4 the product
    // reads w in place, as recorded.
    expect(packed).toHaveBeenCalledTimes(7);
    expect(inPlace).toEqual([0, 0, 0, 0, 1, 2, 3, 4]);
    f.dispose();
    [x, b, w].forEach((t) => t.dispose());
  });
});

let sameX: Tensor | undefined;
