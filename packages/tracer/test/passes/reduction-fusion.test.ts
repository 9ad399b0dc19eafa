import { beforeAll, describe, expect, it } from 'vitest';
import { fuseElementwise } from '../../src/passes/elementwise-fusion.js';
import { fuseReductions } from '../../src/passes/reduction-fusion.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

describe('fuseReductions', () => {
  it('computes a lone elementwise producer inside the sum (sum of squares)', () => {
    const b = new GraphBuilder();
    const x = b.input([3, 4]);
    const before = b.build([b.op('sum', [b.op('square', [x])], { axes: [1], keepDims: false })]);
    const after = fuseReductions(before);
    expect(describeGraph(after)).toEqual(['%2 = sum(%0) {r1=square(r0) -> r1}', 'return %2']);
    expect(after.nodes[0].attrs).toMatchObject({ axes: [1], keepDims: false, prologueShape: [3, 4] });
    expectPreserved(before, after);
  });

  it('takes a fused region with broadcast inputs as the prologue of a max', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const shift = b.input([3]);
    const y = b.op('max', [b.op('exp', [b.op('sub', [x, shift])])], { axes: [0, 1], keepDims: true });
    const before = b.build([y]);
    const after = fuseReductions(fuseElementwise(before));
    expect(describeGraph(after)).toEqual(['%4 = max(%0, %1) {r2=sub(r0,r1); r3=exp(r2) -> r3}', 'return %4']);
    expectPreserved(before, after);
  });

  it('leaves the producer alone when its values are read elsewhere or returned, or it has several outputs', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const sq = b.op('square', [x]);
    const s1 = b.op('sum', [sq], { axes: [1], keepDims: false });
    const ex = b.op('exp', [x]);
    const s2 = b.op('sum', [ex], { axes: [1], keepDims: false });
    const argmax = b.op('argMax', [b.op('neg', [x])], { axis: 1 });
    const before = b.build([s1, sq, s2, ex, argmax]);
    expect(fuseReductions(before)).toBe(before);
  });
});
