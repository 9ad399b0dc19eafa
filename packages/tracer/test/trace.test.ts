import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '@tessera/core';
import { TraceError, memory, setBackend, stack, tensor, variable, where, zeros } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { config, formatGraph, trace } from '../src/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('trace: signatures and the cache', () => {
  it('traces once per signature, runs the graph afterwards, and runs JS side effects once per trace', () => {
    let sideEffects = 0;
    const f = trace(function affine(x: Tensor) {
      sideEffects++;
      return x.mul(2).add(1);
    });
    expect(f(tensor([1, 2])).arraySync()).toEqual([3, 5]);
    expect(f(tensor([3, 4])).arraySync()).toEqual([7, 9]);
    expect(f.traceCount).toBe(1);
    expect(sideEffects).toBe(1);
    expect(f(tensor([[1], [2]])).arraySync()).toEqual([[3], [5]]);
    expect(f.traceCount).toBe(2);
    expect(sideEffects).toBe(2);
    expect(f.concreteFunctions).toHaveLength(2);
  });

  it('shows the graph as text and as DOT', () => {
    const f = trace(function scaled(x: Tensor) {
      return x.mul(3).sub(1);
    });
    const concrete = f.graphFor(tensor([1, 2]));
    const text = concrete.toString();
    expect(text).toContain('ConcreteFunction scaled(args[0]: float32[2])');
    expect(text).toContain('%1: float32[] = constant() {value: [3]}');
    expect(text).toMatch(/%\d+: float32\[2\] = fused\(%0, %1, %\d+\)\n {4}r3 = mul\(r0, r1\): float32\n {4}r4 = sub\(r3, r2\): float32\n {4}-> r4/);
    expect(formatGraph(concrete.tracedGraph)).toMatch(/= mul\(%0, %1\)\n[^\n]*constant[^\n]*\n[^\n]*= sub\(%2, %3\)/);
    const dot = concrete.toDot();
    expect(dot.startsWith('digraph "scaled" {')).toBe(true);
    expect(dot).toContain('label="fused", style=bold');
    expect(dot).toContain('input0 [label="input 0\\nfloat32[2]"');
    expect(f.traceCount).toBe(1);
    expect(f(tensor([2, 3])).arraySync()).toEqual([5, 8]);
  });

  it('keys static JS values by value and nested structures by shape', () => {
    const f = trace((x: Tensor, options: { power: number; bias: Tensor }) => x.pow(options.power).add(options.bias));
    const b = tensor([1, 1]);
    expect(f(tensor([2, 3]), { power: 2, bias: b }).arraySync()).toEqual([5, 10]);
    expect(f(tensor([2, 3]), { power: 3, bias: b }).arraySync()).toEqual([9, 28]);
    expect(f(tensor([1, 2]), { power: 2, bias: b }).arraySync()).toEqual([2, 5]);
    expect(f.traceCount).toBe(2);
  });

  it('captures outer eager tensors by value as constants', () => {
    const c = tensor([10, 20]);
    const f = trace((x: Tensor) => x.add(c));
    expect(f(tensor([1, 2])).arraySync()).toEqual([11, 22]);
    c.dispose();
    expect(f(tensor([3, 4])).arraySync()).toEqual([13, 24]);
    expect(f.graphFor(tensor([0, 0])).toString()).toMatch(/constant\(\) \{value: \[10, 20\]\}/);
  });

  it('returns structures: arrays, objects and static values around the tensors', () => {
    const f = trace((x: Tensor) => ({ doubled: x.mul(2), parts: [x.neg(), 'label'], same: x }));
    const out = f(tensor([1, 2])) as { doubled: Tensor; parts: [Tensor, string]; same: Tensor };
    expect(out.doubled.arraySync()).toEqual([2, 4]);
    expect(out.parts[0].arraySync()).toEqual([-1, -2]);
    expect(out.parts[1]).toBe('label');
    expect(out.same.arraySync()).toEqual([1, 2]);
  });
});

describe('trace: symbolic dimensions', () => {
  it('makes a dimension symbolic after its second distinct size: batches of 32 and a remainder trace twice', () => {
    const weights = tensor([[1], [2], [3]]);
    const predict = trace(function predictStep(x: Tensor) {
      return x.matMul(weights).relu();
    });
    for (const batch of [32, 32, 7, 32, 5, 1]) {
      const x = tensor(Array.from({ length: batch }, (_, i) => [i, -i, 1]));
      const y = predict(x).arraySync() as number[][];
      expect(y).toHaveLength(batch);
      y.forEach((row, i) => expect(row[0]).toBeCloseTo(Math.max(0, i - 2 * i + 3), 5));
    }
    expect(predict.traceCount).toBe(2);
    expect(predict.concreteFunctions[1].inputSpec[0].shape).toEqual([null, 3]);
    expect(predict.concreteFunctions[1].toString()).toContain('float32[?,1]');
  });

  it('traces a size concretely when the graph depends on it (a mean over the batch)', () => {
    const f = trace((x: Tensor) => x.mean(0));
    expect(f(tensor([[1, 2], [3, 4]])).arraySync()).toEqual([2, 3]);
    expect(f(tensor([[1, 2], [3, 4], [5, 6]])).arraySync()).toEqual([3, 4]);
    expect(f(tensor([[1, 1], [3, 3], [5, 5], [7, 7]])).arraySync()).toEqual([4, 4]);
    expect(f(tensor([[2, 2], [4, 4]])).arraySync()).toEqual([3, 3]);
    expect(f.concreteFunctions.every((c) => c.inputSpec[0].shape.every((d) => d !== null))).toBe(true);
  });

  it('traces a size concretely when JavaScript loops over the batch dimension (one op per row)', () => {
    const rows = (n: number) => tensor(Array.from({ length: n * 3 }, (_, i) => i), [n, 3]);
    const eagerRowSum = (n: number) => [0, 1, 2].map((c) => Array.from({ length: n }, (_, r) => r * 3 + c).reduce((a, b) => a + b, 0));
    const reversedRows = trace((x: Tensor) => stack(Array.from({ length: x.shape[0] }, (_, i) => x.slice([x.shape[0] - 1 - i, 0], [1, -1]).reshape([-1]))));
    const summedRows = trace((x: Tensor) => {
      let total = x.slice([0, 0], [1, -1]);
      for (let i = 1; i < x.shape[0]; i++) total = total.add(x.slice([i, 0], [1, -1]));
      return total;
    });
    for (const n of [2, 3, 5, 3]) {
      expect(reversedRows(rows(n)).arraySync()).toEqual(Array.from({ length: n }, (_, r) => [0, 1, 2].map((c) => (n - 1 - r) * 3 + c)));
      expect(summedRows(rows(n)).arraySync()).toEqual([eagerRowSum(n)]);
    }
    for (const f of [reversedRows, summedRows]) expect(f.concreteFunctions.every((c) => c.inputSpec[0].shape.every((d) => d !== null))).toBe(true);
  });

  it('with an explicit inputSignature traces once and refuses calls that do not fit', () => {
    const f = trace((x: Tensor) => x.sum(1), { inputSignature: [{ shape: [null, 3], dtype: 'float32' }], name: 'rowSums' });
    expect(f(tensor([[1, 2, 3]])).arraySync()).toEqual([6]);
    expect(f(tensor([[1, 1, 1], [2, 2, 2]])).arraySync()).toEqual([3, 6]);
    expect(f.traceCount).toBe(1);
    expect(() => f(tensor([[1, 2]]))).toThrow('rowSums: args[0] must be float32[?,3] (inputSignature), got float32[1,2]');
  });

  it('an inputSignature whose open dimension the graph depends on warns once and traces each size', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const centre = trace(function centre(x: Tensor) {
        return x.sub(x.mean(0));
      }, { inputSignature: [{ shape: [null] }] });
      expect(centre(tensor([1, 3])).arraySync()).toEqual([-1, 1]);
      expect(centre(tensor([1, 2, 6])).arraySync()).toEqual([-2, -1, 3]);
      expect(centre(tensor([0, 4])).arraySync()).toEqual([-2, 2]);
      // One symbolic attempt, then one trace per size.
      expect(centre.traceCount).toBe(3);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toContain("'centre' depends on the size of a dimension its inputSignature leaves open");
    } finally {
      warn.mockRestore();
    }
  });

  it('unrolls a JS loop over a static dimension', () => {
    const f = trace((x: Tensor) => {
      let total = zeros([2]);
      for (let i = 0; i < x.shape[0]; i++) total = total.add(x.slice([i, 0], [1, 2]).reshape([2]).mul(i + 1));
      return total;
    });
    expect(f(tensor([[1, 2], [3, 4], [5, 6]])).arraySync()).toEqual([1 + 6 + 15, 2 + 8 + 18]);
    const graph = f.concreteFunctions[0].tracedGraph;
    expect(graph.nodes.filter((n) => n.op === 'slice')).toHaveLength(3);
  });
});

describe('trace: warnings and eager mode', () => {
  it('warns once about frequent retracing, naming the function and the argument that changed', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const f = trace(function scaleBy(x: Tensor, k: number) {
        return x.mul(k);
      });
      for (let k = 1; k <= 8; k++) expect(f(tensor([1]), k).arraySync()).toEqual([k]);
      expect(f.traceCount).toBe(8);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toContain("'scaleBy' was traced 5 times");
      expect(warn.mock.calls[0][0]).toContain('argument args[1] changed from 4 to 5');
    } finally {
      warn.mockRestore();
    }
  });

  it('config.runFunctionsEagerly runs the JS on every call, at once, without tracing', () => {
    let runs = 0;
    const f = trace((x: Tensor) => {
      runs++;
      return x.add(1);
    });
    f(tensor([1]));
    f(tensor([2]));
    expect([runs, f.traceCount]).toEqual([1, 1]);
    config.runFunctionsEagerly(true);
    try {
      expect(f(tensor([5])).arraySync()).toEqual([6]);
      const g = trace((x: Tensor) => (x.item() > 0 ? x : x.neg()));
      expect(g(tensor([-3])).arraySync()).toEqual([3]);
      expect(runs).toBe(2);
      expect(f.traceCount).toBe(1);
      expect(g.traceCount).toBe(0);
    } finally {
      config.runFunctionsEagerly(false);
    }
    f(tensor([7]));
    expect([runs, f.traceCount]).toEqual([2, 1]);
  });

  it('inlines nested traced functions into the outer graph', () => {
    const inner = trace((x: Tensor) => x.square());
    const outer = trace((x: Tensor) => inner(x).add(1));
    expect(outer(tensor([2, 3])).arraySync()).toEqual([5, 10]);
    expect(inner.traceCount).toBe(0);
    expect(outer.concreteFunctions[0].tracedGraph.nodes.map((n) => n.op)).toContain('square');
  });
});

describe('trace: reading values inside a trace', () => {
  const reads: [string, (x: Tensor) => unknown][] = [
    ['dataSync', (x) => x.dataSync()],
    ['item', (x) => x.sum().item()],
    ['arraySync', (x) => x.arraySync()],
    ['Symbol.toPrimitive', (x) => ((x.sum() as unknown as number) > 0 ? x : x.neg())],
  ];
  for (const [what, read] of reads) {
    it(`${what} throws a TraceError that explains why and what to use`, () => {
      const f = trace(function branchy(x: Tensor) {
        return read(x) as Tensor;
      });
      let error: unknown;
      try {
        f(tensor([1, 2]));
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(TraceError);
      const message = (error as Error).message;
      expect(message.startsWith(`${what}:`)).toBe(true);
      expect(message).toContain("is symbolic while 'branchy' is being traced");
      for (const hint of ['cond(', 'whileLoop(', 'where(', 'config.runFunctionsEagerly(true)']) expect(message).toContain(hint);
    });
  }

  it('data() rejects with the same TraceError, and tracing leaves no symbolic tensor behind', async () => {
    const x = tensor([1]);
    const before = memory().numTensors;
    let pending: Promise<unknown> | undefined;
    const f = trace((t: Tensor) => {
      pending = t.data();
      return t.add(1);
    });
    f(x).dispose();
    await expect(pending).rejects.toThrow(TraceError);
    expect(memory().numTensors).toBe(before);
  });

  it('a trace that throws leaks nothing and the function can be traced again', () => {
    const x = tensor([1, 2]);
    const before = memory();
    let fail = true;
    const f = trace((t: Tensor) => {
      const y = t.mul(2);
      if (fail) y.item();
      return y;
    });
    expect(() => f(x)).toThrow(TraceError);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
    fail = false;
    expect(f(x).arraySync()).toEqual([2, 4]);
    expect(f.traceCount).toBe(2);
  });

  it('where selects elementwise without reading values', () => {
    const f = trace((x: Tensor) => where(x.greater(0), x, x.neg()));
    expect(f(tensor([-2, 3])).arraySync()).toEqual([2, 3]);
  });
});

describe('trace: variables', () => {
  it('reads variables at run time and runs assignments on every call, in order', () => {
    const v = variable(tensor([1, 2]));
    const step = trace((x: Tensor) => {
      const before = v.mul(1);
      v.assignAdd(x);
      v.assign(v.mul(2));
      return before.add(v);
    });
    expect(step(tensor([1, 1])).arraySync()).toEqual([1 + 4, 2 + 6]);
    expect(v.arraySync()).toEqual([4, 6]);
    expect(step(tensor([1, 1])).arraySync()).toEqual([4 + 10, 6 + 14]);
    expect(v.arraySync()).toEqual([10, 14]);
    v.assign(tensor([0, 0]));
    expect(step(tensor([1, 2])).arraySync()).toEqual([2, 4]);
    expect(step.traceCount).toBe(1);
    const ops = step.concreteFunctions[0].tracedGraph.nodes.map((n) => n.op);
    expect(ops.filter((op) => op === 'readVariable')).toHaveLength(1);
    expect(ops.filter((op) => op === 'assignVariable')).toHaveLength(2);
  });

  it('takes variables as arguments by identity and updates the one passed', () => {
    const a = variable(tensor([1]));
    const b = variable(tensor([10]));
    const bump = trace((v: ReturnType<typeof variable>, by: Tensor) => {
      v.assignAdd(by);
    });
    expect(bump(a, tensor([1]))).toBeUndefined();
    bump(a, tensor([2]));
    bump(b, tensor([5]));
    expect([a.item(), b.item()]).toEqual([4, 15]);
    expect(bump.traceCount).toBe(2);
  });

  it('allows creating a variable only during the first trace', () => {
    let created: ReturnType<typeof variable> | undefined;
    const f = trace(function makesState(x: Tensor) {
      created ??= variable(x.mul(0).add(5), { name: 'counter' });
      created.assignAdd(x);
      return created.mul(1);
    });
    expect(f(tensor([1, 2])).arraySync()).toEqual([6, 7]);
    expect(f(tensor([1, 1])).arraySync()).toEqual([7, 8]);
    expect(created!.arraySync()).toEqual([7, 8]);
    const g = trace(function recreates(x: Tensor) {
      return variable(x).mul(2);
    });
    expect(g(tensor([1])).arraySync()).toEqual([2]);
    expect(() => g(tensor([1, 2]))).toThrow(TraceError);
    expect(() => g(tensor([1, 2]))).toThrow(/variable: 'variable_\d+' was created while tracing 'recreates' again/);
  });

  it('still allows creating variables when the first trace threw', () => {
    let v: ReturnType<typeof variable> | undefined;
    let fail = true;
    const f = trace((x: Tensor) => {
      if (fail) throw new Error('not yet');
      v ??= variable(x.mul(2));
      return v.add(x);
    });
    expect(() => f(tensor([1]))).toThrow('not yet');
    fail = false;
    expect(f(tensor([1])).arraySync()).toEqual([3]);
    expect(v!.arraySync()).toEqual([2]);
  });
});
