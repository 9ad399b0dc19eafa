import type { DType } from '../../../dtype.js';
import * as ops from '../../../ops/index.js';
import type { Tensor } from '../../../tensor.js';
import type { ConformanceCase, InputSpec } from '../case.js';

type Axes = number | readonly number[] | undefined;

/** Shapes every reduction is checked on, rank 0 to 3. */
const REDUCTION_SHAPES: readonly (readonly number[])[] = [[], [5], [3, 4], [2, 3, 4]];

/** Every subset of a rank's axes, plus `undefined` (all axes) and one negative spelling. */
function axisChoices(rank: number): Axes[] {
  const subsets: Axes[] = [undefined];
  for (let mask = 0; mask < 1 << rank; mask++) {
    subsets.push(Array.from({ length: rank }, (_, i) => i).filter((i) => (mask >> i) & 1));
  }
  if (rank > 0) subsets.push(-1);
  return subsets;
}

const showAxes = (axes: Axes): string => (axes === undefined ? 'all' : JSON.stringify(axes));
const show = (shape: readonly number[]): string => `[${shape.join(',')}]`;

type Reduce = (x: Tensor, axes: Axes, keepDims: boolean) => Tensor;

/** One case per shape × axis subset × keepDims for a reduction on one dtype. */
function reductionSweep(op: string, reduce: Reduce, dtype: DType, range?: readonly [number, number]): ConformanceCase[] {
  return REDUCTION_SHAPES.flatMap((shape) =>
    axisChoices(shape.length).flatMap((axes) =>
      [false, true].map(
        (keepDims): ConformanceCase => ({
          name: `${op}: ${dtype} ${show(shape)} over ${showAxes(axes)}${keepDims ? ' keepDims' : ''}`,
          op,
          inputs: [{ shape, dtype, range }],
          run: (x) => reduce(x, axes, keepDims),
        }),
      ),
    ),
  );
}

/** A float reduction's sweep plus empty and large shapes. */
function floatReductionCases(op: string, reduce: Reduce, range?: readonly [number, number]): ConformanceCase[] {
  return [
    ...reductionSweep(op, reduce, 'float32', range),
    ...(
      [
        [[0], undefined],
        [[0, 3], 0],
        [[0, 3], 1],
        [[2, 0], 1],
        [[1031], undefined],
        [[33, 65], 0],
        [[33, 65], 1],
      ] as const
    ).map(
      ([shape, axes]): ConformanceCase => ({
        name: `${op}: float32 ${show(shape)} over ${showAxes(axes)}`,
        op,
        inputs: [{ shape, range: op === 'prod' ? [0.99, 1.01] : range }],
        run: (x) => reduce(x, axes, false),
        tolerance: op === 'sum' || op === 'mean' ? 1e-4 : undefined,
      }),
    ),
  ];
}

const sumOf: Reduce = (x, axes, keepDims) => ops.sum(x, axes, keepDims);
const maxOf: Reduce = (x, axes, keepDims) => ops.max(x, axes, keepDims);
const minOf: Reduce = (x, axes, keepDims) => ops.min(x, axes, keepDims);
const prodOf: Reduce = (x, axes, keepDims) => ops.prod(x, axes, keepDims);
const anyOf: Reduce = (x, axes, keepDims) => ops.any(x, axes, keepDims);
const allOf: Reduce = (x, axes, keepDims) => ops.all(x, axes, keepDims);
const meanOf: Reduce = (x, axes, keepDims) => ops.mean(x, axes, keepDims);

/** Hand-written values: rows with NaN, ties, and the empty-reduction identities. */
const handWrittenReductions: ConformanceCase[] = [
  {
    name: 'max: rows with NaN propagate it',
    op: 'max',
    inputs: [{ shape: [3, 3], values: [1, NaN, 3, 4, 5, 6, NaN, NaN, NaN] }],
    run: (x) => ops.max(x, 1),
    expected: [[NaN, 6, NaN]],
  },
  {
    name: 'min: rows with NaN propagate it',
    op: 'min',
    inputs: [{ shape: [3, 3], values: [1, NaN, 3, 4, 5, 6, -Infinity, 2, 0] }],
    run: (x) => ops.min(x, 1),
    expected: [[NaN, 4, -Infinity]],
  },
  {
    name: 'max: hand-written over axis 0 with keepDims',
    op: 'max',
    inputs: [{ shape: [2, 3], values: [1, 9, -3, 4, 2, -1] }],
    run: (x) => ops.max(x, 0, true),
    expected: [[4, 9, -1]],
  },
  {
    name: 'min: hand-written int32',
    op: 'min',
    inputs: [{ shape: [2, 3], dtype: 'int32', values: [1, 9, -3, 4, 2, -1] }],
    run: (x) => ops.min(x, 1),
    expected: [[-3, -1]],
  },
  {
    name: 'max: empty float gives -Infinity',
    op: 'max',
    inputs: [{ shape: [2, 0] }],
    run: (x) => ops.max(x, 1),
    expected: [[-Infinity, -Infinity]],
  },
  {
    name: 'min: empty float gives Infinity',
    op: 'min',
    inputs: [{ shape: [0, 2] }],
    run: (x) => ops.min(x, 0),
    expected: [[Infinity, Infinity]],
  },
  {
    name: 'max: empty int32 gives the smallest int32',
    op: 'max',
    inputs: [{ shape: [0], dtype: 'int32' }],
    run: (x) => ops.max(x),
    expected: [[-2147483648]],
  },
  {
    name: 'prod: hand-written with a zero',
    op: 'prod',
    inputs: [{ shape: [2, 3], values: [1, 2, 3, 4, 0, 6] }],
    run: (x) => ops.prod(x, 1),
    expected: [[6, 0]],
  },
  {
    name: 'prod: empty gives 1',
    op: 'prod',
    inputs: [{ shape: [0, 3] }],
    run: (x) => ops.prod(x, 0),
    expected: [[1, 1, 1]],
  },
  {
    name: 'prod: int32 wraps like int32 multiplication',
    op: 'prod',
    inputs: [{ shape: [3], dtype: 'int32', values: [65536, 65536, 3] }],
    run: (x) => ops.prod(x),
    expected: [[0]],
  },
  {
    name: 'prod: bool counts as int32',
    op: 'prod',
    inputs: [{ shape: [2, 2], dtype: 'bool', values: [1, 1, 1, 0] }],
    run: (x) => ops.prod(x, 1),
    expected: [[1, 0]],
  },
  {
    name: 'sum: empty gives 0',
    op: 'sum',
    inputs: [{ shape: [3, 0] }],
    run: (x) => ops.sum(x, 1),
    expected: [[0, 0, 0]],
  },
  {
    name: 'sum: NaN propagates',
    op: 'sum',
    inputs: [{ shape: [2, 2], values: [NaN, 1, 2, 3] }],
    run: (x) => ops.sum(x, 1),
    expected: [[NaN, 5]],
  },
  {
    name: 'any: hand-written',
    op: 'any',
    inputs: [{ shape: [3, 2], dtype: 'bool', values: [0, 0, 1, 0, 1, 1] }],
    run: (x) => ops.any(x, 1),
    expected: [[0, 1, 1]],
  },
  {
    name: 'all: hand-written',
    op: 'all',
    inputs: [{ shape: [3, 2], dtype: 'bool', values: [0, 0, 1, 0, 1, 1] }],
    run: (x) => ops.all(x, 1),
    expected: [[0, 0, 1]],
  },
  {
    name: 'any: empty gives false',
    op: 'any',
    inputs: [{ shape: [2, 0], dtype: 'bool' }],
    run: (x) => ops.any(x, 1),
    expected: [[0, 0]],
  },
  {
    name: 'all: empty gives true',
    op: 'all',
    inputs: [{ shape: [0], dtype: 'bool' }],
    run: (x) => ops.all(x),
    expected: [[1]],
  },
  {
    name: 'mean: hand-written over axis 1',
    op: 'mean',
    inputs: [{ shape: [2, 2], values: [1, 2, 3, 5] }],
    run: (x) => ops.mean(x, 1),
    expected: [[1.5, 4]],
  },
  {
    name: 'mean: int32 gives float32',
    op: 'mean',
    inputs: [{ shape: [4], dtype: 'int32', values: [1, 2, 3, 5] }],
    run: (x) => ops.mean(x),
    expected: [[2.75]],
  },
  {
    name: 'mean: bool gives the fraction true',
    op: 'mean',
    inputs: [{ shape: [2, 2], dtype: 'bool', values: [1, 0, 1, 1] }],
    run: (x) => ops.mean(x, 1, true),
    expected: [[0.5, 1]],
  },
  {
    name: 'mean: empty gives NaN',
    op: 'mean',
    inputs: [{ shape: [2, 0] }],
    run: (x) => ops.mean(x, 1),
    expected: [[NaN, NaN]],
  },
  {
    name: 'mean: NaN propagates',
    op: 'mean',
    inputs: [{ shape: [2, 2], values: [1, NaN, 2, 4] }],
    run: (x) => ops.mean(x, 1),
    expected: [[NaN, 3]],
  },
];

/** Inputs far apart (no near-ties within the finite-difference step) for max/min gradients. */
const SPREAD: InputSpec = { shape: [3, 4], values: [0.3, -1.2, 1.9, 0.7, -0.4, 1.1, -1.8, 0.05, 1.5, -0.9, 0.6, -1.5] };

const reductionGradients: ConformanceCase[] = [
  ...([0, 1, [0, 1], undefined] as const).flatMap((axes) =>
    (['max', 'min'] as const).map(
      (op): ConformanceCase => ({
        name: `${op}: gradient over ${showAxes(axes)}`,
        op,
        inputs: [SPREAD],
        run: (x) => (op === 'max' ? ops.max(x, axes) : ops.min(x, axes)),
        gradWrt: [0],
      }),
    ),
  ),
  {
    // Central differences at a two-way tie give 1/2 to each: exactly TensorFlow's equal split.
    name: 'max: gradient splits equally between tied maxima',
    op: 'max',
    inputs: [{ shape: [2, 3], values: [1, 3, 3, -1, 0.5, 2] }],
    run: (x) => ops.max(x, 1),
    gradWrt: [0],
  },
  {
    name: 'min: gradient splits equally between tied minima',
    op: 'min',
    inputs: [{ shape: [4], values: [0.5, -1, 2, -1] }],
    run: (x) => ops.min(x),
    gradWrt: [0],
  },
  ...([[[3, 4], 1], [[3, 4], 0], [[2, 3, 2], [0, 2]], [[5], undefined], [[], undefined]] as const).map(
    ([shape, axes]): ConformanceCase => ({
      name: `prod: gradient ${show(shape)} over ${showAxes(axes)}`,
      op: 'prod',
      inputs: [{ shape, range: [0.5, 1.5] }],
      run: (x) => ops.prod(x, axes),
      gradWrt: [0],
    }),
  ),
  {
    name: 'prod: gradient with one zero in a row',
    op: 'prod',
    inputs: [{ shape: [2, 4], values: [2, 0, 3, 0.5, 1.5, -2, 0.5, 1] }],
    run: (x) => ops.prod(x, 1),
    gradWrt: [0],
  },
  {
    name: 'prod: gradient with two zeros in a row',
    op: 'prod',
    inputs: [{ shape: [5], values: [0, 2, 0, 3, 1.5] }],
    run: (x) => ops.prod(x),
    gradWrt: [0],
  },
  {
    name: 'prod: gradient keepDims over a length-1 axis',
    op: 'prod',
    inputs: [{ shape: [3, 1] }],
    run: (x) => ops.prod(x, 1, true),
    gradWrt: [0],
  },
  ...([1, [0, 1], undefined] as const).map(
    (axes): ConformanceCase => ({
      name: `sum: gradient over ${showAxes(axes)}`,
      op: 'sum',
      inputs: [{ shape: [2, 3] }],
      run: (x) => ops.sum(x, axes, true),
      gradWrt: [0],
    }),
  ),
  ...([0, -1, [0, 2], undefined] as const).map(
    (axes): ConformanceCase => ({
      name: `mean: gradient over ${showAxes(axes)}`,
      op: 'mean',
      inputs: [{ shape: [2, 3, 2] }],
      run: (x) => ops.mean(x, axes),
      gradWrt: [0],
    }),
  ),
];

type ArgReduce = (x: Tensor, axis?: number) => Tensor;

function argReductionCases(op: 'argMax' | 'argMin', argReduce: ArgReduce): ConformanceCase[] {
  const sweep = REDUCTION_SHAPES.flatMap((shape) =>
    (shape.length === 0 ? [0] : [...shape.map((_, i) => i), -1]).flatMap((axis) =>
      (['float32', 'int32'] as const).map(
        (dtype): ConformanceCase => ({
          name: `${op}: ${dtype} ${show(shape)} along ${axis}`,
          op,
          // A narrow int32 range makes ties common, exercising the first-index rule.
          inputs: [{ shape, dtype, range: dtype === 'int32' ? [0, 3] : undefined }],
          run: (x) => argReduce(x, axis),
        }),
      ),
    ),
  );
  const isMax = op === 'argMax';
  return [
    ...sweep,
    {
      name: `${op}: hand-written, first index on ties`,
      op,
      inputs: [{ shape: [2, 4], values: [1, 7, 7, 0, 2, -5, 2, -5] }],
      run: (x) => argReduce(x, 1),
      expected: [isMax ? [1, 0] : [3, 1]],
    },
    {
      name: `${op}: NaN wins, first NaN`,
      op,
      inputs: [{ shape: [3, 3], values: [1, NaN, NaN, 5, 4, NaN, Infinity, -Infinity, 0] }],
      run: (x) => argReduce(x, 1),
      expected: [isMax ? [1, 2, 0] : [1, 2, 1]],
    },
    {
      name: `${op}: default axis is the last`,
      op,
      inputs: [{ shape: [2, 3], values: [3, 1, 2, 0, 5, 4] }],
      run: (x) => argReduce(x),
      expected: [isMax ? [0, 1] : [1, 0]],
    },
    {
      name: `${op}: along axis 0 of an empty axis 1`,
      op,
      inputs: [{ shape: [3, 0] }],
      run: (x) => argReduce(x, 0),
      expected: [[]],
    },
    {
      name: `${op}: [1031] crosses tile sizes`,
      op,
      inputs: [{ shape: [1031] }],
      run: (x) => argReduce(x, 0),
    },
    {
      name: `${op}: [33,65] along 0`,
      op,
      inputs: [{ shape: [33, 65] }],
      run: (x) => argReduce(x, 0),
    },
  ];
}

const reductionCases: ConformanceCase[] = [
  ...floatReductionCases('sum', sumOf),
  ...reductionSweep('sum', sumOf, 'int32'),
  ...floatReductionCases('max', maxOf),
  ...reductionSweep('max', maxOf, 'int32'),
  ...floatReductionCases('min', minOf),
  ...reductionSweep('min', minOf, 'int32'),
  ...floatReductionCases('prod', prodOf, [0.5, 1.5]),
  ...reductionSweep('prod', prodOf, 'int32', [-3, 4]),
  ...floatReductionCases('mean', meanOf),
  ...reductionSweep('mean', meanOf, 'int32'),
  ...reductionSweep('any', anyOf, 'bool'),
  ...reductionSweep('all', allOf, 'bool'),
  ...([[1031], [33, 65]] as const).flatMap((shape) =>
    (['any', 'all'] as const).map(
      (op): ConformanceCase => ({
        name: `${op}: bool ${show(shape)} over all`,
        op,
        // Mostly true (or mostly false) so the large reductions are not decided by the first tile.
        inputs: [{ shape, dtype: 'bool', range: op === 'all' ? [0.9995, 2] : [0, 1.0005] }],
        run: (x) => (op === 'any' ? ops.any(x) : ops.all(x)),
      }),
    ),
  ),
  ...handWrittenReductions,
  ...reductionGradients,
  ...argReductionCases('argMax', (x, axis) => ops.argMax(x, axis)),
  ...argReductionCases('argMin', (x, axis) => ops.argMin(x, axis)),
];

// ---- movement ----------------------------------------------------------------------------------

const transposeCases: ConformanceCase[] = [
  {
    name: 'transpose: hand-written default reverses axes',
    op: 'transpose',
    inputs: [{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }],
    run: (x) => ops.transpose(x),
    expected: [[1, 4, 2, 5, 3, 6]],
  },
  ...(
    [
      [[], []],
      [[5], [0]],
      [[3, 4], [1, 0]],
      [[3, 4], [0, 1]],
      [[2, 3, 4], [2, 0, 1]],
      [[2, 3, 4], [1, 2, 0]],
      [[2, 3, 4], [0, 2, 1]],
      [[2, 3, 2, 3], [3, 1, 0, 2]],
      [[0, 3], [1, 0]],
      [[33, 65], [1, 0]],
    ] as const
  ).map(
    ([shape, perm]): ConformanceCase => ({
      name: `transpose: ${show(shape)} by ${show(perm)}`,
      op: 'transpose',
      inputs: [{ shape }],
      run: (x) => ops.transpose(x, perm),
      gradWrt: shape.reduce((p, d) => p * d, 1) <= 36 ? [0] : undefined,
    }),
  ),
  {
    name: 'transpose: int32 [2,3,4] default',
    op: 'transpose',
    inputs: [{ shape: [2, 3, 4], dtype: 'int32' }],
    run: (x) => ops.transpose(x),
  },
  {
    name: 'transpose: bool [3,2]',
    op: 'transpose',
    inputs: [{ shape: [3, 2], dtype: 'bool' }],
    run: (x) => ops.transpose(x, [1, 0]),
  },
  {
    name: 'transpose: then slice (a non-contiguous view)',
    op: 'transpose',
    inputs: [{ shape: [3, 4], values: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }],
    run: (x) => ops.slice(ops.transpose(x), [1, 1], [2, 2]),
    expected: [[5, 9, 6, 10]],
    gradWrt: [0],
  },
];

const sliceCases: ConformanceCase[] = [
  {
    name: 'slice: hand-written with size -1',
    op: 'slice',
    inputs: [{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }],
    run: (x) => ops.slice(x, [0, 1], [2, -1]),
    expected: [[2, 3, 5, 6]],
  },
  ...(
    [
      [[], [], []],
      [[6], [2], [3]],
      [[6], [0], [-1]],
      [[6], [6], [0]],
      [[3, 4], [1, 0], [2, 4]],
      [[3, 4], [1], undefined],
      [[3, 4], [0, 2], [-1, 2]],
      [[2, 3, 4], [1, 1, 1], [1, 2, 3]],
      [[2, 3, 4], [0, 1, 0], [2, 0, 4]],
      [[0, 4], [0, 1], [0, 2]],
      [[33, 65], [3, 7], [20, 50]],
    ] as const
  ).map(
    ([shape, begin, size]): ConformanceCase => ({
      name: `slice: ${show(shape)} from ${show(begin)} size ${size === undefined ? 'rest' : show(size)}`,
      op: 'slice',
      inputs: [{ shape }],
      run: (x) => ops.slice(x, begin, size),
      gradWrt: shape.length > 0 && (shape[0] ?? 0) < 10 ? [0] : undefined,
    }),
  ),
  {
    name: 'slice: a number begin slices the first axis',
    op: 'slice',
    inputs: [{ shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }],
    run: (x) => ops.slice(x, 1, 1),
    expected: [[3, 4]],
  },
  {
    name: 'slice: int32',
    op: 'slice',
    inputs: [{ shape: [4, 3], dtype: 'int32' }],
    run: (x) => ops.slice(x, [1, 1], [2, 2]),
  },
];

const stridedSliceCases: ConformanceCase[] = [
  {
    name: 'stridedSlice: hand-written negative stride',
    op: 'stridedSlice',
    inputs: [{ shape: [5], values: [1, 2, 3, 4, 5] }],
    run: (x) => ops.stridedSlice(x, [-1], [0], [-2]),
    expected: [[5, 3]],
  },
  {
    name: 'stridedSlice: hand-written end mask walks backwards through index 0',
    op: 'stridedSlice',
    inputs: [{ shape: [5], values: [1, 2, 3, 4, 5] }],
    run: (x) => ops.stridedSlice(x, [3], [0], [-1], { endMask: 1 }),
    expected: [[4, 3, 2, 1]],
  },
  {
    name: 'stridedSlice: hand-written shrink axis',
    op: 'stridedSlice',
    inputs: [{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }],
    run: (x) => ops.stridedSlice(x, [-1, 0], [0, 3], [1, 2], { shrinkAxisMask: 1 }),
    expected: [[4, 6]],
  },
  ...(
    [
      ['every other', [6], [0], [6], [2], {}],
      ['begin mask', [6], [4], [5], [1], { beginMask: 1 }],
      ['reverse all', [6], [0], [0], [-1], { beginMask: 1, endMask: 1 }],
      ['clamped out-of-range ends', [6], [-10], [100], [3], {}],
      ['empty when begin passes end', [6], [4], [2], [1], {}],
      ['2-d both strides', [5, 6], [1, 5], [5, 0], [2, -2], {}],
      ['2-d fewer specs than axes', [4, 3], [1], [3], [1], {}],
      ['3-d shrink middle', [3, 4, 2], [0, 2, 0], [3, 3, 2], [1, 1, 1], { shrinkAxisMask: 2 }],
      ['3-d masks mixed', [3, 4, 5], [2, 0, 1], [0, 3, 4], [-1, 1, 2], { beginMask: 2, endMask: 1 }],
      ['shrink every axis', [3, 4], [2, -1], [3, 0], [1, 1], { shrinkAxisMask: 3 }],
      ['empty input', [0, 3], [0, 0], [0, 3], [1, 1], {}],
    ] as const
  ).map(
    ([label, shape, begin, end, strides, options]): ConformanceCase => ({
      name: `stridedSlice: ${label} ${show(shape)}`,
      op: 'stridedSlice',
      inputs: [{ shape }],
      run: (x) => ops.stridedSlice(x, begin, end, strides, options),
      gradWrt: [0],
    }),
  ),
  {
    name: 'stridedSlice: int32 reversed rows',
    op: 'stridedSlice',
    inputs: [{ shape: [4, 3], dtype: 'int32' }],
    run: (x) => ops.stridedSlice(x, [0], [0], [-1], { beginMask: 1, endMask: 1 }),
  },
];

const concatCases: ConformanceCase[] = [
  {
    name: 'concat: hand-written along axis 1',
    op: 'concat',
    inputs: [{ shape: [2, 1], values: [1, 2] }, { shape: [2, 2], values: [3, 4, 5, 6] }],
    run: (a, b) => ops.concat([a, b], 1),
    expected: [[1, 3, 4, 2, 5, 6]],
  },
  ...(
    [
      [[[4], [2]], 0],
      [[[2, 3], [4, 3]], 0],
      [[[2, 3], [2, 1], [2, 2]], 1],
      [[[2, 3], [2, 1], [2, 2]], -1],
      [[[2, 2, 3], [2, 1, 3]], 1],
      [[[3], [0], [2]], 0],
      [[[0, 2], [0, 3]], 1],
      [[[2, 3]], 0],
    ] as const
  ).map(
    ([shapes, axis]): ConformanceCase => ({
      name: `concat: ${shapes.map(show).join(' + ')} along ${axis}`,
      op: 'concat',
      inputs: shapes.map((shape, k) => ({ shape, seed: 50 + k })),
      run: (...ts) => ops.concat(ts, axis),
      gradWrt: shapes.map((_, k) => k),
    }),
  ),
  {
    name: 'concat: int32 along 0',
    op: 'concat',
    inputs: [{ shape: [2, 2], dtype: 'int32' }, { shape: [1, 2], dtype: 'int32' }],
    run: (a, b) => ops.concat([a, b], 0),
  },
  {
    name: 'concat: bool along 1',
    op: 'concat',
    inputs: [{ shape: [2, 1], dtype: 'bool' }, { shape: [2, 2], dtype: 'bool' }],
    run: (a, b) => ops.concat([a, b], 1),
  },
  {
    name: 'concat: [513] + [518] crosses tile sizes',
    op: 'concat',
    inputs: [{ shape: [513] }, { shape: [518] }],
    run: (a, b) => ops.concat([a, b], 0),
  },
];

const padCases: ConformanceCase[] = [
  {
    name: 'pad: hand-written',
    op: 'pad',
    inputs: [{ shape: [2], values: [1, 2] }],
    run: (x) => ops.pad(x, [[1, 2]]),
    expected: [[0, 1, 2, 0, 0]],
  },
  {
    name: 'pad: hand-written constant value in 2-d',
    op: 'pad',
    inputs: [{ shape: [1, 2], values: [1, 2] }],
    run: (x) => ops.pad(x, [[1, 0], [0, 1]], -1),
    expected: [[-1, -1, -1, 1, 2, -1]],
  },
  ...(
    [
      [[], []],
      [[4], [[0, 0]]],
      [[3, 4], [[1, 1], [2, 0]]],
      [[2, 3, 2], [[0, 1], [1, 1], [2, 3]]],
      [[0, 2], [[1, 1], [0, 1]]],
      [[33, 65], [[3, 5], [7, 2]]],
    ] as const
  ).map(
    ([shape, paddings]): ConformanceCase => ({
      name: `pad: ${show(shape)} by ${JSON.stringify(paddings)}`,
      op: 'pad',
      inputs: [{ shape }],
      run: (x) => ops.pad(x, paddings, 0.5),
      gradWrt: shape.length > 0 && (shape[0] ?? 0) < 10 ? [0] : undefined,
    }),
  ),
  {
    name: 'pad: int32 with 7',
    op: 'pad',
    inputs: [{ shape: [2, 2], dtype: 'int32' }],
    run: (x) => ops.pad(x, [[1, 1], [1, 1]], 7),
  },
  {
    name: 'pad: bool with true',
    op: 'pad',
    inputs: [{ shape: [2], dtype: 'bool', values: [0, 0] }],
    run: (x) => ops.pad(x, [[1, 1]], 1),
    expected: [[1, 0, 0, 1]],
  },
];

const INDICES = (shape: readonly number[], values: readonly number[]): InputSpec => ({ shape, dtype: 'int32', values });

const gatherCases: ConformanceCase[] = [
  {
    name: 'gather: hand-written with repeats',
    op: 'gather',
    inputs: [{ shape: [3], values: [10, 20, 30] }, INDICES([4], [2, 0, 2, 1])],
    run: (x, i) => ops.gather(x, i),
    expected: [[30, 10, 30, 20]],
  },
  {
    name: 'gather: hand-written out-of-range indices give zeros',
    op: 'gather',
    inputs: [{ shape: [3, 2], values: [1, 2, 3, 4, 5, 6] }, INDICES([3], [1, 3, -1])],
    run: (x, i) => ops.gather(x, i),
    expected: [[3, 4, 0, 0, 0, 0]],
    gradWrt: [0],
  },
  {
    name: 'gather: hand-written axis 1 with batchDims 1',
    op: 'gather',
    inputs: [{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }, INDICES([2, 2], [2, 0, 1, 1])],
    run: (x, i) => ops.gather(x, i, 1, 1),
    expected: [[3, 1, 5, 5]],
    gradWrt: [0],
  },
  ...(
    [
      ['rows', [4, 3], [3], [3, 0, 3], 0, 0],
      ['columns', [4, 3], [2], [2, 1], 1, 0],
      ['negative axis', [4, 3], [2], [0, 0], -1, 0],
      ['scalar index drops the axis', [4, 3], [], [2], 0, 0],
      ['2-d indices', [5, 2], [2, 2], [4, 1, 0, 4], 0, 0],
      ['middle axis of rank 3', [2, 4, 3], [3], [1, 3, 1], 1, 0],
      ['batchDims 1 axis 2', [2, 3, 4], [2, 3], [0, 3, 3, 1, 2, 1], 2, 1],
      ['batchDims -1', [2, 4], [2, 2], [3, 0, 1, 1], 1, -1],
      ['empty indices', [4, 3], [0], [], 0, 0],
      ['out of range with batchDims', [2, 3], [2, 2], [5, 0, -2, 2], 1, 1],
    ] as const
  ).map(
    ([label, shape, indexShape, indexValues, axis, batchDims]): ConformanceCase => ({
      name: `gather: ${label}`,
      op: 'gather',
      inputs: [{ shape }, INDICES(indexShape, indexValues)],
      run: (x, i) => ops.gather(x, i, axis, batchDims),
      gradWrt: [0],
    }),
  ),
  {
    name: 'gather: int32 values',
    op: 'gather',
    inputs: [{ shape: [5, 2], dtype: 'int32' }, INDICES([3], [4, 4, 0])],
    run: (x, i) => ops.gather(x, i),
  },
  {
    name: 'gather: bool values',
    op: 'gather',
    inputs: [{ shape: [4], dtype: 'bool', values: [1, 0, 0, 1] }, INDICES([3], [3, 1, 0])],
    run: (x, i) => ops.gather(x, i),
    expected: [[1, 0, 1]],
  },
  {
    name: 'gather: [1031] rows of [33,65] cross tile sizes',
    op: 'gather',
    inputs: [{ shape: [33, 65] }, { shape: [1031], dtype: 'int32', range: [0, 33] }],
    run: (x, i) => ops.gather(x, i),
  },
];

const tileCases: ConformanceCase[] = [
  {
    name: 'tile: hand-written',
    op: 'tile',
    inputs: [{ shape: [2, 1], values: [1, 2] }],
    run: (x) => ops.tile(x, [2, 3]),
    expected: [[1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]],
  },
  ...(
    [
      [[], []],
      [[3], [2]],
      [[2, 3], [1, 1]],
      [[2, 3], [2, 2]],
      [[2, 1, 2], [1, 3, 2]],
      [[2, 3], [0, 2]],
      [[0, 3], [2, 2]],
    ] as const
  ).map(
    ([shape, reps]): ConformanceCase => ({
      name: `tile: ${show(shape)} by ${show(reps)}`,
      op: 'tile',
      inputs: [{ shape }],
      run: (x) => ops.tile(x, reps),
      gradWrt: [0],
    }),
  ),
  {
    name: 'tile: int32',
    op: 'tile',
    inputs: [{ shape: [2, 2], dtype: 'int32' }],
    run: (x) => ops.tile(x, [3, 1]),
  },
];

const reverseCases: ConformanceCase[] = [
  {
    name: 'reverse: hand-written along axis 1',
    op: 'reverse',
    inputs: [{ shape: [2, 2], values: [1, 2, 3, 4] }],
    run: (x) => ops.reverse(x, 1),
    expected: [[2, 1, 4, 3]],
  },
  ...(
    [
      [[], undefined],
      [[5], 0],
      [[3, 4], undefined],
      [[3, 4], -1],
      [[2, 3, 4], [0, 2]],
      [[2, 3, 4], []],
      [[0, 3], 1],
    ] as const
  ).map(
    ([shape, axes]): ConformanceCase => ({
      name: `reverse: ${show(shape)} along ${showAxes(axes)}`,
      op: 'reverse',
      inputs: [{ shape }],
      run: (x) => ops.reverse(x, axes),
      gradWrt: [0],
    }),
  ),
  {
    name: 'reverse: int32 [1031]',
    op: 'reverse',
    inputs: [{ shape: [1031], dtype: 'int32' }],
    run: (x) => ops.reverse(x),
  },
];

const segmentSumCases: ConformanceCase[] = [
  {
    name: 'unsortedSegmentSum: hand-written',
    op: 'unsortedSegmentSum',
    inputs: [{ shape: [3], values: [1, 2, 3] }, INDICES([3], [0, 2, 0])],
    run: (data, ids) => ops.unsortedSegmentSum(data, ids, 3),
    expected: [[4, 0, 2]],
    gradWrt: [0],
  },
  {
    name: 'unsortedSegmentSum: hand-written drops out-of-range ids',
    op: 'unsortedSegmentSum',
    inputs: [{ shape: [4, 2], values: [1, 2, 3, 4, 5, 6, 7, 8] }, INDICES([4], [1, -1, 2, 1])],
    run: (data, ids) => ops.unsortedSegmentSum(data, ids, 2),
    expected: [[0, 0, 8, 10]],
    gradWrt: [0],
  },
  {
    name: 'unsortedSegmentSum: 2-d ids over [2,3,2]',
    op: 'unsortedSegmentSum',
    inputs: [{ shape: [2, 3, 2] }, INDICES([2, 3], [0, 3, 1, 3, 3, 0])],
    run: (data, ids) => ops.unsortedSegmentSum(data, ids, 4),
    gradWrt: [0],
  },
  {
    name: 'unsortedSegmentSum: int32 data',
    op: 'unsortedSegmentSum',
    inputs: [{ shape: [5], dtype: 'int32' }, INDICES([5], [1, 1, 0, 1, 0])],
    run: (data, ids) => ops.unsortedSegmentSum(data, ids, 2),
  },
  {
    name: 'unsortedSegmentSum: empty data',
    op: 'unsortedSegmentSum',
    inputs: [{ shape: [0, 3] }, INDICES([0], [])],
    run: (data, ids) => ops.unsortedSegmentSum(data, ids, 2),
    expected: [[0, 0, 0, 0, 0, 0]],
  },
];

const compositeShapeCases: ConformanceCase[] = [
  {
    name: 'squeeze: hand-written every size-1 axis',
    op: 'squeeze',
    inputs: [{ shape: [1, 2, 1], values: [1, 2] }],
    run: (x) => ops.squeeze(x),
    expected: [[1, 2]],
  },
  ...(
    [
      [[1, 3, 1], 0],
      [[1, 3, 1], -1],
      [[1, 1], undefined],
      [[3], undefined],
      [[1, 0, 1], [0, 2]],
    ] as const
  ).map(
    ([shape, axes]): ConformanceCase => ({
      name: `squeeze: ${show(shape)} along ${showAxes(axes)}`,
      op: 'squeeze',
      inputs: [{ shape }],
      run: (x) => ops.squeeze(x, axes),
      gradWrt: [0],
    }),
  ),
  ...(
    [
      [[], 0],
      [[3], 0],
      [[3], 1],
      [[3], -1],
      [[2, 3], 1],
      [[2, 3], -2],
    ] as const
  ).map(
    ([shape, axis]): ConformanceCase => ({
      name: `expandDims: ${show(shape)} at ${axis}`,
      op: 'expandDims',
      inputs: [{ shape }],
      run: (x) => ops.expandDims(x, axis),
      gradWrt: [0],
    }),
  ),
  {
    name: 'stack: hand-written along 1',
    op: 'stack',
    inputs: [{ shape: [2], values: [1, 2] }, { shape: [2], values: [3, 4] }],
    run: (a, b) => ops.stack([a, b], 1),
    expected: [[1, 3, 2, 4]],
  },
  ...(
    [
      [[], 0, 3],
      [[2, 3], 0, 2],
      [[2, 3], 2, 3],
      [[2, 3], -1, 2],
      [[0, 2], 1, 2],
    ] as const
  ).map(
    ([shape, axis, count]): ConformanceCase => ({
      name: `stack: ${count} × ${show(shape)} along ${axis}`,
      op: 'stack',
      inputs: Array.from({ length: count }, (_, k) => ({ shape, seed: 70 + k })),
      run: (...ts) => ops.stack(ts, axis),
      gradWrt: Array.from({ length: count }, (_, k) => k),
    }),
  ),
  {
    name: 'unstack: hand-written along 1',
    op: 'unstack',
    inputs: [{ shape: [2, 2], values: [1, 2, 3, 4] }],
    run: (x) => ops.unstack(x, 1),
    expected: [[1, 3], [2, 4]],
  },
  ...(
    [
      [[3], 0],
      [[2, 3], 0],
      [[2, 3, 2], 1],
      [[2, 3, 2], -1],
    ] as const
  ).map(
    ([shape, axis]): ConformanceCase => ({
      name: `unstack: ${show(shape)} along ${axis}`,
      op: 'unstack',
      inputs: [{ shape }],
      run: (x) => ops.unstack(x, axis),
      gradWrt: [0],
    }),
  ),
  {
    name: 'split: hand-written sizes with -1',
    op: 'split',
    inputs: [{ shape: [5], values: [1, 2, 3, 4, 5] }],
    run: (x) => ops.split(x, [2, -1]),
    expected: [[1, 2], [3, 4, 5]],
  },
  ...(
    [
      [[6], 3, 0],
      [[2, 6], 2, 1],
      [[2, 6], [1, 0, 5], -1],
      [[4, 3], [3, 1], 0],
      [[4, 3], 1, 0],
    ] as const
  ).map(
    ([shape, parts, axis]): ConformanceCase => ({
      name: `split: ${show(shape)} into ${JSON.stringify(parts)} along ${axis}`,
      op: 'split',
      inputs: [{ shape }],
      run: (x) => ops.split(x, parts, axis),
      gradWrt: [0],
    }),
  ),
];

export const reductionMovementCases: ConformanceCase[] = [
  ...reductionCases,
  {
    name: 'reshape: with -1',
    op: 'reshape',
    inputs: [{ shape: [2, 3] }],
    run: (x) => ops.reshape(x, [3, -1]),
    gradWrt: [0],
  },
  {
    name: 'reshape: hand-written to a scalar',
    op: 'reshape',
    inputs: [{ shape: [1, 1], values: [7] }],
    run: (x) => ops.reshape(x, []),
    expected: [[7]],
  },
  {
    name: 'reshape: empty [0,3] to [3,0]',
    op: 'reshape',
    inputs: [{ shape: [0, 3] }],
    run: (x) => ops.reshape(x, [3, 0]),
  },
  {
    name: 'broadcastTo: [3,1] to [2,3,4]',
    op: 'broadcastTo',
    inputs: [{ shape: [3, 1] }],
    run: (x) => ops.broadcastTo(x, [2, 3, 4]),
    gradWrt: [0],
  },
  {
    name: 'broadcastTo: hand-written scalar to [2,2]',
    op: 'broadcastTo',
    inputs: [{ shape: [], values: [3] }],
    run: (x) => ops.broadcastTo(x, [2, 2]),
    expected: [[3, 3, 3, 3]],
  },
  {
    name: 'broadcastTo: [1,3] to [0,3]',
    op: 'broadcastTo',
    inputs: [{ shape: [1, 3] }],
    run: (x) => ops.broadcastTo(x, [0, 3]),
  },
  ...transposeCases,
  ...sliceCases,
  ...stridedSliceCases,
  ...concatCases,
  ...padCases,
  ...gatherCases,
  ...tileCases,
  ...reverseCases,
  ...segmentSumCases,
  ...compositeShapeCases,
];
