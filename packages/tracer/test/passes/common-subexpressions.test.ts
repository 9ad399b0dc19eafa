import { beforeAll, describe, expect, it } from 'vitest';
import { eliminateCommonSubexpressions } from '../../src/passes/common-subexpressions.js';
import { verifyGraph } from '../../src/passes/verify.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

describe('eliminateCommonSubexpressions', () => {
  it('merges equal nodes and then their equal users, commutative operands in either order', () => {
    const b = new GraphBuilder();
    const x = b.input([3]);
    const y = b.input([3]);
    const e1 = b.op('exp', [x]);
    const e2 = b.op('exp', [x]);
    const s1 = b.op('add', [e1, y]);
    const s2 = b.op('add', [y, e2]);
    const before = b.build([b.op('mul', [s1, s2])]);
    const after = eliminateCommonSubexpressions(before);
    expect(describeGraph(after)).toEqual(['%2 = exp(%0)', '%4 = add(%2, %1)', '%6 = mul(%4, %4)', 'return %6']);
    expectPreserved(before, after);
  });

  it('keeps nodes apart when attributes, input order of a non-commutative op, or output types differ', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const y = b.input([2, 3]);
    const s0 = b.op('sum', [x], { axes: [0], keepDims: false });
    const s1 = b.op('sum', [x], { axes: [1], keepDims: false });
    const s1again = b.op('sum', [x], { keepDims: false, axes: [1] });
    const d1 = b.op('sub', [x, y]);
    const d2 = b.op('sub', [y, x]);
    const c1 = b.op('cast', [x], { dtype: 'int32' });
    const c2 = b.op('cast', [x], { dtype: 'bool' });
    const before = b.build([s0, s1, s1again, d1, d2, c1, c2]);
    const after = eliminateCommonSubexpressions(before);
    expect(describeGraph(after)).toEqual([
      '%2 = sum(%0)',
      '%3 = sum(%0)',
      '%5 = sub(%0, %1)',
      '%6 = sub(%1, %0)',
      '%7 = cast(%0)',
      '%8 = cast(%0)',
      'return %2, %3, %3, %5, %6, %7, %8',
    ]);
    expectPreserved(before, after);
  });

  it('merges equal constants and equal-seed random ops, never random ops with different seeds', () => {
    const b = new GraphBuilder();
    const c1 = b.constant([1, 2], [2]);
    const c2 = b.constant([1, 2], [2]);
    const c3 = b.constant([1, 3], [2]);
    const r1 = b.op('random', [], { shape: [2], distribution: 'uniform', seed: [1, 2] });
    const r2 = b.op('random', [], { shape: [2], distribution: 'uniform', seed: [1, 2] });
    const r3 = b.op('random', [], { shape: [2], distribution: 'uniform', seed: [1, 3] });
    const before = b.build([c1, c2, c3, r1, r2, r3]);
    const after = eliminateCommonSubexpressions(before);
    expect(describeGraph(after)).toEqual([
      '%0 = constant()',
      '%2 = constant()',
      '%3 = random()',
      '%5 = random()',
      'return %0, %0, %2, %3, %3, %5',
    ]);
    expectPreserved(before, after);
  });

  it('never merges assigns, and merges variable reads only when no write of the variable lies between them', () => {
    const v = { name: 'v' };
    const w = { name: 'w' };
    const b = new GraphBuilder();
    const x = b.input([2]);
    const r1 = b.read(v, [2]);
    const r2 = b.read(v, [2]);
    const w1 = b.read(w, [2]);
    b.assign(w, x);
    const r3 = b.read(v, [2]); // w was written, v was not: same as r1
    b.assign(v, x);
    b.assign(v, x);
    const r4 = b.read(v, [2]); // after a write of v: a new value
    const w2 = b.read(w, [2]);
    const before = b.build([r1, r2, r3, r4, w1, w2]);
    const after = eliminateCommonSubexpressions(before);
    expect(describeGraph(after)).toEqual([
      '%1 = readVariable()',
      '%3 = readVariable()',
      'assignVariable(%0)',
      'assignVariable(%0)',
      'assignVariable(%0)',
      '%5 = readVariable()',
      '%6 = readVariable()',
      'return %1, %1, %1, %5, %3, %6',
    ]);
    // The tracer never reads a variable after assigning it (IR-NOTES.md), so verifyGraph rejects
    // this graph; CSE must keep its meaning all the same.
    expect(() => verifyGraph(before)).toThrow('reads a variable after it was assigned');
    expectPreserved(before, after, new Map([[v, new Float32Array([1, 2])], [w, new Float32Array([3, 4])]]), 1, false);
  });

  it('does not merge reads across control flow whose branches assign', () => {
    const v = { name: 'v' };
    const inner = new GraphBuilder();
    inner.assign(v, inner.input([2]));
    const branch = inner.build([]);
    const b = new GraphBuilder();
    const x = b.input([2]);
    const r1 = b.read(v, [2]);
    b.raw({ op: 'while', kind: 'opaque', inputs: [x], attrs: { body: branch } }, []);
    const r2 = b.read(v, [2]);
    const after = eliminateCommonSubexpressions(b.build([r1, r2]));
    expect(after.nodes.map((n) => n.op)).toEqual(['readVariable', 'while', 'readVariable']);
    expect(after.outputs).toEqual([1, 2]);
  });

  it('merges equal fused regions, compares programs by content', () => {
    const program = () => ({ numInputs: 1, instructions: [{ op: 'exp', args: [0], attrs: {}, dtype: 'float32' as const }], outputs: [1] });
    const b = new GraphBuilder();
    const x = b.input([2]);
    const [f1] = b.fused([x], program(), [{ shape: [2], dtype: 'float32' }]);
    const [f2] = b.fused([x], program(), [{ shape: [2], dtype: 'float32' }]);
    const before = b.build([b.op('sub', [f1, f2])]);
    const after = eliminateCommonSubexpressions(before);
    expect(describeGraph(after)).toEqual(['%1 = fused(%0) {r1=exp(r0) -> r1}', '%3 = sub(%1, %1)', 'return %3']);
    expectPreserved(before, after);
  });
});
