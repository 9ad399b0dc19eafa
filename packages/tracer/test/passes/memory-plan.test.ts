import { describe, expect, it } from 'vitest';
import { planMemory } from '../../src/passes/memory-plan.js';
import { GraphBuilder } from './graph-builder.js';
import { expectPlanSound } from './plan-check.js';

describe('planMemory', () => {
  it('computes liveness and releases each value after its last use; writes a chain in place', () => {
    const b = new GraphBuilder();
    const x = b.input([4]);
    const e = b.op('exp', [x]);
    const n = b.op('neg', [e]);
    const y = b.op('sqrt', [n]);
    const graph = b.build([y]);
    const plan = planMemory(graph);
    expect(Object.fromEntries(plan.liveness)).toEqual({
      0: { definedAt: -1, lastUse: 0 },
      1: { definedAt: 0, lastUse: 1 },
      2: { definedAt: 1, lastUse: 2 },
      3: { definedAt: 2, lastUse: 3 },
    });
    expect(plan.releaseAfter).toEqual([[], [1], [2]]);
    expect(Object.fromEntries(plan.slotOf)).toEqual({ 1: 0, 2: 0 });
    expect(plan.slotBytes).toEqual([16]);
    expect(Object.fromEntries(plan.inPlace)).toEqual({ 1: [{ output: 2, input: 1 }] });
    expect(plan.inPlace.has(0)).toBe(false); // never into a graph input
    expect(plan.inPlace.has(2)).toBe(false); // the graph output escapes
    expect(plan.plannedBytes).toBe(16);
    expect(plan.unplannedBytes).toBe(32);
    expectPlanSound(graph, plan);
  });

  it('reuses a dead buffer of the same size class, never one still alive, and grows a free one rather than adding one', () => {
    const b = new GraphBuilder();
    const x = b.input([4]);
    const a = b.op('exp', [x]);
    const s = b.op('sum', [a], { axes: [0], keepDims: false });
    const c = b.op('sin', [x]);
    const t = b.op('sum', [c], { axes: [0], keepDims: false });
    const big = b.op('cos', [b.input([100])]);
    const total = b.op('add', [s, t]);
    const graph = b.build([total, b.op('sum', [big], { axes: [0], keepDims: false })]);
    const plan = planMemory(graph);
    expect(plan.slotOf.get(a)).toBe(0);
    expect(plan.slotOf.get(s)).toBe(1);
    expect(plan.slotOf.get(c)).toBe(0); // a died at the first sum
    expect(plan.slotOf.get(t)).toBe(2); // s is still alive
    expect(plan.slotOf.get(big)).toBe(0); // c died: its 16-byte slot grows to 400 bytes' class, 448
    expect(plan.slotBytes).toEqual([448, 16, 16]);
    expect(plan.unplannedBytes).toBe(16 + 4 + 16 + 4 + 400);
    expect(plan.plannedBytes).toBe(448 + 16 + 16);
    expect(plan.inPlace.size).toBe(0); // reductions never write in place
    expectPlanSound(graph, plan);
  });

  it('takes the smallest free slot that fits', () => {
    const b = new GraphBuilder();
    const x = b.input([64]);
    const small = b.op('exp', [b.input([4])]);
    const large = b.op('exp', [x]);
    const s1 = b.op('sum', [small], { axes: [0], keepDims: true });
    const s2 = b.op('sum', [large], { axes: [0], keepDims: true });
    const fits = b.op('sin', [b.input([2])]); // both slots free: the 16-byte one fits
    const graph = b.build([s1, s2, b.op('sum', [fits], { axes: [0], keepDims: false })]); // outputs: no slots
    const plan = planMemory(graph);
    expect(plan.slotOf.get(fits)).toBe(plan.slotOf.get(small));
    expect(plan.slotBytes[plan.slotOf.get(large)!]).toBe(256);
    expectPlanSound(graph, plan);
  });

  it('leaves graph inputs and outputs, constants, variable reads, assigned values and symbolic shapes unplanned', () => {
    const v = { name: 'v' };
    const b = new GraphBuilder();
    const x = b.input([4]);
    const r = b.read(v, [4]);
    const c = b.constant([1, 2, 3, 4], [4]);
    const sum = b.op('add', [r, c]); // both inputs escape: not in place
    const next = b.op('mul', [sum, x]);
    b.assign(v, next);
    const dynamic = b.op('exp', [b.input([null, 4])], {}, { shape: [null, 4], dtype: 'float32' });
    const graph = b.build([b.op('neg', [dynamic])]);
    const plan = planMemory(graph);
    expect([...plan.slotOf.keys()]).toEqual([sum]);
    expect(plan.inPlace.size).toBe(0); // sum → next would be in place, but next is handed to the variable
    expect(plan.releaseAfter.flat().sort((p, q) => p - q)).toEqual([r, sum, next, dynamic].sort((p, q) => p - q));
    expect(plan.releaseAfter.flat()).not.toContain(c);
    expectPlanSound(graph, plan);
  });

  it('keeps a reshaped buffer alive while its view is, and never writes in place over a viewed buffer', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 2]);
    const a = b.op('exp', [x]);
    const view = b.op('reshape', [a], { shape: [4] });
    const s = b.op('sum', [a], { axes: [0, 1], keepDims: false }); // a's last direct use
    const c = b.op('sin', [x]); // must not take a's slot: the view still reads it
    const d = b.op('neg', [c]);
    const y = b.op('mul', [b.op('neg', [view]), b.op('reshape', [d], { shape: [4] })]);
    const graph = b.build([y, s]);
    const plan = planMemory(graph);
    expect(plan.slotOf.get(view)).toBe(plan.slotOf.get(a));
    expect(plan.slotOf.get(c)).not.toBe(plan.slotOf.get(a));
    expect(plan.inPlace.get(graph.nodes[4].id)).toEqual([{ output: d, input: c }]);
    expect([...plan.inPlace.values()].flat().some((u) => u.input === a || u.input === view)).toBe(false);
    expectPlanSound(graph, plan);
  });

  it('writes a fused region in place, one dying input per output', () => {
    const b = new GraphBuilder();
    const x = b.input([3]);
    const p = b.op('exp', [x]);
    const q = b.op('sin', [x]);
    const program = {
      numInputs: 2,
      instructions: [
        { op: 'add', args: [0, 1], attrs: {}, dtype: 'float32' as const },
        { op: 'mul', args: [0, 1], attrs: {}, dtype: 'float32' as const },
      ],
      outputs: [2, 3],
    };
    const [f1, f2] = b.fused([p, q], program, [
      { shape: [3], dtype: 'float32' },
      { shape: [3], dtype: 'float32' },
    ]);
    const graph = b.build([b.op('sum', [b.op('add', [f1, f2])], { axes: [0], keepDims: false })]);
    const plan = planMemory(graph);
    expect(plan.inPlace.get(graph.nodes[2].id)).toEqual([
      { output: f1, input: p },
      { output: f2, input: q },
    ]);
    expectPlanSound(graph, plan);
  });
});
