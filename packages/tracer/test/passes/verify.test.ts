import { describe, expect, it } from 'vitest';
import { GraphVerificationError, verifyEffectsPreserved, verifyGraph } from '../../src/passes/verify.js';
import { GraphBuilder } from './graph-builder.js';

describe('verifyGraph', () => {
  it('accepts a well-formed graph', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const y = b.input([3]);
    const graph = b.build([b.op('add', [b.op('exp', [x]), y])]);
    expect(verifyGraph(graph)).toBeUndefined();
  });

  it('rejects a use before its definition, naming the node and the value', () => {
    const b = new GraphBuilder();
    const x = b.input([2]);
    const e = b.op('exp', [x]);
    const n = b.op('neg', [e]);
    const graph = b.build([n]);
    const swapped = { ...graph, nodes: [graph.nodes[1], graph.nodes[0]] };
    expect(() => verifyGraph(swapped)).toThrow(GraphVerificationError);
    expect(() => verifyGraph(swapped)).toThrow('node #1 (neg): input 0 is %1, which is not defined before it');
  });

  it('rejects an output whose recorded shape or dtype disagrees with inference', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const graph = b.build([b.op('sum', [x], { axes: [1], keepDims: false }, { shape: [3], dtype: 'float32' })]);
    expect(() => verifyGraph(graph)).toThrow('node #0 (sum): output %1 is recorded as float32[3], inference gives float32[2]');
    const c = new GraphBuilder();
    const a = c.input([2]);
    const bad = c.build([c.op('exp', [a], {}, { shape: [2], dtype: 'int32' })]);
    expect(() => verifyGraph(bad)).toThrow('is recorded as int32[2], inference gives float32[2]');
  });

  it('rejects mismatched input dtypes, a value defined twice, and an undefined graph output', () => {
    const b = new GraphBuilder();
    const x = b.input([2]);
    const i = b.input([2], 'int32');
    const graph = b.build([b.op('add', [x, i], {}, { shape: [2], dtype: 'float32' })]);
    expect(() => verifyGraph(graph)).toThrow('node #0 (add): its inputs do not type-check');
    const c = new GraphBuilder();
    const y = c.input([2]);
    const g = c.build([c.op('exp', [y])]);
    const twice = { ...g, nodes: [g.nodes[0], { ...g.nodes[0], id: 9 }] };
    expect(() => verifyGraph(twice)).toThrow('node #9 (exp) defines %1 a second time');
    expect(() => verifyGraph({ ...g, outputs: [42] })).toThrow('graph output 0 is %42, which no node defines');
  });

  it('rejects a fused program that reads a register not yet defined', () => {
    const b = new GraphBuilder();
    const x = b.input([2]);
    const [y] = b.fused([x], { numInputs: 1, instructions: [{ op: 'exp', args: [1], attrs: {}, dtype: 'float32' }], outputs: [1] }, [
      { shape: [2], dtype: 'float32' },
    ]);
    expect(() => verifyGraph(b.build([y]))).toThrow('instruction 0 (exp) reads register r1, defined only below r1');
  });
});

describe('verifyEffectsPreserved', () => {
  const v = { name: 'v' };
  const build = (readAfterAssign: boolean) => {
    const b = new GraphBuilder();
    const x = b.input([2]);
    if (!readAfterAssign) {
      const r = b.read(v, [2]);
      b.assign(v, x);
      return b.build([r]);
    }
    b.assign(v, x);
    return b.build([b.read(v, [2])]);
  };

  it('accepts the same effects in the same order', () => {
    expect(verifyEffectsPreserved(build(false), build(false))).toBeUndefined();
  });

  it('rejects a read moved across an assign of the same variable', () => {
    const before = build(false);
    const moved = { ...before, nodes: [before.nodes[1], before.nodes[0]] };
    expect(() => verifyEffectsPreserved(before, moved)).toThrow('the read defining %1 moved across a write');
  });

  it('rejects a dropped assign', () => {
    const before = build(false);
    expect(() => verifyEffectsPreserved(before, { ...before, nodes: [before.nodes[0]] })).toThrow(
      'effects changed: before [assignVariable], after []',
    );
  });
});

describe('verifyGraph on fused nodes, epilogues, prologues, constants and variables', () => {
  const exp = { op: 'exp', args: [0], attrs: {}, dtype: 'float32' as const };

  it('checks a region: instruction dtypes, output dtypes and the broadcast shape', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const row = b.input([3]);
    const add = { op: 'add', args: [0, 1], attrs: {}, dtype: 'float32' as const };
    const [good] = b.fused([x, row], { numInputs: 2, instructions: [add], outputs: [2] }, [{ shape: [2, 3], dtype: 'float32' }]);
    expect(verifyGraph(b.build([good]))).toBeUndefined();
    const wrongShape = new GraphBuilder();
    const y = wrongShape.input([2, 3]);
    const [o] = wrongShape.fused([y], { numInputs: 1, instructions: [exp], outputs: [1] }, [{ shape: [3], dtype: 'float32' }]);
    expect(() => verifyGraph(wrongShape.build([o]))).toThrow('node #0 (fused): output %1 is recorded as float32[3], inference gives float32[2,3]');
    const wrongDtype = new GraphBuilder();
    const z = wrongDtype.input([2]);
    const [p] = wrongDtype.fused([z], { numInputs: 1, instructions: [{ ...exp, dtype: 'int32' }], outputs: [1] }, [{ shape: [2], dtype: 'int32' }]);
    expect(() => verifyGraph(wrongDtype.build([p]))).toThrow('instruction 0 (exp) gives float32, the program records int32');
  });

  it('checks an epilogue against the contraction result and a prologue against prologueShape', () => {
    const b = new GraphBuilder();
    const a = b.input([2, 3]);
    const w = b.input([3, 4]);
    const bias = b.input([4]);
    const epilogue = { numInputs: 2, instructions: [{ op: 'add', args: [0, 1], attrs: {}, dtype: 'float32' as const }], outputs: [2] };
    const [y] = b.raw({ op: 'matMul', kind: 'contraction', inputs: [a, w, bias], attrs: { transposeA: false, transposeB: false, epilogue } }, [
      { shape: [2, 4], dtype: 'float32' },
    ]);
    expect(verifyGraph(b.build([y]))).toBeUndefined();
    const bad = { ...b.build([y]) };
    const values = new Map(bad.values);
    values.set(y, { id: y, shape: [4, 2], dtype: 'float32' });
    expect(() => verifyGraph({ ...bad, values })).toThrow('output %3 is recorded as float32[4,2], inference gives float32[2,4]');

    const c = new GraphBuilder();
    const x = c.input([2, 3]);
    const prologue = { numInputs: 1, instructions: [exp], outputs: [1] };
    const [s] = c.raw({ op: 'sum', kind: 'reduction', inputs: [x], attrs: { axes: [1], keepDims: false, prologue, prologueShape: [2, 3] } }, [
      { shape: [2], dtype: 'float32' },
    ]);
    expect(verifyGraph(c.build([s]))).toBeUndefined();
    const d = new GraphBuilder();
    const x2 = d.input([2, 3]);
    const [s2] = d.raw({ op: 'sum', kind: 'reduction', inputs: [x2], attrs: { axes: [1], keepDims: false, prologue, prologueShape: [3, 2] } }, [
      { shape: [2], dtype: 'float32' },
    ]);
    expect(() => verifyGraph(d.build([s2]))).toThrow('the prologue computes [2,3], attrs.prologueShape says [3,2]');
  });

  it('checks constants and variables', () => {
    const b = new GraphBuilder();
    const c = b.constant([1, 2], [2]);
    expect(verifyGraph(b.build([c]))).toBeUndefined();
    const bad = b.build([c]);
    const nodes = [{ ...bad.nodes[0], attrs: { value: new Int32Array([1, 2]) } }];
    expect(() => verifyGraph({ ...bad, nodes })).toThrow('node #0 (constant): attrs.value must be a Float32Array of 2 elements');
    const v = { name: 'v', shape: [2], dtype: 'float32' };
    const g = new GraphBuilder();
    const x = g.input([3]);
    g.read(v, [2]);
    g.assign(v, x);
    expect(() => verifyGraph(g.build([]))).toThrow('node #1 (assignVariable): the variable is float32[2], the value float32[3]');
  });
});

describe('verifyGraph on control flow', () => {
  const branch = (negate: boolean, outputs = 1) => {
    const g = new GraphBuilder();
    const x = g.input([2]);
    const y = negate ? g.op('neg', [x]) : x;
    return g.build(Array.from({ length: outputs }, () => y));
  };

  it('accepts a cond whose branches line up with its captures and outputs, and a well-formed while', () => {
    const b = new GraphBuilder();
    const pred = b.input([], 'bool');
    const x = b.input([2]);
    const [y] = b.raw({ op: 'cond', kind: 'opaque', inputs: [pred, x], attrs: { thenBranch: branch(true), elseBranch: branch(false) } }, [
      { shape: [2], dtype: 'float32' },
    ]);
    const condition = new GraphBuilder();
    const c0 = condition.input([2]);
    const cond = condition.build([condition.op('greater', [condition.op('sum', [c0], { axes: [0], keepDims: false }), condition.constant([0])])]);
    const [z] = b.raw({ op: 'while', kind: 'opaque', inputs: [y], attrs: { condition: cond, body: branch(true), numLoopVars: 1 } }, [
      { shape: [2], dtype: 'float32' },
    ]);
    expect(verifyGraph(b.build([z]))).toBeUndefined();
  });

  it('rejects branches that do not line up, or are broken inside, naming the attribute', () => {
    const build = (thenBranch: unknown) => {
      const b = new GraphBuilder();
      const pred = b.input([], 'bool');
      const x = b.input([2]);
      const [y] = b.raw({ op: 'cond', kind: 'opaque', inputs: [pred, x], attrs: { thenBranch, elseBranch: branch(false) } }, [
        { shape: [2], dtype: 'float32' },
      ]);
      return b.build([y]);
    };
    expect(() => verifyGraph(build(branch(true, 2)))).toThrow('node #0 (cond): attrs.thenBranch takes 1 inputs and gives 2 outputs, expected 1 and 1');
    const broken = branch(true);
    expect(() => verifyGraph(build({ ...broken, outputs: [9] }))).toThrow('attrs.thenBranch: graph output 0 is %9, which no node defines');
    const wide = new GraphBuilder();
    const w = wide.input([2]);
    expect(() => verifyGraph(build(wide.build([wide.op('sum', [w], { axes: [0], keepDims: false })])))).toThrow(
      'attrs.thenBranch output 0 is float32[], the node\'s is float32[2]',
    );
  });
});
