import { beforeAll, describe, expect, it } from 'vitest';
import { eliminateDeadCode } from '../../src/passes/dead-code.js';
import { fuseElementwise } from '../../src/passes/elementwise-fusion.js';
import { fuseEpilogues } from '../../src/passes/epilogue-fusion.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

const noTranspose = { transposeA: false, transposeB: false };

describe('fuseEpilogues', () => {
  it('folds bias add and activation (a fused region) into the matMul', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const w = b.input([3, 4]);
    const bias = b.input([4]);
    const m = b.op('matMul', [x, w], noTranspose);
    const y = b.op('relu', [b.op('add', [m, bias])]);
    const before = b.build([y]);
    const after = fuseEpilogues(fuseElementwise(before));
    expect(describeGraph(after)).toEqual(['%5 = matMul(%0, %1, %2) {r2=add(r0,r1); r3=relu(r2) -> r3}', 'return %5']);
    expect(after.nodes[0].kind).toBe('contraction');
    expect(after.nodes[0].attrs.transposeA).toBe(false);
    expect(after.nodes[0].attrs.epilogue).toEqual({
      numInputs: 2,
      instructions: [
        { op: 'add', args: [0, 1], attrs: {}, dtype: 'float32' },
        { op: 'relu', args: [2], attrs: {}, dtype: 'float32' },
      ],
      outputs: [3],
    });
    expectPreserved(before, after);
  });

  it('takes a lone elementwise consumer, with the result read twice and on either side', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 2]);
    const w = b.input([2, 2]);
    const m = b.op('matMul', [x, w], { transposeA: true, transposeB: false });
    const before = b.build([b.op('mul', [m, m])]);
    const after = fuseEpilogues(before);
    expect(describeGraph(after)).toEqual(['%3 = matMul(%0, %1) {r1=mul(r0,r0) -> r1}', 'return %3']);
    expectPreserved(before, after);
    const c = new GraphBuilder();
    const s = c.input([2, 2]);
    const mm = c.op('matMul', [c.input([2, 3]), c.input([3, 2])], noTranspose);
    const flipped = c.build([c.op('sub', [s, mm])]);
    const flippedAfter = fuseEpilogues(flipped);
    expect(describeGraph(flippedAfter)).toEqual(['%4 = matMul(%1, %2, %0) {r2=sub(r1,r0) -> r2}', 'return %4']);
    expectPreserved(flipped, flippedAfter);
  });

  it('fuses into conv2d, keeping its attributes', () => {
    const b = new GraphBuilder();
    const x = b.input([1, 4, 4, 2]);
    const f = b.input([3, 3, 2, 3]);
    const bias = b.input([3]);
    const attrs = { strides: [1, 1], padding: 'same', dilations: [1, 1], groups: 1 };
    const conv = b.op('conv2d', [x, f], attrs);
    const y = b.op('tanh', [b.op('add', [conv, bias])]);
    const before = b.build([y]);
    const after = eliminateDeadCode(fuseEpilogues(fuseElementwise(before)));
    expect(describeGraph(after)).toEqual(['%5 = conv2d(%0, %1, %2) {r2=add(r0,r1); r3=tanh(r2) -> r3}', 'return %5']);
    expect(after.nodes[0].attrs.padding).toBe('same');
    expectPreserved(before, after);
  });

  it('respects the input limit, counting the contraction\'s own inputs', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const w = b.input([3, 4]);
    const m = b.op('matMul', [x, w], noTranspose);
    const y = b.op('add', [b.op('add', [m, b.input([4])]), b.input([2, 4])]);
    const before = b.build([y]);
    const region = fuseElementwise(before);
    expect(fuseEpilogues(region, { maxFusedInputs: 3 })).toBe(region);
    const after = fuseEpilogues(region, { maxFusedInputs: 4 });
    expect(describeGraph(after)).toEqual(['%6 = matMul(%0, %1, %3, %5) {r3=add(r0,r1); r4=add(r3,r2) -> r4}', 'return %6']);
    expectPreserved(before, after);
  });

  it('leaves the contraction alone when its result is used elsewhere, is an output, or would be broadcast larger', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 3]);
    const w = b.input([3, 4]);
    const m1 = b.op('matMul', [x, w], noTranspose);
    const used = b.op('relu', [m1]);
    const s = b.op('sum', [m1], { axes: [1], keepDims: false });
    const m2 = b.op('matMul', [x, w], noTranspose);
    const out = b.op('exp', [m2]);
    const m3 = b.op('matMul', [x, w], noTranspose);
    const grown = b.op('add', [m3, b.input([5, 2, 4])]);
    const before = b.build([used, s, out, m2, grown]);
    expect(fuseEpilogues(before)).toBe(before);
  });
});

describe('fuseEpilogues with symbolic dimensions', () => {
  it('takes a static bias over a symbolic batch, never an input with a symbolic dimension', () => {
    const b = new GraphBuilder();
    const f32 = (shape: (number | null)[]) => ({ shape, dtype: 'float32' as const });
    const x = b.input([null, 3]);
    const w = b.input([3, 4]);
    const bias = b.input([4]);
    const residual = b.input([null, 4]);
    const m1 = b.op('matMul', [x, w], noTranspose, f32([null, 4]));
    const y1 = b.op('add', [m1, bias], {}, f32([null, 4]));
    const m2 = b.op('matMul', [x, w], noTranspose, f32([null, 4]));
    const y2 = b.op('add', [m2, residual], {}, f32([null, 4]));
    const after = fuseEpilogues(b.build([y1, y2]));
    expect(describeGraph(after)).toEqual(['%5 = matMul(%0, %1, %2) {r2=add(r0,r1) -> r2}', '%6 = matMul(%0, %1)', '%7 = add(%6, %3)', 'return %5, %7']);
  });
});
