import * as ops from '../../../ops/index.js';
import type { ConformanceCase } from '../case.js';

/** Shapes every elementwise op is checked on: scalar, empty, small, and past typical tile sizes. */
export const ELEMENTWISE_SHAPES: readonly (readonly number[])[] = [[], [0], [5], [3, 4], [2, 3, 4], [1031]];

/** Broadcasting pairs for binary ops. */
export const BROADCAST_PAIRS: readonly (readonly [readonly number[], readonly number[]])[] = [
  [[3, 4], [3, 4]],
  [[2, 3], [3]],
  [[4, 1], [1, 5]],
  [[], [2, 2]],
  [[2, 1, 3], [4, 1]],
  [[0, 3], [3]],
];

export const elementwiseCases: ConformanceCase[] = [
  {
    name: 'add: hand-written with broadcasting',
    op: 'add',
    inputs: [{ shape: [2, 2], values: [1, 2, 3, 4] }, { shape: [2], values: [10, 20] }],
    run: (a, b) => ops.add(a, b),
    expected: [[11, 22, 13, 24]],
  },
  ...BROADCAST_PAIRS.map(([sa, sb]): ConformanceCase => ({
    name: `add: [${sa}] + [${sb}]`,
    op: 'add',
    inputs: [{ shape: sa }, { shape: sb }],
    run: (a, b) => ops.add(a, b),
    gradWrt: sa.length + sb.length < 6 ? [0, 1] : undefined,
  })),
  {
    name: 'add: int32 wraps around',
    op: 'add',
    inputs: [{ shape: [2], dtype: 'int32', values: [2147483647, -5] }, { shape: [2], dtype: 'int32', values: [1, 3] }],
    run: (a, b) => ops.add(a, b),
    expected: [[-2147483648, -2]],
  },
  {
    name: 'mul: NaN and Inf propagate',
    op: 'mul',
    inputs: [{ shape: [4], values: [NaN, Infinity, -Infinity, 0] }, { shape: [4], values: [1, 2, 2, Infinity] }],
    run: (a, b) => ops.mul(a, b),
    expected: [[NaN, Infinity, -Infinity, NaN]],
  },
  ...ELEMENTWISE_SHAPES.map((shape): ConformanceCase => ({
    name: `exp: [${shape}]`,
    op: 'exp',
    inputs: [{ shape }],
    run: (x) => ops.exp(x),
    gradWrt: shape.length > 0 && shape[0] < 20 ? [0] : undefined,
  })),
  {
    name: 'cast: float32 to int32 truncates toward zero',
    op: 'cast',
    inputs: [{ shape: [5], values: [1.7, -1.7, 0.5, -0.5, NaN] }],
    run: (x) => ops.cast(x, 'int32'),
    expected: [[1, -1, 0, 0, 0]],
  },
];
