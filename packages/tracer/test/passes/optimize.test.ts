import { beforeAll, describe, expect, it } from 'vitest';
import { optimize } from '../../src/passes/index.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

/** A dense layer written the long way: a folded scale, an identity, a duplicate, dead code, bias and gelu-ish tail. */
function denseLayer() {
  const b = new GraphBuilder();
  const x = b.input([2, 3]);
  const w = b.input([3, 4]);
  const bias = b.input([4]);
  const scale = b.op('mul', [b.constant([2]), b.constant([0.5])]); // folds to 1
  const xs = b.op('mul', [x, scale]); // then x*1 → x
  const m = b.op('matMul', [xs, w], { transposeA: false, transposeB: false });
  const biased = b.op('add', [m, bias]);
  const again = b.op('add', [m, bias]); // CSE
  b.op('exp', [again]); // dead
  const act = b.op('mul', [biased, b.op('sigmoid', [b.op('mul', [again, b.constant([1.702])])])]);
  const total = b.op('sum', [b.op('square', [act])], { axes: [1], keepDims: false });
  return b.build([act, total]);
}

describe('optimize', () => {
  it('runs simplify, fold, CSE and DCE to a fixed point, then fuses', () => {
    const before = denseLayer();
    const after = optimize(before, { verify: true });
    expect(describeGraph(after)).toEqual([
      '%11 = constant()',
      '%15, %14 = matMul(%0, %1, %2, %11) {r3=add(r0,r1); r4=mul(r3,r2); r5=sigmoid(r4); r6=mul(r3,r5); r7=square(r6) -> r7,r6}',
      '%16 = sum(%15)',
      'return %14, %16',
    ]);
    expectPreserved(before, after);
  });

  it('keeps a dense layer\'s bias in its epilogue when softmax reads the logits twice', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const w = b.input([3, 4]);
    const bias = b.input([4]);
    const logits = b.op('add', [b.op('matMul', [x, w], { transposeA: false, transposeB: false }), bias]);
    const e = b.op('exp', [b.op('sub', [logits, b.op('max', [logits], { axes: [1], keepDims: true })])]);
    const before = b.build([b.op('div', [e, b.op('sum', [e], { axes: [1], keepDims: true })])]);
    const after = optimize(before, { verify: true });
    expect(describeGraph(after)).toEqual([
      '%4 = matMul(%0, %1, %2) {r2=add(r0,r1) -> r2}',
      '%5 = max(%4)',
      '%7 = fused(%4, %5) {r2=sub(r0,r1); r3=exp(r2) -> r3}',
      '%8 = sum(%7)',
      '%9 = div(%7, %8)',
      'return %9',
    ]);
    expectPreserved(before, after);
  });

  it('fuses a reduction with its producer only when the backend asks for it', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const centered = b.op('sub', [x, b.op('max', [x], { axes: [1], keepDims: true })]);
    const before = b.build([b.op('sum', [b.op('exp', [centered])], { axes: [1], keepDims: false })]);
    expect(describeGraph(optimize(before, { verify: true }))).toEqual([
      '%1 = max(%0)',
      '%3 = fused(%0, %1) {r2=sub(r0,r1); r3=exp(r2) -> r3}',
      '%4 = sum(%3)',
      'return %4',
    ]);
    const after = optimize(before, { verify: true, reductionFusion: true });
    expect(describeGraph(after)).toEqual(['%1 = max(%0)', '%4 = sum(%0, %1) {r2=sub(r0,r1); r3=exp(r2) -> r3}', 'return %4']);
    expectPreserved(before, after);
  });

  it('switches each pass off on its own', () => {
    const before = denseLayer();
    const ops = (options: Parameters<typeof optimize>[1]) => {
      const after = optimize(before, { verify: true, ...options });
      expectPreserved(before, after);
      return after.nodes.map((n) => n.op);
    };
    expect(ops({ constantFolding: false })).toEqual(['constant', 'constant', 'fused', 'constant', 'matMul', 'sum']);
    const noCse = optimize(before, { commonSubexpressions: false });
    expect(noCse.nodes[1].attrs.epilogue).toMatchObject({ instructions: [{ op: 'add' }, { op: 'add' }, {}, {}, {}, {}] });
    expect(ops({ elementwiseFusion: false, epilogueFusion: false })).toEqual(['matMul', 'add', 'constant', 'mul', 'sigmoid', 'mul', 'square', 'sum']);
    expect(ops({ epilogueFusion: false })).toEqual(['matMul', 'constant', 'fused', 'sum']);
    const noDce = optimize(before, { deadCode: false, elementwiseFusion: false, epilogueFusion: false });
    expect(noDce.nodes.some((n) => n.op === 'exp')).toBe(true);
    expect(optimize(before, { simplify: false, constantFolding: false, commonSubexpressions: false, deadCode: false, elementwiseFusion: false, epilogueFusion: false })).toBe(before);
  });

  it('optimizes the subgraphs of control flow, keeping their inputs and outputs', () => {
    const inner = new GraphBuilder();
    const p = inner.input([3]);
    const branch = inner.build([inner.op('neg', [inner.op('neg', [inner.op('add', [p, inner.constant([0])])])])]);
    const b = new GraphBuilder();
    const pred = b.input([], 'bool');
    const x = b.input([3]);
    const [y] = b.raw({ op: 'cond', kind: 'opaque', inputs: [pred, x], attrs: { thenBranch: branch, elseBranch: branch } }, [{ shape: [3], dtype: 'float32' }]);
    const after = optimize(b.build([y]));
    const then = after.nodes[0].attrs.thenBranch as typeof branch;
    expect(describeGraph(then)).toEqual(['return %0']);
    expect(then.inputs).toEqual(branch.inputs);
    expect(after.nodes[0].attrs.elseBranch).not.toBe(branch);
  });
});
