import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/core';
import { ArgumentError, DTypeError, GradientTape, ShapeError, memory, scalar, setBackend, tensor, tidy, variable, zeros } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { cond, trace, whileLoop } from '../src/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

const positive = (x: Tensor): Tensor => x.sum().greater(0);

describe('cond', () => {
  it('eagerly runs only the branch taken, for a bool tensor or a JS boolean', () => {
    const ran: string[] = [];
    const x = tensor([1, -3]);
    const pick = (p: Tensor | boolean) =>
      cond(p, () => (ran.push('then'), x.mul(2)), () => (ran.push('else'), x.neg()));
    expect(pick(positive(x)).arraySync()).toEqual([-1, 3]);
    expect(pick(true).arraySync()).toEqual([2, -6]);
    expect(ran).toEqual(['else', 'then']);
    expect(() => pick(tensor([1]))).toThrow(DTypeError);
    expect(() => pick(tensor([true, false]))).toThrow('cond: the predicate must have one element, got shape [2]');
  });

  it('traced, records both branches once as subgraphs and picks one per call', () => {
    const traced: string[] = [];
    const f = trace((x: Tensor) =>
      cond(positive(x), () => (traced.push('then'), x.mul(2)), () => (traced.push('else'), x.neg().add(1))),
    );
    expect(f(tensor([1, 2])).arraySync()).toEqual([2, 4]);
    expect(f(tensor([-1, -2])).arraySync()).toEqual([2, 3]);
    expect(f(tensor([5, -1])).arraySync()).toEqual([10, -2]);
    expect(f.traceCount).toBe(1);
    expect(traced).toEqual(['then', 'else']);
    const node = f.concreteFunctions[0].graph.nodes.find((n) => n.op === 'cond')!;
    expect(node.attrs.thenBranch).toBeDefined();
    expect(f.concreteFunctions[0].toString()).toMatch(/cond\(%\d+, %0\)[\s\S]*thenBranch:[\s\S]*elseBranch:/);
  });

  it('captures outer tensors and variables, and returns structures', () => {
    const bias = tensor([100, 200]);
    const v = variable(tensor([1, 1]));
    const f = trace((x: Tensor, flag: Tensor) =>
      cond(flag, () => ({ a: x.add(bias), b: [v.mul(x)] }), () => ({ a: x.sub(v), b: [x] })),
    );
    const t = f(tensor([1, 2]), tensor(true)) as { a: Tensor; b: Tensor[] };
    expect([t.a.arraySync(), t.b[0].arraySync()]).toEqual([[101, 202], [1, 2]]);
    v.assign(tensor([3, 3]));
    const e = f(tensor([1, 2]), tensor(false)) as { a: Tensor; b: Tensor[] };
    expect([e.a.arraySync(), e.b[0].arraySync()]).toEqual([[-2, -1], [1, 2]]);
    const t2 = f(tensor([1, 2]), tensor(true)) as { a: Tensor; b: Tensor[] };
    expect(t2.b[0].arraySync()).toEqual([3, 6]);
    expect(f.traceCount).toBe(1);
  });

  it('assigns variables inside a branch on every call that takes it', () => {
    const counter = variable(zeros([]));
    const f = trace((x: Tensor) =>
      cond(positive(x), () => {
        counter.assignAdd(1);
        return x;
      }, () => x.neg()),
    );
    f(tensor([1]));
    f(tensor([-1]));
    f(tensor([2]));
    expect(counter.item()).toBe(2);
    expect(f.traceCount).toBe(1);
  });

  it('captures a variable and the value last assigned to it as one input', () => {
    const v = variable(tensor([1, 2]));
    const f = trace((x: Tensor) => {
      const next = x.mul(10);
      v.assign(next);
      return cond(x.sum().greater(0), () => v.add(next), () => next.sub(v));
    });
    expect(f(tensor([1, 1])).arraySync()).toEqual([20, 20]);
    expect(f(tensor([-1, -1])).arraySync()).toEqual([0, 0]);
    const node = f.concreteFunctions[0].tracedGraph.nodes.find((n) => n.op === 'cond')!;
    expect(node.inputs).toHaveLength(2);
  });

  it('nests', () => {
    const f = trace((x: Tensor) =>
      cond(x.greater(0), () => cond(x.greater(10), () => scalar(2), () => scalar(1)), () => scalar(0)),
    );
    expect([f(scalar(-5)), f(scalar(5)), f(scalar(50))].map((t) => t.item())).toEqual([0, 1, 2]);
  });

  it('refuses branches of different structure, dtype or shape, naming both', () => {
    const structure = trace((x: Tensor) => cond(positive(x), () => [x, x], () => [x]));
    expect(() => structure(tensor([1]))).toThrow(ArgumentError);
    expect(() => structure(tensor([1]))).toThrow(/cond: thenFn and elseFn must return the same structure and dtypes: thenFn gave result\[0\]: float32\[1\], result\[1\]: float32\[1\]/);
    const dtype = trace((x: Tensor) => cond(positive(x), () => x, () => x.greater(0)));
    expect(() => dtype(tensor([1]))).toThrow(/elseFn gave result: bool\[1\]/);
    const shape = trace((x: Tensor) => cond(positive(x), () => x, () => x.slice([0], [1])));
    expect(() => shape(tensor([1, 2]))).toThrow(ShapeError);
    expect(() => shape(tensor([1, 2]))).toThrow('cond: output 0 has shape [2] in thenFn but [1] in elseFn');
  });
});

describe('whileLoop maximumIterations', () => {
  it('stops after the maximum even while the condition holds, eagerly and traced, and is checked', () => {
    const loop = (x: Tensor, max: number) => whileLoop((i: Tensor) => i.less(100), (i: Tensor) => [i.add(3)], [x], { maximumIterations: max });
    const traced = trace((x: Tensor) => loop(x, 4));
    const x = tensor(1, [], 'int32');
    expect(loop(x, 4)[0].arraySync()).toBe(13);
    expect(traced(x)[0].arraySync()).toBe(13);
    expect(loop(x, 0)[0].arraySync()).toBe(1);
    // A loop that ends first is not changed by a larger maximum.
    expect(loop(x, 1000)[0].arraySync()).toBe(100);
    expect(() => loop(x, -1)).toThrow('whileLoop: maximumIterations must be a non-negative integer, got -1');
    expect(() => loop(x, 1.5)).toThrow('whileLoop: maximumIterations must be a non-negative integer, got 1.5');
  });
});

describe('whileLoop', () => {
  const doubleUntil = (limit: number) => (x: Tensor): Tensor[] =>
    whileLoop((i, v) => v.sum().less(limit), (i, v) => [i.add(1), v.mul(2)], [scalar(0, 'int32'), x]);

  it('eagerly loops in JavaScript and leaks no intermediate', () => {
    const x = tensor([1, 2]);
    const before = memory().numTensors;
    const [i, v] = tidy(() => doubleUntil(100)(x));
    expect([i.item(), v.arraySync()]).toEqual([6, [64, 128]]);
    i.dispose();
    v.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('traced, runs a data-dependent number of iterations from one trace', () => {
    const f = trace(doubleUntil(100));
    const [i1, v1] = f(tensor([1, 2]));
    const [i2, v2] = f(tensor([30, 40]));
    const [i3] = f(tensor([200, 0]));
    expect([i1.item(), v1.arraySync()]).toEqual([6, [64, 128]]);
    expect([i2.item(), v2.arraySync()]).toEqual([1, [60, 80]]);
    expect(i3.item()).toBe(0);
    expect(f.traceCount).toBe(1);
    expect(f.concreteFunctions[0].graph.nodes.some((n) => n.op === 'while')).toBe(true);
  });

  it('traced loops capture outer values and leak nothing when warm', () => {
    const step = tensor([0.5, 0.25]);
    const f = trace((x: Tensor) => whileLoop((v) => v.sum().greater(0), (v) => [v.sub(step)], [x])[0]);
    const x = tensor([2, 1]);
    // Four steps bring [2, 1] to a sum of 0, where the loop stops.
    expect(f(x).arraySync()).toEqual([0, 0]);
    expect(f(tensor([1, 1])).arraySync()).toEqual([-0.5, 0.25]);
    const before = memory();
    for (let k = 0; k < 50; k++) f(x).dispose();
    expect(memory().numBytes).toBe(before.numBytes);
    expect(memory().numTensors).toBe(before.numTensors);
  });

  it('refuses a body that changes a loop variable', () => {
    const eager = () => whileLoop((v) => v.sum().less(10), (v) => [v.sum()], [tensor([1, 2])]);
    expect(eager).toThrow('whileLoop: loop variable 0 has shape [2] but bodyFn returned []');
    const traced = trace((x: Tensor) => whileLoop((v) => v.sum().less(10), (v) => [v.cast('int32')], [x]));
    expect(() => traced(tensor([1]))).toThrow('whileLoop: loop variable 0 is float32 but bodyFn returned int32');
    const count = trace((x: Tensor) => whileLoop((v) => v.sum().less(10), (v) => [v, v], [x]));
    expect(() => count(tensor([1]))).toThrow(/bodyFn must return an array of 1 tensors/);
  });
});

describe('gradients through cond', () => {
  const branchy = (x: Tensor): Tensor => cond(positive(x), () => x.square().sum(), () => x.mul(3).sum());

  const eagerGrad = (x: Tensor): number[] => {
    const tape = new GradientTape();
    const y = tape.record(() => {
      tape.watch(x);
      return branchy(x);
    });
    return tape.gradient(y, [x])[0]!.arraySync() as number[];
  };

  it('eagerly, through the branch taken', () => {
    expect(eagerGrad(tensor([1, 2]))).toEqual([2, 4]);
    expect(eagerGrad(tensor([-1, -2]))).toEqual([3, 3]);
  });

  it('inside a traced function, equal to eager for either branch', () => {
    const gradOf = trace((x: Tensor) => {
      const tape = new GradientTape();
      const y = tape.record(() => {
        tape.watch(x);
        return branchy(x);
      });
      return { y, dx: tape.gradient(y, [x])[0]! };
    });
    for (const values of [[1, 2], [-1, -2], [3, -1]]) {
      const out = gradOf(tensor(values)) as { y: Tensor; dx: Tensor };
      expect(out.dx.arraySync()).toEqual(eagerGrad(tensor(values)));
    }
    expect(gradOf.traceCount).toBe(1);
    const outer = gradOf.concreteFunctions[0].graph.nodes.filter((n) => n.op === 'cond');
    expect(outer.length).toBeGreaterThanOrEqual(2);
  });

  it('to variables read inside the branches of a traced train step', () => {
    const make = () => variable(tensor([0.5, -1]));
    const eagerW = make();
    const tracedW = make();
    const step = (w: ReturnType<typeof variable>) => (x: Tensor): Tensor => {
      const tape = new GradientTape();
      const loss = tape.record(() => cond(x.sum().greater(0), () => x.mul(w).sum().square(), () => w.sum().mul(x.sum())));
      const [gw] = tape.gradient(loss, [w]);
      w.assignSub(gw!.mul(0.1));
      return loss;
    };
    const traced = trace(step(tracedW));
    for (const values of [[1, 2], [-1, -3], [2, -1], [-2, 0.5]]) {
      expect(traced(tensor(values)).item()).toBeCloseTo(step(eagerW)(tensor(values)).item(), 5);
      (tracedW.arraySync() as number[]).forEach((v, i) => expect(v).toBeCloseTo((eagerW.arraySync() as number[])[i], 5));
    }
    expect(traced.traceCount).toBe(1);
  });

  it('through a traced call recorded by an outer tape', () => {
    const f = trace(branchy);
    f(tensor([1, 1]));
    const x = tensor([1, 2]);
    const tape = new GradientTape();
    const y = tape.record(() => {
      tape.watch(x);
      return f(x);
    });
    expect(y.item()).toBe(5);
    expect(tape.gradient(y, [x])[0]!.arraySync()).toEqual([2, 4]);
    expect(f.traceCount).toBe(1);
  });
});
