import type { Graph } from '@tessera/core';
import { engine } from '@tessera/core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { foldConstants } from '../../src/passes/constant-folding.js';
import { eliminateDeadCode } from '../../src/passes/dead-code.js';
import { asyncOnlyBackend } from '../async-only-backend.js';
import { expectPreserved } from './check.js';
import { useReferenceBackend } from './evaluate.js';
import { GraphBuilder, describeGraph } from './graph-builder.js';

beforeAll(useReferenceBackend);

const constantOf = (graph: Graph, value: number) => Array.from(graph.nodes.find((n) => n.outputs.includes(value))!.attrs.value as ArrayLike<number>);

describe('foldConstants', () => {
  it('computes a chain of ops on constants and leaves the rest', () => {
    const b = new GraphBuilder();
    const x = b.input([2, 2]);
    const c = b.constant([1, 2, 3, 4], [2, 2]);
    const t = b.op('transpose', [c], { perm: [1, 0] });
    const s = b.op('mul', [t, b.constant([2])]);
    const y = b.op('add', [x, s]);
    const before = b.build([y]);
    const after = foldConstants(before);
    expect(describeGraph(after)).toEqual([
      '%1 = constant()',
      '%2 = constant()',
      '%3 = constant()',
      '%4 = constant()',
      '%5 = add(%0, %4)',
      'return %5',
    ]);
    expect(constantOf(after, 2)).toEqual([1, 3, 2, 4]);
    expect(constantOf(after, 4)).toEqual([2, 6, 4, 8]);
    expect(after.nodes[3].attrs.value).toBeInstanceOf(Float32Array);
    expect(describeGraph(eliminateDeadCode(after))).toEqual(['%4 = constant()', '%5 = add(%0, %4)', 'return %5']);
    expectPreserved(before, after);
  });

  it('keeps result dtypes: int division, comparisons to bool, casts', () => {
    const b = new GraphBuilder();
    const i = b.constant([7, -7], [2], 'int32');
    const q = b.op('floorDiv', [i, b.constant([2], [], 'int32')]);
    const gt = b.op('greater', [q, b.constant([0], [], 'int32')]);
    const f = b.op('cast', [gt], { dtype: 'float32' });
    const before = b.build([q, gt, f]);
    const after = foldConstants(before);
    expect(after.nodes.every((n) => n.op === 'constant')).toBe(true);
    expect(Array.from(constantOf(after, q))).toEqual([3, -4]);
    expect(after.nodes.find((n) => n.outputs.includes(gt))!.attrs.value).toBeInstanceOf(Uint8Array);
    expect(constantOf(after, f)).toEqual([1, 0]);
    expectPreserved(before, after);
  });

  it('respects the element limit and leaves random ops and variable reads alone', () => {
    const v = { name: 'v' };
    const b = new GraphBuilder();
    const big = b.constant(Array.from({ length: 8 }, (_, k) => k), [8]);
    const bigExp = b.op('exp', [big]);
    const r = b.op('random', [], { shape: [2], distribution: 'normal', seed: [3, 4] });
    const rv = b.op('add', [b.read(v, [2]), b.constant([1])]);
    const n = b.op('neg', [b.constant([5])]);
    const before = b.build([bigExp, r, rv, n]);
    const after = foldConstants(before, { maxElements: 4 });
    expect(describeGraph(after)).toEqual([
      '%0 = constant()',
      '%1 = exp(%0)',
      '%2 = random()',
      '%3 = readVariable()',
      '%4 = constant()',
      '%5 = add(%3, %4)',
      '%6 = constant()',
      '%7 = constant()',
      'return %1, %2, %5, %7',
    ]);
    expect(constantOf(after, n)).toEqual([-5]);
    expectPreserved(before, after, new Map([[v, new Float32Array([1, 1])]]));
    expect(foldConstants(before, { maxElements: 8 }).nodes[1].op).toBe('constant');
  });

  it('folds reductions, reshapes and matMul, and returns the same graph when nothing folds', () => {
    const b = new GraphBuilder();
    const m = b.constant([1, 2, 3, 4, 5, 6], [2, 3]);
    const s = b.op('sum', [m], { axes: [1], keepDims: false });
    const r = b.op('reshape', [m], { shape: [3, 2] });
    const p = b.op('matMul', [m, r], { transposeA: false, transposeB: false });
    const before = b.build([s, p]);
    const after = foldConstants(before);
    expect(constantOf(after, s)).toEqual([6, 15]);
    expect(constantOf(after, p)).toEqual([22, 28, 49, 64]);
    expectPreserved(before, after);
    const c = new GraphBuilder();
    const x = c.input([2]);
    const unchanged = c.build([c.op('exp', [x])]);
    expect(foldConstants(unchanged)).toBe(unchanged);
  });

  it('folds nothing on a backend that cannot read synchronously (WebGPU), and runs none of its kernels', () => {
    const backend = asyncOnlyBackend();
    const write = vi.spyOn(backend, 'write');
    const b = new GraphBuilder();
    const c = b.constant([1, 2, 3], [3]);
    const graph = b.build([b.op('exp', [b.op('neg', [c])])]);
    expect(foldConstants(graph, { backend })).toBe(graph);
    // One probe of synchronous reading; no constant uploaded for a kernel.
    expect(write).toHaveBeenCalledTimes(1);
    expect(backend.memory().numDataBuffers).toBe(0);
  });

  it('frees every buffer it used on the backend', () => {
    const b = new GraphBuilder();
    const c = b.constant([1, 2, 3], [3]);
    const graph = b.build([b.op('exp', [b.op('neg', [c])])]);
    const before = engine.backend.memory().numDataBuffers;
    foldConstants(graph);
    expect(engine.backend.memory().numDataBuffers).toBe(before);
  });
});
