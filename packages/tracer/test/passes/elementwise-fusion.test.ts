import { beforeAll, describe, expect, it } from 'vitest';
import { eliminateDeadCode } from '../../src/passes/dead-code.js';
import { fuseElementwise } from '../../src/passes/elementwise-fusion.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

const fused = (graph: Parameters<typeof fuseElementwise>[0], maxFusedInputs?: number) => eliminateDeadCode(fuseElementwise(graph, { maxFusedInputs }));

describe('fuseElementwise', () => {
  it('fuses a single-consumer chain (gelu, tanh form) into one region', () => {
    const b = new GraphBuilder();
    const x = b.input([4]);
    const cube = b.op('mul', [b.op('mul', [x, x]), x]);
    const inner = b.op('mul', [b.op('add', [x, b.op('mul', [cube, b.constant([0.044715])])]), b.constant([0.7978845608])]);
    const y = b.op('mul', [b.op('mul', [x, b.constant([0.5])]), b.op('add', [b.op('tanh', [inner]), b.constant([1])])]);
    const before = b.build([y]);
    const after = fused(before);
    expect(describeGraph(after)).toEqual([
      '%3 = constant()',
      '%6 = constant()',
      '%8 = constant()',
      '%11 = constant()',
      '%13 = fused(%0, %3, %6, %8, %11) ' +
        '{r5=mul(r0,r0); r6=mul(r5,r0); r7=mul(r6,r1); r8=add(r0,r7); r9=mul(r8,r2); r10=mul(r0,r3); r11=tanh(r9); r12=add(r11,r4); r13=mul(r10,r12) -> r13}',
      'return %13',
    ]);
    expect(after.nodes[4].kind).toBe('region');
    expectPreserved(before, after);
  });

  it('absorbs a producer read twice inside the region (a diamond) once', () => {
    const b = new GraphBuilder();
    const x = b.input([3]);
    const p = b.op('exp', [x]);
    const y = b.op('add', [b.op('neg', [p]), b.op('sin', [p])]);
    const before = b.build([y]);
    const after = fused(before);
    expect(describeGraph(after)).toEqual(['%4 = fused(%0) {r1=exp(r0); r2=neg(r1); r3=sin(r1); r4=add(r2,r3) -> r4}', 'return %4']);
    expectPreserved(before, after);
  });

  it('makes a producer used again after the region an extra output of the region', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const y = b.input([2, 3]);
    const p = b.op('add', [x, y]);
    const t = b.op('tanh', [b.op('exp', [p])]);
    const s = b.op('sum', [p], { axes: [1], keepDims: false });
    const before = b.build([t, s]);
    const after = fused(before);
    expect(describeGraph(after)).toEqual([
      '%4, %2 = fused(%0, %1) {r2=add(r0,r1); r3=exp(r2); r4=tanh(r3) -> r4,r2}',
      '%5 = sum(%2)',
      'return %4, %5',
    ]);
    expectPreserved(before, after);
  });

  it('recomputes a cheap producer whose other use comes before the region, but not an expensive one', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const y = b.input([2, 3]);
    const cheap = b.op('add', [x, y]);
    const s1 = b.op('sum', [cheap], { axes: [1], keepDims: false });
    const t1 = b.op('tanh', [b.op('exp', [cheap])]);
    const costly = b.op('exp', [x]);
    const s2 = b.op('sum', [costly], { axes: [1], keepDims: false });
    const t2 = b.op('sin', [b.op('neg', [costly])]);
    const before = b.build([s1, t1, s2, t2]);
    const after = fused(before);
    expect(describeGraph(after)).toEqual([
      '%2 = add(%0, %1)',
      '%3 = sum(%2)',
      '%5 = fused(%0, %1) {r2=add(r0,r1); r3=exp(r2); r4=tanh(r3) -> r4}',
      '%6 = exp(%0)',
      '%7 = sum(%6)',
      '%9 = fused(%6) {r1=neg(r0); r2=sin(r1) -> r2}',
      'return %3, %5, %7, %9',
    ]);
    expectPreserved(before, after);
  });

  it('does not recompute a cheap producer whose input would then have to be written out', () => {
    // softmax(relu(x + b)): relu feeds both the max and the subtraction. Recomputing relu in the
    // exp region would force x + b out as an extra output; reading relu's result is cheaper.
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const bias = b.input([3]);
    const r = b.op('relu', [b.op('add', [x, bias])]);
    const m = b.op('max', [r], { axes: [1], keepDims: true });
    const e = b.op('exp', [b.op('sub', [r, m])]);
    const before = b.build([b.op('div', [e, b.op('sum', [e], { axes: [1], keepDims: true })])]);
    const after = fused(before);
    expect(describeGraph(after)).toEqual([
      '%3 = fused(%0, %1) {r2=add(r0,r1); r3=relu(r2) -> r3}',
      '%4 = max(%3)',
      '%6 = fused(%3, %4) {r2=sub(r0,r1); r3=exp(r2) -> r3}',
      '%7 = sum(%6)',
      '%8 = div(%6, %7)',
      'return %8',
    ]);
    expectPreserved(before, after);
  });

  it('fuses inputs of smaller broadcastable shapes, but never makes a smaller value a region output', () => {
    const b = new GraphBuilder();
    const row = b.input([3]);
    const m = b.input([2, 3]);
    const e = b.op('exp', [row]);
    const y = b.op('mul', [b.op('add', [m, e]), m]);
    const before = b.build([y]);
    const after = fused(before);
    expect(describeGraph(after)).toEqual(['%4 = fused(%0, %1) {r2=exp(r0); r3=add(r1,r2); r4=mul(r3,r1) -> r4}', 'return %4']);
    expect(after.values.get(4)!.shape).toEqual([2, 3]);
    expectPreserved(before, after);

    const c = new GraphBuilder();
    const r2 = c.input([3]);
    const m2 = c.input([2, 3]);
    const e2 = c.op('exp', [r2]);
    const z = c.op('mul', [c.op('add', [m2, e2]), m2]);
    const kept = c.build([z, e2]);
    const keptAfter = fused(kept);
    expect(describeGraph(keptAfter)).toEqual(['%2 = exp(%0)', '%4 = fused(%1, %2) {r2=add(r0,r1); r3=mul(r2,r0) -> r3}', 'return %4, %2']);
    expectPreserved(kept, keptAfter);
  });

  it('never lets a region read more than maxFusedInputs values', () => {
    const b = new GraphBuilder();
    const xs = [0, 1, 2, 3].map(() => b.input([2]));
    const s = b.op('add', [b.op('add', [b.op('add', [xs[0], xs[1]]), xs[2]]), xs[3]]);
    const before = b.build([b.op('exp', [s])]);
    expect(describeGraph(fused(before, 4))).toEqual(['%7 = fused(%0, %1, %2, %3) {r4=add(r0,r1); r5=add(r4,r2); r6=add(r5,r3); r7=exp(r6) -> r7}', 'return %7']);
    const limited = fused(before, 2);
    expect(describeGraph(limited)).toEqual([
      '%4 = add(%0, %1)',
      '%5 = add(%4, %2)',
      '%7 = fused(%5, %3) {r2=add(r0,r1); r3=exp(r2) -> r3}',
      'return %7',
    ]);
    expect(limited.nodes.filter((n) => n.op === 'fused').every((n) => n.inputs.length <= 2)).toBe(true);
    expectPreserved(before, limited);
  });

  it('never lets a region write more than maxFusedOutputs values', () => {
    const b = new GraphBuilder();
    const x = b.input([2]);
    const p = b.op('exp', [x]);
    const q = b.op('sin', [p]);
    const y = b.op('neg', [q]);
    const before = b.build([y, b.op('sum', [p], { axes: [0], keepDims: false }), b.op('sum', [q], { axes: [0], keepDims: false })]);
    const three = eliminateDeadCode(fuseElementwise(before));
    expect(three.nodes[0].outputs).toEqual([3, 1, 2]);
    const two = eliminateDeadCode(fuseElementwise(before, { maxFusedOutputs: 2 }));
    expect(describeGraph(two)).toEqual(['%1 = exp(%0)', '%3, %2 = fused(%1) {r1=sin(r0); r2=neg(r1) -> r2,r1}', '%4 = sum(%1)', '%5 = sum(%2)', 'return %3, %4, %5']);
    expectPreserved(before, two);
    expectPreserved(before, three);
  });

  it('stops at non-elementwise ops and keeps effects where they were', () => {
    const v = { name: 'v' };
    const b = new GraphBuilder();
    const x = b.input([2, 2]);
    const r = b.read(v, [2, 2]);
    const a = b.op('neg', [b.op('exp', [b.op('add', [x, r])])]);
    b.assign(v, a);
    const s = b.op('sum', [a], { axes: [0], keepDims: false });
    const y = b.op('sqrt', [b.op('abs', [s])]);
    const before = b.build([y]);
    const after = fused(before);
    expect(describeGraph(after)).toEqual([
      '%1 = readVariable()',
      '%4 = fused(%0, %1) {r2=add(r0,r1); r3=exp(r2); r4=neg(r3) -> r4}',
      'assignVariable(%4)',
      '%5 = sum(%4)',
      '%7 = fused(%5) {r1=abs(r0); r2=sqrt(r1) -> r2}',
      'return %7',
    ]);
    expectPreserved(before, after, new Map([[v, new Float32Array([1, 2, 3, 4])]]));
  });

  it('leaves lone elementwise ops alone and returns the same graph when nothing fuses', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 2]);
    const before = b.build([b.op('sum', [b.op('exp', [x])], { axes: [0], keepDims: false })]);
    expect(fuseElementwise(before)).toBe(before);
  });
});

describe('fuseElementwise with symbolic dimensions', () => {
  it('fuses a chain over a symbolic batch, but makes no symbolic-shaped extra output', () => {
    const b = new GraphBuilder();
    const x = b.input([null, 3]);
    const y = b.input([null, 3]);
    const f32 = (shape: (number | null)[]) => ({ shape, dtype: 'float32' as const });
    const p = b.op('add', [x, y], {}, f32([null, 3]));
    const t = b.op('tanh', [b.op('exp', [p], {}, f32([null, 3]))], {}, f32([null, 3]));
    const s = b.op('sum', [p], { axes: [1], keepDims: false }, f32([null]));
    const after = eliminateDeadCode(fuseElementwise(b.build([t, s])));
    // p cannot be an output of the region (x's batch may be 1 where y's is 5), so it is recomputed.
    expect(describeGraph(after)).toEqual([
      '%2 = add(%0, %1)',
      '%4 = fused(%0, %1) {r2=add(r0,r1); r3=exp(r2); r4=tanh(r3) -> r4}',
      '%5 = sum(%2)',
      'return %4, %5',
    ]);
  });
});
