import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  ShapeError,
  avgPool,
  conv2d,
  conv2dBackpropFilter,
  conv2dBackpropInput,
  cumsum,
  depthwiseConv2d,
  eye,
  linspace,
  matMul,
  maxPool,
  memory,
  oneHot,
  random,
  randomUniform,
  range,
  setBackend,
  tensor,
  zeros,
} from '../src/index.js';
import type { Tensor } from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

/** Inputs made inside an `expectError` call; they are counted and disposed by it. */
const inputs: Tensor[] = [];
const input = (shape: readonly number[], dtype?: 'float32' | 'int32') => track(zeros(shape, dtype));
const values = (v: Parameters<typeof tensor>[0], shape?: number[], dtype?: 'float32' | 'int32' | 'bool') => track(tensor(v, shape, dtype));
function track(t: Tensor): Tensor {
  inputs.push(t);
  return t;
}

/**
 * Asserts that `fn` throws `type` with exactly `message` (or matching it), and that the failing op
 * left no tensor behind: only the inputs the call itself made are alive afterwards.
 */
function expectError(fn: () => unknown, type: new (...args: never[]) => Error, message: string | RegExp): void {
  const before = memory().numTensors;
  inputs.length = 0;
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(type);
  if (typeof message === 'string') expect((caught as Error).message).toBe(message);
  else expect((caught as Error).message).toMatch(message);
  expect(memory().numTensors).toBe(before + inputs.length);
  inputs.forEach((t) => t.dispose());
  expect(memory().numTensors).toBe(before);
}

describe('contraction errors', () => {
  let images: Tensor;
  let filter: Tensor;
  beforeAll(() => {
    images = zeros([1, 5, 5, 3]);
    filter = zeros([3, 3, 3, 4]);
  });

  it('matMul: inner dimensions differ', () => {
    expectError(() => matMul(input([2, 3]), input([4, 5])), ShapeError, 'matMul: inner dimensions differ: a is [2,3], b is [4,5]');
    expectError(
      () => matMul([[1, 2, 3]], [[1, 2, 3]], false, false),
      ShapeError,
      'matMul: inner dimensions differ: a is [1,3], b is [1,3]',
    );
  });

  it('matMul: rank below 2, incompatible batches, bool operands', () => {
    expectError(() => matMul([1, 2], [[1], [2]]), ShapeError, 'matMul: a must have rank 2 or more, got shape [2]');
    expectError(() => matMul(input([2, 2, 3]), input([3, 3, 4])), ShapeError, /^matMul: shapes \[2\] and \[3\] cannot be broadcast/);
    expectError(() => matMul([[true]], [[false]]), DTypeError, 'matMul: a must be float32 or int32, got bool');
    expectError(() => matMul([[1]], [[1]], 'yes' as unknown as boolean), ArgumentError, /^matMul: transposeA and transposeB must be booleans/);
  });

  it('conv2d: wrong rank names the layout', () => {
    expectError(() => conv2d(input([28, 28]), filter), ShapeError, 'conv2d: input must be rank 4 (NHWC), got shape [28,28]');
    expectError(
      () => conv2d(images, input([3, 3, 3])),
      ShapeError,
      'conv2d: filter must be rank 4 [height, width, inChannels / groups, outChannels], got shape [3,3,3]',
    );
  });

  it('conv2d: channel mismatch and groups', () => {
    expectError(
      () => conv2d(images, input([3, 3, 2, 4])),
      ShapeError,
      'conv2d: channel mismatch: input has 3 channels, filter [3,3,2,4] expects 2',
    );
    expectError(
      () => conv2d(input([1, 4, 4, 4]), input([3, 3, 4, 4]), { groups: 2 }),
      ShapeError,
      'conv2d: channel mismatch: input has 4 channels, filter [3,3,4,4] expects 8 (4 per group × 2 groups)',
    );
    expectError(
      () => conv2d(input([1, 4, 4, 4]), input([3, 3, 2, 3]), { groups: 2 }),
      ShapeError,
      'conv2d: groups (2) must divide both the input channels (4) and the output channels (3)',
    );
    expectError(() => conv2d(images, filter, { groups: 0 }), ArgumentError, 'conv2d: groups must be a positive integer, got 0');
  });

  it('conv2d: bad padding, strides and dilations', () => {
    expectError(
      () => conv2d(images, filter, { padding: 'SAME' as 'same' }),
      ArgumentError,
      `conv2d: padding must be 'same', 'valid' or [[top, bottom], [left, right]] of non-negative integers, got "SAME"`,
    );
    expectError(
      () => conv2d(images, filter, { padding: [[1, -1], [0, 0]] }),
      ArgumentError,
      /^conv2d: padding must be .* got \[\[1,-1\],\[0,0\]\]$/,
    );
    expectError(() => conv2d(images, filter, { strides: 0 }), ArgumentError, 'conv2d: strides must be a positive integer or a pair of them, got 0');
    expectError(
      () => conv2d(images, filter, { strides: [1, 2, 3] as unknown as [number, number] }),
      ArgumentError,
      'conv2d: strides must be a positive integer or a pair of them, got [1,2,3]',
    );
    expectError(() => conv2d(images, filter, { dilations: 1.5 }), ArgumentError, 'conv2d: dilations must be a positive integer or a pair of them, got 1.5');
  });

  it('conv2d: int32 input and mixed dtypes', () => {
    expectError(() => conv2d(input([1, 3, 3, 1], 'int32'), input([1, 1, 1, 1])), DTypeError, 'conv2d: x must be float32, got int32');
    expectError(() => conv2d(input([1, 3, 3, 1]), input([1, 1, 1, 1], 'int32')), DTypeError, 'conv2d: filter must be float32 like x, got int32');
  });

  it('conv2d backprops check dy against the convolution output', () => {
    expectError(
      () => conv2dBackpropInput(input([1, 4, 4, 4]), filter, [1, 5, 5, 3]),
      ShapeError,
      "conv2dBackpropInput: dy must have the convolution's output shape [1,3,3,4], got [1,4,4,4]",
    );
    expectError(
      () => conv2dBackpropFilter(images, input([1, 3, 3, 4]), [3, 3, 3, 4], { padding: 'same' }),
      ShapeError,
      "conv2dBackpropFilter: dy must have the convolution's output shape [1,5,5,4], got [1,3,3,4]",
    );
  });

  it('depthwiseConv2d: channel mismatch', () => {
    expectError(
      () => depthwiseConv2d(images, input([3, 3, 2, 1])),
      ShapeError,
      'depthwiseConv2d: channel mismatch: input has 3 channels, filter [3,3,2,1] expects 2',
    );
    expectError(() => depthwiseConv2d(input([5, 5, 3]), input([3, 3, 3, 1])), ShapeError, 'depthwiseConv2d: input must be rank 4 (NHWC), got shape [5,5,3]');
  });

  it('pooling: rank, padding, pool size', () => {
    expectError(() => maxPool(input([5, 5]), { poolSize: 2 }), ShapeError, 'maxPool: input must be rank 4 (NHWC), got shape [5,5]');
    expectError(
      () => avgPool(images, { poolSize: 2, padding: [[0, 0], [0, 0]] as unknown as 'same' }),
      ArgumentError,
      "avgPool: padding must be 'same' or 'valid', got [[0,0],[0,0]]",
    );
    expectError(() => maxPool(images, {}), ArgumentError, 'maxPool: poolSize is required');
    expectError(() => avgPool(images, { poolSize: [2, 0] }), ArgumentError, 'avgPool: poolSize must be a positive integer or a pair of them, got [2,0]');
  });

  it('oneHot: float indices and bad depth', () => {
    expectError(
      () => oneHot(values([0, 1]), 3),
      DTypeError,
      "oneHot: indices must be int32, got float32; cast them first, e.g. indices.cast('int32')",
    );
    expectError(() => oneHot([0, 1.5], 3), DTypeError, 'oneHot: indices must be int32 (whole numbers), got 1.5');
    expectError(() => oneHot(values([0], [1], 'int32'), -1), ArgumentError, 'oneHot: depth must be a non-negative integer, got -1');
  });

  it('cumsum: axis and rank', () => {
    expectError(() => cumsum(input([2, 3]), 2), ShapeError, 'cumsum: axis must be an integer in [-2, 1] for rank 2, got 2');
    expectError(() => cumsum(values(1)), ArgumentError, 'cumsum: x must have rank 1 or more, got a scalar');
    expectError(() => cumsum(values([true]), 0), DTypeError, 'cumsum: x must be float32 or int32, got bool');
  });

  it('range, linspace and eye', () => {
    expectError(() => range(0, 5, 0), ArgumentError, 'range: step must not be 0');
    expectError(() => range(0, Infinity), ArgumentError, 'range: stop must be a finite number, got Infinity');
    expectError(() => range(0, 3, 1, 'bool'), DTypeError, 'range: dtype must be float32 or int32, got bool');
    expectError(() => linspace(0, 1, -1), ArgumentError, 'linspace: num must be a non-negative integer, got -1');
    expectError(() => eye(2.5), ArgumentError, 'eye: n must be a non-negative integer, got 2.5');
  });

  it('random: seed, distribution and bounds', () => {
    expectError(() => random([2], 'gamma' as 'normal', [0, 0]), ArgumentError, /^random: distribution must be 'uniform', 'normal', 'truncatedNormal', got "gamma"$/);
    expectError(() => random([2], 'normal', [-1, 0]), ArgumentError, 'random: seed must be a pair of uint32 integers, got [-1,0]');
    expectError(() => random([-2], 'normal', [0, 0]), ShapeError, 'random: shape must be an array of non-negative integers, got [-2]');
    expectError(
      () => randomUniform([2], { minval: 1, maxval: 1 }),
      ArgumentError,
      'randomUniform: maxval must be greater than minval, got minval 1, maxval 1',
    );
    expectError(() => randomUniform([2], { dtype: 'bool' }), DTypeError, 'randomUniform: dtype must be float32 or int32, got bool');
  });

  it('a failing op inside a larger computation leaves memory as it was', () => {
    const before = memory().numTensors;
    expect(() => matMul([[1, 2, 3]], [[1, 2]])).toThrow(ShapeError);
    expect(() => conv2d([[[[1]]]], [[[[1, 2]]]], { groups: 2 })).toThrow(ShapeError);
    expect(memory().numTensors).toBe(before);
  });
});
