import type { Padding, Tensor } from '@tessera/core';
import { ArgumentError, add, all, any, greater, max, mean, min, prod, reshape, sum, conv2d, conv2dBackpropFilter, conv2dBackpropInput, depthwiseConv2d, engine, exp, gelu, matMul, mul, sigmoid, sub, tanh, tensor } from '@tessera/core';
import { trace } from '@tessera/tracer';
import { seededRandom } from '@tessera/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { WasmBackend, getThreads, setThreads } from '../src/index.js';
import { lanesOf } from '../src/threads/lanes.js';
import { contextOf, uniformTensor } from './helpers.js';

let backend: WasmBackend;
const random = seededRandom(77);

const randomTensor = (shape: number[]): Tensor => uniformTensor(random, shape);


/** Runs `compute` with 1 and then 2 threads and returns both results' values. */
async function oneAndTwo(compute: () => Tensor): Promise<[Float32Array, Float32Array]> {
  await setThreads(1);
  const one = compute();
  await setThreads(2);
  expect(lanesOf(contextOf(backend)).count).toBe(2);
  const two = compute();
  const result: [Float32Array, Float32Array] = [one.dataSync() as Float32Array, two.dataSync() as Float32Array];
  one.dispose();
  two.dispose();
  return result;
}

beforeAll(async () => {
  backend = (await engine.setBackend('wasm')) as unknown as WasmBackend;
});

/** `op` on 1 thread, then on 2 where its work must be split over both lanes: the same values exactly. */
async function expectSplitLikeOneThread(name: string, op: () => Tensor): Promise<void> {
  await setThreads(1);
  const one = op();
  await setThreads(2);
  const split = vi.spyOn(lanesOf(contextOf(backend)), 'run');
  const two = op();
  expect(split.mock.calls.some(([work]) => work.length === 2), name).toBe(true);
  split.mockRestore();
  expect(Array.from(two.dataSync()), name).toEqual(Array.from(one.dataSync()));
  for (const t of [one, two]) t.dispose();
}

afterAll(async () => {
  await setThreads(1);
});

// Starting workers takes a few hundred ms, far more on a loaded machine.
describe('threads', { timeout: 60_000 }, () => {
  it('starts workers in Node and reports the count in effect', async () => {
    expect(await setThreads(2)).toBe(2);
    expect(getThreads()).toBe(2);
    expect(lanesOf(contextOf(backend)).count).toBe(2);
    expect(await setThreads(1)).toBe(1);
    expect(lanesOf(contextOf(backend)).count).toBe(1);
  });

  it('rejects a count that is not a positive integer, naming the argument', async () => {
    await expect(setThreads(0)).rejects.toThrow(ArgumentError);
    await expect(setThreads(1.5)).rejects.toThrow(/setThreads: count must be an integer from 1 to 64, got 1.5/);
    expect(getThreads()).toBe(1);
  });

  const matMulShapes: [number[], number[], boolean, boolean][] = [
    [[300, 200], [200, 190], false, false],
    [[257, 129], [257, 65], true, false],
    [[3, 100, 120], [90, 120], false, true],
    [[64, 50, 40], [64, 40, 30], false, false],
    [[1, 2000], [2000, 700], false, false],
    [[2, 1, 2000], [700, 2000], false, true],
    [[700, 2000], [2000, 1], false, false],
    // Fewer rows than columns.
    [[40, 300], [300, 500], false, false],
    [[300, 40], [300, 500], true, false],
    [[3, 24, 300], [700, 300], false, true],
  ];
  for (const [sa, sb, ta, tb] of matMulShapes) {
    it(`matMul [${sa}] x [${sb}]${ta ? ' transposeA' : ''}${tb ? ' transposeB' : ''}: 2 threads equal 1 thread exactly`, async () => {
      const a = randomTensor(sa);
      const b = randomTensor(sb);
      const [one, two] = await oneAndTwo(() => matMul(a, b, ta, tb));
      expect(two).toEqual(one);
      a.dispose();
      b.dispose();
    });
  }

  const convs: { x: number[]; f: number[]; strides: number; padding: Padding; dilations: number; groups: number }[] = [
    { x: [1, 40, 40, 16], f: [3, 3, 16, 24], strides: 1, padding: 'same', dilations: 1, groups: 1 },
    { x: [2, 64, 64, 12], f: [5, 3, 4, 18], strides: 2, padding: [[2, 1], [0, 3]], dilations: 1, groups: 3 },
    { x: [1, 36, 36, 8], f: [3, 3, 8, 16], strides: 1, padding: 'valid', dilations: 2, groups: 1 },
  ];
  for (const c of convs) {
    const options = { strides: c.strides, padding: c.padding, dilations: c.dilations, groups: c.groups };
    const name = `x [${c.x}] filter [${c.f}] ${JSON.stringify(options)}`;

    it(`conv2d ${name}: 2 threads equal 1 thread exactly`, async () => {
      const x = randomTensor(c.x);
      const f = randomTensor(c.f);
      const [one, two] = await oneAndTwo(() => conv2d(x, f, options));
      expect(two).toEqual(one);
      x.dispose();
      f.dispose();
    });

    it(`conv2dBackpropInput and conv2dBackpropFilter ${name}: 2 threads equal 1 thread exactly`, async () => {
      const x = randomTensor(c.x);
      const f = randomTensor(c.f);
      const y = conv2d(x, f, options);
      const dy = randomTensor([...y.shape]);
      const [inputOne, inputTwo] = await oneAndTwo(() => conv2dBackpropInput(dy, f, c.x, options));
      expect(inputTwo).toEqual(inputOne);
      const [filterOne, filterTwo] = await oneAndTwo(() => conv2dBackpropFilter(x, dy, c.f, options));
      expect(filterTwo).toEqual(filterOne);
      for (const t of [x, f, y, dy]) t.dispose();
    });
  }

  it('depthwiseConv2d: 2 threads equal 1 thread exactly', async () => {
    const x = randomTensor([2, 60, 60, 32]);
    const f = randomTensor([3, 3, 32, 2]);
    const [one, two] = await oneAndTwo(() => depthwiseConv2d(x, f, { padding: 'same', strides: 2 }));
    expect(two).toEqual(one);
    x.dispose();
    f.dispose();
  });

  it('depthwise conv2d backprops: 2 threads equal 1 thread exactly', async () => {
    const x = randomTensor([3, 40, 40, 16]);
    const f = randomTensor([3, 3, 16, 1]);
    const options = { padding: 'same' as const, groups: 16 };
    const grouped = f.reshape([3, 3, 1, 16]);
    const dy = randomTensor([3, 40, 40, 16]);
    const [inputOne, inputTwo] = await oneAndTwo(() => conv2dBackpropInput(dy, grouped, x.shape, options));
    expect(inputTwo).toEqual(inputOne);
    const [filterOne, filterTwo] = await oneAndTwo(() => conv2dBackpropFilter(x, dy, grouped.shape, options));
    expect(filterTwo).toEqual(filterOne);
    for (const t of [x, f, grouped, dy]) t.dispose();
  });

  it('40 random contractions large enough to split: 2 threads equal 1 thread exactly', async () => {
    const pick = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
    const cases: { name: string; inputs: Tensor[]; run: (...t: Tensor[]) => Tensor }[] = [];
    for (let i = 0; i < 20; i++) {
      const [m, n, k] = [pick(40, 230), pick(1, 150), pick(60, 300)];
      const [ta, tb] = [random() < 0.5, random() < 0.5];
      const batch = random() < 0.3 ? [pick(2, 5)] : [];
      const a = randomTensor([...batch, ...(ta ? [k, m] : [m, k])]);
      // b shares the batch, or broadcasts against it.
      const b = randomTensor([...(random() < 0.5 ? batch : []), ...(tb ? [n, k] : [k, n])]);
      cases.push({ name: `matMul [${a.shape}] x [${b.shape}] ${ta} ${tb}`, inputs: [a, b], run: (x, y) => matMul(x, y, ta, tb) });
    }
    for (let i = 0; i < 20; i++) {
      const groups = pick(1, 3);
      const [inPerGroup, outPerGroup] = [pick(1, 9), pick(1, 12)];
      const xShape = [pick(1, 3), pick(12, 40), pick(12, 40), groups * inPerGroup];
      const filterShape = [pick(1, 4), pick(1, 4), inPerGroup, groups * outPerGroup];
      const options = { strides: pick(1, 2), padding: random() < 0.5 ? ('same' as const) : ('valid' as const), dilations: pick(1, 2), groups };
      const x = randomTensor(xShape);
      const f = randomTensor(filterShape);
      const y = conv2d(x, f, options);
      const dy = randomTensor([...y.shape]);
      y.dispose();
      const which = i % 3;
      const name = `${['conv2d', 'conv2dBackpropInput', 'conv2dBackpropFilter'][which]} x [${xShape}] f [${filterShape}] ${JSON.stringify(options)}`;
      if (which === 0) cases.push({ name, inputs: [x, f, dy], run: (a, b) => conv2d(a, b, options) });
      else if (which === 1) cases.push({ name, inputs: [x, f, dy], run: (_a, b, c) => conv2dBackpropInput(c, b, xShape, options) });
      else cases.push({ name, inputs: [x, f, dy], run: (a, _b, c) => conv2dBackpropFilter(a, c, filterShape, options) });
    }
    await setThreads(1);
    const one = cases.map((c) => c.run(...c.inputs));
    await setThreads(2);
    const two = cases.map((c) => c.run(...c.inputs));
    const differing = cases
      .filter((_, i) => {
        const [a, b] = [one[i].dataSync(), two[i].dataSync()];
        return a.length !== b.length || !a.every((v, j) => Object.is(v, b[j]));
      })
      .map((c) => c.name);
    expect(differing).toEqual([]);
    for (const t of [...one, ...two, ...cases.flatMap((c) => c.inputs)]) t.dispose();
  });

  it('large elementwise ops run on both threads and equal 1 thread exactly (unary, binary, scalar operand, bool and int32 results)', async () => {
    const x = randomTensor([300_001]);
    const y = randomTensor([300_001]);
    const ints = tensor(Int32Array.from({ length: 300_001 }, (_, i) => (i * 7919) % 1000 - 500), [300_001], 'int32');
    const ops: [string, () => Tensor][] = [
      ['exp', () => exp(x)],
      ['tanh', () => tanh(x)],
      ['add', () => add(x, y)],
      ['mul by a scalar', () => mul(x, 3)],
      ['greater (bool)', () => greater(x, y)],
      ['int32 sub', () => sub(ints, tensor(7, [], 'int32'))],
    ];
    for (const [name, op] of ops) await expectSplitLikeOneThread(name, op);
    for (const t of [x, y, ints]) t.dispose();
  });

  it('large reductions run on both threads and equal 1 thread exactly (kept outer axes, reduced ones by chunks fixed by the shape)', async () => {
    const x = randomTensor([64, 3000]);
    const flat = randomTensor([400_003]);
    const ints = tensor(Int32Array.from({ length: 400_003 }, (_, i) => ((i * 7919) % 2001) - 1000), [400_003], 'int32');
    const bools = greater(flat, 0.9999);
    const cube = randomTensor([40, 50, 70]);
    const cases: [string, () => Tensor][] = [
      ['sum over the inner axis (rows split)', () => sum(x, 1)],
      ['max over the inner axis', () => max(x, 1)],
      ['sum over the outer axis (private partials)', () => sum(x, 0)],
      ['prod over the outer axis', () => prod(add(mul(x, 0.01), 1), 0)],
      ['min over the outer axis', () => min(x, 0)],
      ['sum of everything', () => sum(flat)],
      ['mean of everything', () => mean(flat)],
      ['max of everything', () => max(flat)],
      ['int32 sum of everything', () => sum(ints)],
      ['int32 max over the outer axis of a reshape', () => max(reshape(ints, [1, 400_003]), 0)],
      ['bool any of everything', () => any(bools)],
      ['bool all of everything', () => all(bools)],
      ['sum over the middle axis of a cube', () => sum(cube, 1)],
      ['sum over the first and last axes of a cube', () => sum(cube, [0, 2])],
    ];
    for (const [name, op] of cases) await expectSplitLikeOneThread(name, op);
    // And the values themselves, where a JavaScript loop gives them exactly.
    const anyTrue = any(bools);
    const intTotal = sum(ints);
    expect(Array.from(anyTrue.dataSync())).toEqual([1]);
    expect(intTotal.dataSync()[0]).toBe((ints.dataSync() as Int32Array).reduce((a, b) => (a + b) | 0, 0));
    for (const t of [x, flat, ints, bools, cube, anyTrue, intTotal]) t.dispose();
  });

  it('fused regions large enough to split run on both threads and equal 1 thread exactly (row-broadcast, repeated-row and scalar inputs)', async () => {
    const x = randomTensor([300, 1000]);
    const row = randomTensor([1000]);
    const y = randomTensor([7500, 40]);
    const shortRow = randomTensor([40]);
    const cases: [(...args: Tensor[]) => Tensor, Tensor[]][] = [
      [(x, row) => gelu(add(mul(x, row), 0.5)), [x, row]],
      [(y, shortRow) => tanh(sub(mul(y, shortRow), 0.25)), [y, shortRow]],
      [(x) => sigmoid(mul(exp(x), 3)), [x]],
    ];
    for (const [fn, args] of cases) {
      const f = trace(fn);
      await setThreads(1);
      const one = f(...args);
      await setThreads(2);
      const lanes = lanesOf(contextOf(backend));
      const split = vi.spyOn(lanes, 'run');
      const two = f(...args);
      expect(split.mock.calls.some(([work]) => work.length === 2 && work.every((calls) => calls.some((call) => call.name === 'fused_run')))).toBe(true);
      split.mockRestore();
      expect(two.dataSync()).toEqual(one.dataSync());
      expect(f.concreteFunctions[0].toString()).toContain('fused(');
      for (const t of [one, two]) t.dispose();
      f.dispose();
    }
    for (const t of [x, row, y, shortRow]) t.dispose();
  });

  it('stops a backend\'s workers when the backend is removed', async () => {
    const extra = await WasmBackend.create({ name: 'wasm-threads-short-lived' });
    engine.registerBackend('wasm-threads-short-lived', () => extra);
    await engine.setBackend('wasm-threads-short-lived');
    await setThreads(2);
    expect(lanesOf(contextOf(extra)).count).toBe(2);
    engine.removeBackend('wasm-threads-short-lived');
    expect(lanesOf(contextOf(extra)).count).toBe(1);
    await engine.setBackend('wasm');
    expect(lanesOf(contextOf(backend)).count).toBe(2);
  });

  it('carries a worker failure back to the caller as an error', async () => {
    await setThreads(2);
    const context = contextOf(backend);
    const lanes = lanesOf(context);
    expect(lanes.count).toBe(2);
    // A fill far past the end of the memory traps inside the worker.
    const past = context.heap.memory.buffer.byteLength + 65536;
    expect(() => lanes.run([[], [{ name: 'fill_32', args: [past, 0, 16] }]])).toThrow(/wasm: a worker thread failed: .*out of bounds/);
    // The pool still works afterwards.
    const a = randomTensor([200, 200]);
    const [one, two] = await oneAndTwo(() => matMul(a, a));
    expect(two).toEqual(one);
    a.dispose();
  });
});
