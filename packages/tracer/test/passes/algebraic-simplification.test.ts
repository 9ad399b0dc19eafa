import { beforeAll, describe, expect, it } from 'vitest';
import { simplifyAlgebra } from '../../src/passes/algebraic-simplification.js';
import { eliminateDeadCode } from '../../src/passes/dead-code.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

const simplified = (graph: Parameters<typeof simplifyAlgebra>[0]) => eliminateDeadCode(simplifyAlgebra(graph));

describe('simplifyAlgebra', () => {
  it('removes x*1, 1*x, x+0, 0+x, x-0 and x/1', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const one = b.constant([1, 1, 1], [3]);
    const zero = b.constant([0]);
    let y = b.op('mul', [x, one]);
    y = b.op('mul', [one, y]);
    y = b.op('add', [y, zero]);
    y = b.op('add', [zero, y]);
    y = b.op('sub', [y, zero]);
    y = b.op('div', [y, one]);
    const before = b.build([b.op('exp', [y])]);
    const after = simplified(before);
    expect(describeGraph(after)).toEqual(['%9 = exp(%0)', 'return %9']);
    expectPreserved(before, after);
  });

  it('keeps identities that would change the shape or dtype, and 0-x, 1/x, x*2', () => {
    const b = new GraphBuilder();
    const x = b.input([3]);
    const i = b.input([3], 'int32');
    const ones = b.constant([1, 1, 1, 1, 1, 1], [2, 3]);
    const grown = b.op('mul', [x, ones]); // broadcasts x to [2, 3]
    const zero = b.constant([0]);
    const negated = b.op('sub', [zero, x]);
    const inverse = b.op('div', [b.constant([1]), x]);
    const doubled = b.op('mul', [x, b.constant([2])]);
    const promoted = b.op('add', [b.op('cast', [i], { dtype: 'float32' }), zero]);
    const before = b.build([grown, negated, inverse, doubled, promoted]);
    const after = simplified(before);
    expect(after.nodes.filter((n) => n.op !== 'constant').map((n) => n.op)).toEqual(['mul', 'sub', 'div', 'mul', 'cast']);
    expect(after.outputs[4]).toBe(after.nodes.find((n) => n.op === 'cast')!.outputs[0]);
    expectPreserved(before, after);
  });

  it('removes neg(neg(x)) and a double transpose that composes to the identity', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3, 4]);
    const n = b.op('neg', [b.op('neg', [x])]);
    const t = b.op('transpose', [b.op('transpose', [n], { perm: [2, 0, 1] })], { perm: [1, 2, 0] });
    const before = b.build([b.op('exp', [t])]);
    const after = simplified(before);
    expect(describeGraph(after)).toEqual(['%5 = exp(%0)', 'return %5']);
    expectPreserved(before, after);
  });

  it('composes a transpose chain into one permutation', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3, 4]);
    const t1 = b.op('transpose', [x], { perm: [1, 0, 2] });
    const t2 = b.op('transpose', [t1], { perm: [0, 2, 1] });
    const t3 = b.op('transpose', [t2], { perm: [2, 1, 0] });
    const before = b.build([t3]);
    const after = simplified(before);
    expect(describeGraph(after)).toEqual(['%3 = transpose(%0)', 'return %3']);
    // out axis i of t3 = t2 axis [2,1,0][i] = t1 axis [0,2,1][...] = x axis [1,0,2][...]
    expect(after.nodes[0].attrs.perm).toEqual([0, 2, 1]);
    expect(after.values.get(3)!.shape).toEqual([2, 4, 3]);
    expectPreserved(before, after);
  });

  it('collapses reshape chains and drops a reshape back to the original shape', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 6]);
    const r1 = b.op('reshape', [x], { shape: [3, 4] });
    const r2 = b.op('reshape', [r1], { shape: [12] });
    const back = b.op('reshape', [b.op('reshape', [x], { shape: [12] })], { shape: [2, 6] });
    const before = b.build([r2, b.op('exp', [back])]);
    const after = simplified(before);
    expect(describeGraph(after)).toEqual(['%2 = reshape(%0)', '%5 = exp(%0)', 'return %2, %5']);
    expect(after.nodes[0].attrs.shape).toEqual([12]);
    expectPreserved(before, after);
  });

  it('drops a broadcastTo the shape the value already has, keeps a real one', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const same = b.op('broadcastTo', [x], { shape: [2, 3] });
    const grown = b.op('broadcastTo', [x], { shape: [4, 2, 3] });
    const before = b.build([b.op('exp', [same]), grown]);
    const after = simplified(before);
    expect(describeGraph(after)).toEqual(['%2 = broadcastTo(%0)', '%3 = exp(%0)', 'return %3, %2']);
    expectPreserved(before, after);
  });

  it('shortens cast chains only where every value survives', () => {
    const b = new GraphBuilder();
    const flag = b.input([4], 'bool');
    const f = b.input([4]);
    const i = b.input([4], 'int32');
    const roundTrip = b.op('cast', [b.op('cast', [flag], { dtype: 'float32' })], { dtype: 'bool' }); // → flag
    const viaInt = b.op('cast', [b.op('cast', [flag], { dtype: 'int32' })], { dtype: 'float32' }); // → cast(flag, f32)
    const truncating = b.op('cast', [b.op('cast', [f], { dtype: 'int32' })], { dtype: 'float32' }); // kept
    const lossy = b.op('cast', [b.op('cast', [i], { dtype: 'float32' })], { dtype: 'int32' }); // kept: 2^24+1 does not survive
    const same = b.op('cast', [f], { dtype: 'float32' }, { shape: [4], dtype: 'float32' });
    const before = b.build([roundTrip, viaInt, truncating, lossy, same]);
    const after = simplified(before);
    expect(describeGraph(after)).toEqual([
      '%6 = cast(%0)',
      '%7 = cast(%1)',
      '%8 = cast(%7)',
      '%9 = cast(%2)',
      '%10 = cast(%9)',
      'return %0, %6, %8, %10, %1',
    ]);
    expect(after.nodes[0].attrs.dtype).toBe('float32');
    expectPreserved(before, after);
  });
});
