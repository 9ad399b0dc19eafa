// Control flow on a backend that cannot read a predicate without waiting (WebGPU; here core's
// reference kernels behind a readSync that throws): a traced cond runs both branches and picks each
// output with `where` on the device; a whileLoop runs there given a maximumIterations, else says why not.
import type { Tensor } from '@tessera/core';
import { engine, memory, setBackend, tensor, tidy, variable, where } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { cond, trace, whileLoop } from '../src/index.js';
import { registerAsyncOnlyBackend } from './async-only-backend.js';

describe('traced control flow on a backend without synchronous reads', () => {
  it('cond picks the branch the predicate names, for either value, with outputs of several dtypes, and leaks nothing', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const before = { tensors: memory().numTensors, buffers: engine.backend.memory().numDataBuffers };
    const f = trace((x: Tensor) =>
      cond(
        x.sum().greater(0),
        () => [x.mul(2), x.greater(1).cast('int32')],
        () => [x.neg().add(1), x.less(-1).cast('int32')],
      ),
    );
    for (const [values, expected] of [
      [[1, 2, 3], [[2, 4, 6], [0, 1, 1]]],
      [[-1, -2, 0.5], [[2, 3, 0.5], [0, 1, 0]]],
    ] as const) {
      const x = tensor([...values]);
      const [a, b] = f(x) as Tensor[];
      expect(Array.from(await a.data())).toEqual(expected[0]);
      expect(b.dtype).toBe('int32');
      expect(Array.from(await b.data())).toEqual(expected[1]);
      for (const t of [x, a, b]) t.dispose();
    }
    expect(f.traceCount).toBe(1);
    f.dispose();
    expect({ tensors: memory().numTensors, buffers: engine.backend.memory().numDataBuffers }).toEqual(before);
  });

  it('cond writes a variable only as the taken branch says (the branch not taken changes nothing)', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const counter = variable(tensor(0));
    const step = trace((x: Tensor) =>
      cond(
        x.greater(0),
        () => {
          counter.assignAdd(x);
          return x;
        },
        () => x.neg(),
      ),
    );
    for (const v of [2, -5, 3]) step(tensor(v)).dispose();
    expect(Array.from(await counter.data())).toEqual([5]);
    step.dispose();
    counter.dispose();
  });

  it('whileLoop without maximumIterations says it cannot read the condition, and what to do', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const f = trace((x: Tensor) => whileLoop((i: Tensor) => i.less(10), (i: Tensor) => [i.add(1)], [x]));
    const x = tensor(0);
    expect(() => f(x)).toThrow(/whileLoop: backend 'async-only' cannot read the loop condition without waiting for the device; give the whileLoop a maximumIterations/);
    expect(() => whileLoop((i: Tensor) => i.less(10), (i: Tensor) => [i.add(1)], [x])).toThrow(
      /^whileLoop: eagerly on backend 'async-only' the predicate cannot be read without waiting for the device; .* or give whileLoop a maximumIterations/,
    );
    x.dispose();
    f.dispose();
  });

  it('whileLoop with maximumIterations runs on the device, traced and eagerly: the loop as written, capped at the maximum, and leaks nothing', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const before = { tensors: memory().numTensors, buffers: engine.backend.memory().numDataBuffers };
    // Collatz steps of n, with the running maximum: a data-dependent trip count.
    const collatz = (n: Tensor, rounds: number) =>
      whileLoop(
        (v: Tensor) => v.greater(1),
        (v: Tensor, steps: Tensor, top: Tensor) => {
          const next = where(v.mod(2).equal(0), v.floorDiv(2), v.mul(3).add(1));
          return [next, steps.add(1), top.maximum(next)];
        },
        [n, tensor(0, [], 'int32'), n],
        { maximumIterations: rounds },
      );
    const f = trace((n: Tensor) => collatz(n, 200));
    const capped = trace((n: Tensor) => collatz(n, 5));
    const reference = (start: number, rounds: number) => {
      let [v, steps, top] = [start, 0, start];
      for (let k = 0; k < rounds && v > 1; k++) {
        v = v % 2 === 0 ? v / 2 : 3 * v + 1;
        steps++;
        top = Math.max(top, v);
      }
      return [v, steps, top];
    };
    for (const start of [1, 6, 7, 27]) {
      const n = tensor(start, [], 'int32');
      for (const [run, rounds] of [[f, 200], [capped, 5], [(m: Tensor) => tidy(() => collatz(m, 5)), 5]] as const) {
        const outs = run(n) as Tensor[];
        expect(await Promise.all(outs.map(async (o) => (await o.data())[0])), `start ${start}, ${rounds} rounds`).toEqual(reference(start, rounds));
        outs.forEach((o) => o.dispose());
      }
      n.dispose();
    }
    expect(f.traceCount).toBe(1);
    f.dispose();
    capped.dispose();
    expect({ tensors: memory().numTensors, buffers: engine.backend.memory().numDataBuffers }).toEqual(before);
  });
});
