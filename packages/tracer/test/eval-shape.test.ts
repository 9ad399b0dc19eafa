import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Variable } from '@tessera/core';
import { ArgumentError, TraceError, concat, engine, matMul, memory, setBackend, tensor, variable, zeros } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { cond, evalShape, trace } from '../src/index.js';

/** Every kernel the active backend runs, and every value written to or read from it, counted. */
const counts = { kernels: 0, writes: 0, reads: 0 };

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
  const backend = engine.backend;
  const kernels = backend.kernels as unknown as Record<string, unknown>;
  for (const [name, kernel] of Object.entries(kernels)) {
    if (typeof kernel !== 'function') continue;
    kernels[name] = (...args: unknown[]) => {
      counts.kernels++;
      return (kernel as (...a: unknown[]) => unknown)(...args);
    };
  }
  const { write, readSync } = backend;
  Object.assign(backend, {
    write: (...args: Parameters<typeof write>) => {
      counts.writes++;
      return write.apply(backend, args);
    },
    readSync: (...args: Parameters<typeof readSync>) => {
      counts.reads++;
      return readSync.apply(backend, args);
    },
  });
});

/** Runs `fn` and returns what it did to the backend: kernels run, values moved, tensors and bytes left. */
function effects(fn: () => void): { kernels: number; writes: number; reads: number; tensors: number; bytes: number } {
  const before = { ...counts, ...memory() };
  fn();
  const after = memory();
  return {
    kernels: counts.kernels - before.kernels,
    writes: counts.writes - before.writes,
    reads: counts.reads - before.reads,
    tensors: after.numTensors - before.numTensors,
    bytes: after.numBytes - before.numBytes,
  };
}

afterEach(() => {
  // Whatever a test did, the tracer's interpreter is off the stack again.
  expect(engine.interpreters().map((i) => i.name)).toEqual(['eager']);
});

describe('evalShape: shapes and dtypes', () => {
  it('gives the output spec of a matmul with an unknown batch dimension', () => {
    const spec = evalShape((x: Tensor, w: Tensor) => matMul(x, w).relu(), { shape: [null, 784] }, { shape: [784, 10] });
    expect(spec).toEqual({ shape: [null, 10], dtype: 'float32' });
  });

  it('returns the result tree with every tensor replaced by its spec, non-tensor leaves kept', () => {
    const spec = evalShape(
      (x: Tensor) => ({ total: x.sum(1), parts: [x.greater(0), x.cast('int32').reshape([-1])], label: 'stats' }),
      { shape: [2, null, 3], dtype: 'float32' },
    );
    expect(spec).toEqual({
      total: { shape: [2, 3], dtype: 'float32' },
      parts: [
        { shape: [2, null, 3], dtype: 'bool' },
        { shape: [null], dtype: 'int32' },
      ],
      label: 'stats',
    });
  });

  it('keeps concrete dimensions concrete and makes every dimension that follows an unknown one null', () => {
    const spec = evalShape(
      (x: Tensor, y: Tensor) => [
        concat([x, y], 0),
        concat([x, x], 1),
        x.transpose([1, 0]),
        x.mean(0),
        x.reshape([-1, 2]),
        x.reshape([x.shape[0], 2, 2]),
        x.slice([0, 0], [x.shape[0], 1]),
        x.sum(),
      ],
      { shape: [null, 4] },
      { shape: [3, 4] },
    );
    expect(spec).toEqual([
      { shape: [null, 4], dtype: 'float32' },
      { shape: [null, 8], dtype: 'float32' },
      { shape: [4, null], dtype: 'float32' },
      { shape: [4], dtype: 'float32' },
      { shape: [null, 2], dtype: 'float32' },
      { shape: [null, 2, 2], dtype: 'float32' },
      { shape: [null, 1], dtype: 'float32' },
      { shape: [], dtype: 'float32' },
    ]);
  });

  it('takes specs inside arrays and plain objects, and tensors as they are', () => {
    const bias = tensor([1, 2, 3]);
    const spec = evalShape(
      (xs: Tensor[], options: { scale: Tensor; power: number }) => xs[0].add(xs[1]).mul(options.scale).pow(options.power).add(bias),
      [{ shape: [null, 3] }, { shape: [1, 3] }],
      { scale: { shape: [], dtype: 'float32' }, power: 2 },
    );
    expect(spec).toEqual({ shape: [null, 3], dtype: 'float32' });
    bias.dispose();
  });

  it('follows cond branches and inlines traced functions without tracing them', () => {
    const inner = trace((x: Tensor) => x.mul(2));
    const spec = evalShape(
      (x: Tensor) => cond(x.sum().greater(0), () => inner(x).exp(), () => x.neg()),
      { shape: [null, 5], dtype: 'float32' },
    );
    expect(spec).toEqual({ shape: [null, 5], dtype: 'float32' });
    expect(inner.traceCount).toBe(0);
  });

  it('works inside a function being traced, where outer symbolic tensors are shapes only', () => {
    const seen: unknown[] = [];
    const f = trace((x: Tensor) => {
      seen.push(evalShape((y: Tensor) => concat([y, x], 1), { shape: [2, null] }));
      return x.mul(2);
    });
    expect(f(tensor([[1], [2]])).arraySync()).toEqual([[2], [4]]);
    expect(seen).toEqual([{ shape: [2, null], dtype: 'float32' }]);
    expect(f.traceCount).toBe(1);
  });

  it('reports an int32 result of an int32 spec, and float32 when the dtype is left out', () => {
    expect(evalShape((i: Tensor) => i.add(1).sum(0), { shape: [null, 2], dtype: 'int32' })).toEqual({ shape: [2], dtype: 'int32' });
    expect(evalShape((x: Tensor) => x, { shape: [3] })).toEqual({ shape: [3], dtype: 'float32' });
  });
});

describe('evalShape: nothing runs and nothing stays', () => {
  it('runs no kernel, moves no value and leaves no tensor or byte behind', () => {
    const w = variable(tensor([[1, 2], [3, 4], [5, 6]]));
    const outer = tensor([10, 20]);
    let spec: unknown;
    const done = effects(() => {
      spec = evalShape((x: Tensor) => matMul(x, w).add(outer).add(tensor([1, 1])).softmax().mul(zeros([1, 2])), { shape: [null, 3] });
    });
    expect(spec).toEqual({ shape: [null, 2], dtype: 'float32' });
    expect(done).toEqual({ kernels: 0, writes: 0, reads: 0, tensors: 0, bytes: 0 });
    // The same function run eagerly does run kernels: the counter sees them.
    const eager = effects(() => matMul(tensor([[1, 1, 1]]), w).add(outer).dispose());
    expect(eager.kernels).toBeGreaterThan(0);
    w.dispose();
    outer.dispose();
  });

  it('does not perform assignments: a variable keeps its value', () => {
    const total = variable(tensor([5, 5]));
    const done = effects(() => {
      const spec = evalShape(
        (x: Tensor) => {
          total.assignAdd(x.sum(0));
          total.assign(total.mul(3));
          return total.add(0);
        },
        { shape: [null, 2] },
      );
      expect(spec).toEqual({ shape: [2], dtype: 'float32' });
    });
    expect(done).toEqual({ kernels: 0, writes: 0, reads: 0, tensors: 0, bytes: 0 });
    expect(Array.from(total.dataSync())).toEqual([5, 5]);
    total.dispose();
  });

  it('lets the function create variables, reads them as their latest assignment, and disposes them afterwards', () => {
    const created: Variable[] = [];
    const done = effects(() => {
      const spec = evalShape(
        (x: Tensor) => {
          const state = variable(zeros([x.shape[1]]), { name: 'state' });
          const counter = variable(tensor(0, undefined, 'int32'), { name: 'counter' });
          created.push(state, counter);
          state.assign(x.sum(0).cast('int32').cast('float32'));
          return [state.add(1), counter];
        },
        { shape: [null, 4] },
      );
      expect(spec).toEqual([
        { shape: [4], dtype: 'float32' },
        { shape: [], dtype: 'int32' },
      ]);
    });
    expect(done).toEqual({ kernels: 0, writes: 0, reads: 0, tensors: 0, bytes: 0 });
    expect(created.map((v) => [v.name, v.isDisposed])).toEqual([
      ['state', true],
      ['counter', true],
    ]);
    expect(() => created[0].add(1)).toThrow(/disposed/);
  });

  it('leaves nothing behind when the function throws', () => {
    const done = effects(() => {
      expect(() =>
        evalShape(
          (x: Tensor) => {
            variable(zeros([2]));
            return x.matMul(zeros([5, 2]));
          },
          { shape: [null, 3] },
        ),
      ).toThrow(/matMul/);
    });
    expect(done).toEqual({ kernels: 0, writes: 0, reads: 0, tensors: 0, bytes: 0 });
  });
});

describe('evalShape: errors', () => {
  it('refuses to read values, as under trace', () => {
    expect(() => evalShape((x: Tensor) => (x.sum().dataSync()[0] > 0 ? x : x.neg()), { shape: [3] })).toThrow(TraceError);
    expect(() => evalShape(function peek(x: Tensor) { return x.arraySync(); }, { shape: [3] })).toThrow(/'peek'.*cond\(/s);
  });

  it('names the argument and the dimension of a bad spec, and the function', () => {
    expect(() => evalShape(function f(x: Tensor) { return x; }, { shape: [2, -1] })).toThrow(
      new ArgumentError('evalShape(f): args[0].shape must hold non-negative integers or null, got -1 at dimension 1'),
    );
    expect(() => evalShape((xs: Tensor[]) => xs[0], [{ shape: [2] }, { shape: [1.5] }])).toThrow(/args\[0\]\[1\]\.shape .* got 1\.5 at dimension 0/);
    expect(() => evalShape((x: Tensor) => x, { shape: [2], dtype: 'float64' as never })).toThrow(
      /args\[0\]\.dtype must be one of 'float32', 'int32', 'bool', got "float64"/,
    );
    expect(() => evalShape((x: Tensor) => x, { shape: 3 } as never)).toThrow(/args\[0\]\.shape must be an array of dimensions, got 3/);
    expect(() => evalShape(42 as never)).toThrow(new ArgumentError('evalShape: expected a function, got number'));
  });

  it('refuses an async function', () => {
    expect(() => evalShape(async (x: Tensor) => x, { shape: [1] })).toThrow(/returned a Promise/);
  });
});
