// Control flow on a backend that cannot read a predicate without waiting (WebGPU; here core's
// reference kernels behind a readSync that throws): a traced cond runs both branches and picks each
// output with `where` on the device; a traced whileLoop cannot run there and says so.
import type { Tensor } from '@tessera/core';
import { engine, memory, setBackend, tensor, variable } from '@tessera/core';
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

  it('whileLoop says that it needs a backend with synchronous reads', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const f = trace((x: Tensor) => whileLoop((i: Tensor) => i.less(10), (i: Tensor) => [i.add(1)], [x]));
    const x = tensor(0);
    expect(() => f(x)).toThrow(/whileLoop: backend 'async-only' cannot read the loop condition without waiting for the device/);
    x.dispose();
    f.dispose();
  });
});
