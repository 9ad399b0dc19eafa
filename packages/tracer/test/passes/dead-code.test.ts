import { beforeAll, describe, expect, it } from 'vitest';
import { eliminateDeadCode } from '../../src/passes/dead-code.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

describe('eliminateDeadCode', () => {
  it('drops nodes that reach no output, transitively', () => {
    const b = new GraphBuilder();
    const x = b.input([3]);
    const e = b.op('exp', [x]);
    const unused = b.op('neg', [e]);
    b.op('sqrt', [unused]);
    const y = b.op('tanh', [x]);
    const before = b.build([y]);
    const after = eliminateDeadCode(before);
    expect(describeGraph(after)).toEqual(['%4 = tanh(%0)', 'return %4']);
    expect([...after.values.keys()]).toEqual([0, 4]);
    expectPreserved(before, after);
  });

  it('keeps assigns and what they read, drops an unused variable read', () => {
    const v = { name: 'v' };
    const w = { name: 'w' };
    const b = new GraphBuilder();
    const x = b.input([2]);
    const r = b.read(v, [2]);
    b.read(w, [2]);
    const s = b.op('add', [r, x]);
    b.assign(v, s);
    b.op('exp', [s]);
    const before = b.build([x]);
    const after = eliminateDeadCode(before);
    expect(describeGraph(after)).toEqual(['%1 = readVariable()', '%3 = add(%1, %0)', 'assignVariable(%3)', 'return %0']);
    expectPreserved(before, after, new Map([[v, new Float32Array([1, 2])], [w, new Float32Array([5, 6])]]));
  });

  it('returns the same graph object when nothing is dead', () => {
    const b = new GraphBuilder();
    const x = b.input([2]);
    const before = b.build([b.op('exp', [x])]);
    expect(eliminateDeadCode(before)).toBe(before);
  });

  it('keeps a graph input that is also an output, and a multi-output node when one of its outputs is used', () => {
    const b = new GraphBuilder();
    const x = b.input([2]);
    const [, second] = b.fused(
      [x],
      {
        numInputs: 1,
        instructions: [
          { op: 'exp', args: [0], attrs: {}, dtype: 'float32' },
          { op: 'neg', args: [0], attrs: {}, dtype: 'float32' },
        ],
        outputs: [1, 2],
      },
      [
        { shape: [2], dtype: 'float32' },
        { shape: [2], dtype: 'float32' },
      ],
    );
    const before = b.build([x, second]);
    const after = eliminateDeadCode(before);
    expect(describeGraph(after)).toEqual(['%1, %2 = fused(%0) {r1=exp(r0); r2=neg(r0) -> r1,r2}', 'return %0, %2']);
    expectPreserved(before, after);
  });

  it('keeps a control-flow node whose branch assigns a variable, drops one that does not', () => {
    const v = { name: 'v' };
    const inner = new GraphBuilder();
    const p = inner.input([2]);
    inner.assign(v, p);
    const branch = inner.build([]);
    const pure = new GraphBuilder();
    const q = pure.input([2]);
    const pureBranch = pure.build([q]);
    const b = new GraphBuilder();
    const pred = b.input([], 'bool');
    const x = b.input([2]);
    b.raw({ op: 'cond', kind: 'opaque', inputs: [pred, x], attrs: { thenBranch: branch, elseBranch: pureBranch } }, []);
    b.raw({ op: 'cond', kind: 'opaque', inputs: [pred, x], attrs: { thenBranch: pureBranch, elseBranch: pureBranch } }, [{ shape: [2], dtype: 'float32' }]);
    const after = eliminateDeadCode(b.build([x]));
    expect(after.nodes.map((n) => n.op)).toEqual(['cond']);
    expect(after.nodes[0].attrs.thenBranch).toBe(branch);
  });
});
