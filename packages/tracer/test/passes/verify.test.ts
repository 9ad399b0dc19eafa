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
