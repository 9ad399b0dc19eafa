import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  any,
  argMax,
  concat,
  gather,
  max,
  mean,
  memory,
  pad,
  reshape,
  setBackend,
  slice,
  split,
  squeeze,
  stack,
  stridedSlice,
  sum,
  tensor,
  tile,
  transpose,
  unsortedSegmentSum,
} from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

/** Runs `fn` expecting an error of `kind` whose message matches every pattern, and checks nothing leaked. */
function expectError(kind: new (message: string) => Error, fn: () => unknown, ...patterns: (string | RegExp)[]): void {
  const before = memory().numTensors;
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(kind);
  for (const pattern of patterns) expect((caught as Error).message).toMatch(pattern);
  expect(memory().numTensors).toBe(before);
}

describe('reduction errors', () => {
  let x: Tensor;
  beforeAll(() => {
    x = tensor([[1, 2, 3], [4, 5, 6]]);
  });

  it('an axis out of range names the op, the valid range and the axis given', () => {
    expectError(ShapeError, () => sum(x, 2), /^sum: axis/, '[-2, 1]', 'rank 2', 'got 2');
    expectError(ShapeError, () => max(x, -3), /^max: axis/, 'got -3');
    expectError(ShapeError, () => argMax(x, 5), /^argMax: axis/, 'got 5');
  });

  it('a repeated axis, also through a negative spelling, is an ArgumentError', () => {
    expectError(ArgumentError, () => max(x, [1, 1]), /^max: axes must not repeat/, '[1,1]');
    expectError(ArgumentError, () => sum(x, [0, -2]), /^sum: axes must not repeat/, '[0,-2]');
  });

  it('mean of an int32 tensor with a bad axis leaves no cast behind', () => {
    const ints = tensor([1, 2, 3], [3], 'int32');
    expectError(ShapeError, () => mean(ints, 1), /^mean: axis/, 'got 1');
    ints.dispose();
  });

  it('argMax of an empty axis says which axis is empty', () => {
    const empty = tensor([], [2, 0]);
    expectError(ShapeError, () => argMax(empty, 1), /^argMax: axis 1 of x is empty/, '[2,0]');
    empty.dispose();
  });

  it('any and all take bool only', () => {
    expectError(DTypeError, () => any(x), /^any: x must be bool, got float32/);
  });
});

describe('movement errors', () => {
  let x: Tensor;
  beforeAll(() => {
    x = tensor([[1, 2, 3], [4, 5, 6]]);
  });

  it('transpose rejects a perm that is not a permutation of the axes', () => {
    expectError(ArgumentError, () => transpose(x, [0, 0]), /^transpose: perm must be a permutation of 0..1/, '[2,3]', 'got [0,0]');
    expectError(ArgumentError, () => transpose(x, [1, 0, 2]), /^transpose: perm/, 'got [1,0,2]');
  });

  it('reshape to a shape of another size names both shapes and sizes', () => {
    expectError(ShapeError, () => reshape(x, [4, 2]), /^reshape: cannot reshape \[2,3\] \(6 elements\) to \[4,2\]/);
    expectError(ShapeError, () => reshape([1, 2, 3], [2, -1]), /^reshape: cannot infer the -1 in \[2,-1\] for 3 elements/);
  });

  it('concat names the mismatched tensors and their shapes', () => {
    expectError(ShapeError, () => concat([x, [1, 2]], 0), /^concat: tensors must match/, 'tensors[1] of shape [2]');
    expectError(ShapeError, () => concat([x, [[1, 2]]], 0), /^concat:/, 'tensors[0] of shape [2,3]', 'tensors[1] of shape [1,2]');
    const ints = tensor([[1, 2, 3]], undefined, 'int32');
    expectError(DTypeError, () => concat([x, ints], 0), /^concat: tensors must share one dtype/, 'int32');
    ints.dispose();
    expectError(ArgumentError, () => concat([], 0), /^concat: tensors must hold at least one tensor/);
    expectError(ShapeError, () => concat([1, 2], 0), /^concat: tensors must have rank 1 or more/);
  });

  it('concat of JS arrays that fail leaves none of the converted tensors alive', () => {
    expectError(ShapeError, () => concat([[1, 2], [[3]]], 0), /^concat:/);
  });

  it('slice out of bounds names begin, size, shape and the axis', () => {
    expectError(ShapeError, () => slice(x, [1, 1], [2, 1]), /^slice: begin \[1,1\] with size \[2,1\] is out of bounds/, '[2,3]', 'axis 0');
    expectError(ShapeError, () => slice(x, [0, 0, 0]), /^slice: begin \[0,0,0\]/, 'more entries than x has axes');
    expectError(ShapeError, () => slice(x, [0, -1], [1, 1]), /^slice:/, 'axis 1');
  });

  it('stridedSlice rejects zero strides and out-of-range shrunk axes', () => {
    expectError(ArgumentError, () => stridedSlice(x, [0], [2], [0]), /^stridedSlice: strides must be non-zero integers/, '[0]');
    expectError(ShapeError, () => stridedSlice(x, [3], [4], [1], { shrinkAxisMask: 1 }), /^stridedSlice: shrunk axis 0 has length 2/, 'got 3');
  });

  it('gather wants int32 indices', () => {
    const floatIndices = tensor([0, 1]);
    expectError(DTypeError, () => gather(x, floatIndices), /^gather: indices must be int32, got float32/);
    floatIndices.dispose();
    expectError(ShapeError, () => gather(x, [[0], [1], [0]], 1, 1), /^gather: with batchDims 1 and axis 1/, '[2,3]', '[3,1]');
  });

  it('pad and tile check their per-axis arguments', () => {
    expectError(ShapeError, () => pad(x, [[1, 1]]), /^pad: paddings must be 2 pairs/, '[2,3]', 'got [[1,1]]');
    expectError(ShapeError, () => pad(x, [[1, -1], [0, 0]]), /^pad: paddings/, '[[1,-1],[0,0]]');
    expectError(ShapeError, () => tile(x, [2]), /^tile: reps must be 2 non-negative integers/, 'got [2]');
  });

  it('unsortedSegmentSum wants segmentIds shaped like a prefix of data', () => {
    expectError(ShapeError, () => unsortedSegmentSum(x, [0, 1, 0], 2), /^unsortedSegmentSum: segmentIds' shape must be a prefix/, '[2,3]', '[3]');
    expectError(ArgumentError, () => unsortedSegmentSum(x, [0, 1], -1), /^unsortedSegmentSum: numSegments/, 'got -1');
  });

  it('squeeze, stack and split name the offending axis or tensor', () => {
    expectError(ShapeError, () => squeeze(x, 0), /^squeeze: axis 0 of x \(shape \[2,3\]\) has size 2, expected 1/);
    expectError(ShapeError, () => stack([x, [1, 2]]), /^stack:/, 'tensors[1] of shape [2]');
    expectError(ShapeError, () => split(x, 2, 1), /^split: axis 1 of x \(shape \[2,3\]\) cannot be split into 2 equal parts/);
    expectError(ShapeError, () => split(x, [1, 1], 1), /^split: sizes \[1,1\]/, 'add up to 3');
  });
});

describe('valid calls still work after errors', () => {
  it('computes after a failed op, and the failure left memory as it was', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    expectError(ShapeError, () => sum(x, 3));
    expect(Array.from(sum(x, 1).dataSync())).toEqual([6, 15]);
    expect(transpose(x).arraySync()).toEqual([[1, 4], [2, 5], [3, 6]]);
    x.dispose();
  });
});
