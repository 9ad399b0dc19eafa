import type { DType } from '../../../dtype.js';
import * as ops from '../../../ops/index.js';
import { sizeOf } from '../../../shape.js';
import type { Tensor } from '../../../tensor.js';
import type { ConformanceCase, InputSpec } from '../case.js';

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

/** A tensor past typical tile sizes against a scalar: the shape pair no table above crosses. */
const LARGE_PAIR: readonly [readonly number[], readonly number[]] = [[1031], []];

/** Pairs the int32 and bool variants run on: same shape, trailing broadcast, both sides, empty. */
const INTEGER_PAIRS = [BROADCAST_PAIRS[1], BROADCAST_PAIRS[2], BROADCAST_PAIRS[5]];

/** Shapes whose gradients are checked against finite differences (two evaluations per element). */
const gradShape = (shape: readonly number[]): boolean => sizeOf(shape) <= 24;

const PI = Math.PI;

/** [low, high) of generated input values. */
type Range = readonly [number, number];

/** A hand-written row: explicit inputs and the values TensorFlow/NumPy give for them. */
interface HandRow {
  readonly label: string;
  readonly dtype?: DType;
  readonly values: readonly (readonly number[])[];
  /** Input shapes; default one flat vector per input. */
  readonly shapes?: readonly (readonly number[])[];
  readonly expected: readonly number[];
  readonly tolerance?: number;
}

interface UnarySpec {
  readonly op: string;
  readonly run: (x: Tensor) => Tensor;
  /** Input dtype of the generated rows (float32 unless the op is bool-only). */
  readonly dtype?: DType;
  /** Generated-value range that keeps clear of poles and kinks, so gradients are smooth there. */
  readonly range?: Range;
  /** Check gradients on the generated rows (only for ops smooth over `range`). */
  readonly smooth?: boolean;
  /** The op also accepts int32: run it on generated int32 inputs too. */
  readonly int32?: boolean;
  /** Explicit values, clear of kinks, for a gradient check where generated values would cross one. */
  readonly gradValues?: readonly number[];
  readonly rows: readonly HandRow[];
}

const unarySpecs: readonly UnarySpec[] = [
  {
    op: 'neg',
    run: (x) => ops.neg(x),
    smooth: true,
    int32: true,
    rows: [
      { label: 'hand-written', values: [[1, -2.5, 0, 3e38]], expected: [-1, 2.5, -0, -3e38] },
      { label: 'NaN and ±Inf', values: [[NaN, Infinity, -Infinity]], expected: [NaN, -Infinity, Infinity] },
      {
        label: 'int32 wraps at -2^31',
        dtype: 'int32',
        values: [[5, -7, 0, 2147483647, -2147483648]],
        expected: [-5, 7, 0, -2147483647, -2147483648],
      },
    ],
  },
  {
    op: 'abs',
    run: (x) => ops.abs(x),
    int32: true,
    gradValues: [-1.5, -0.3, 0.4, 2],
    rows: [
      { label: 'hand-written', values: [[-1.5, 2, 0, -0.25]], expected: [1.5, 2, 0, 0.25] },
      { label: 'NaN and ±Inf', values: [[NaN, -Infinity, Infinity]], expected: [NaN, Infinity, Infinity] },
      { label: 'int32 wraps at -2^31', dtype: 'int32', values: [[-3, 4, 0, -2147483648]], expected: [3, 4, 0, -2147483648] },
    ],
  },
  {
    op: 'sign',
    run: (x) => ops.sign(x),
    int32: true,
    rows: [
      { label: 'hand-written', values: [[-3.5, 0, 2, 1e-30]], expected: [-1, 0, 1, 1] },
      { label: 'NaN and ±Inf', values: [[NaN, Infinity, -Infinity]], expected: [NaN, 1, -1] },
      { label: 'int32', dtype: 'int32', values: [[-5, 0, 9]], expected: [-1, 0, 1] },
    ],
  },
  {
    op: 'exp',
    run: (x) => ops.exp(x),
    rows: [{ label: 'NaN and ±Inf', values: [[NaN, Infinity, -Infinity, 0, 100]], expected: [NaN, Infinity, 0, 1, Infinity] }],
  },
  {
    op: 'log',
    run: (x) => ops.log(x),
    range: [0.5, 3],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[1, Math.E, 0.5, 10]], expected: [0, 1, -0.6931471805599453, 2.302585092994046] },
      { label: 'zero, negative, Inf, NaN', values: [[0, -1, Infinity, NaN]], expected: [-Infinity, NaN, Infinity, NaN] },
    ],
  },
  {
    op: 'log1p',
    run: (x) => ops.log1p(x),
    range: [-0.5, 3],
    smooth: true,
    rows: [
      // A tolerance of 1e-12 at 1e-7 shows the small-x accuracy that log(1 + x) in float32 would lose.
      { label: 'tiny x keeps its digits', values: [[1e-7]], expected: [9.999999406318238e-8], tolerance: 1e-12 },
      { label: 'hand-written', values: [[0, 1, -0.5]], expected: [0, 0.6931471805599453, -0.6931471805599453] },
      { label: '-1, below -1, Inf, NaN', values: [[-1, -2, Infinity, NaN]], expected: [-Infinity, NaN, Infinity, NaN] },
    ],
  },
  {
    op: 'expm1',
    run: (x) => ops.expm1(x),
    smooth: true,
    rows: [
      // As for log1p: e^x - 1 in float32 would give 1.19e-7 here.
      { label: 'tiny x keeps its digits', values: [[1e-7]], expected: [1.000000082740371e-7], tolerance: 1e-12 },
      { label: 'hand-written', values: [[0, 1, -1]], expected: [0, 1.718281828459045, -0.6321205588285577] },
      { label: 'NaN and ±Inf', values: [[Infinity, -Infinity, NaN]], expected: [Infinity, -1, NaN] },
    ],
  },
  {
    op: 'sqrt',
    run: (x) => ops.sqrt(x),
    range: [0.5, 4],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[4, 9, 0, 2]], expected: [2, 3, 0, Math.SQRT2] },
      { label: 'negative, Inf, NaN', values: [[-1, Infinity, NaN]], expected: [NaN, Infinity, NaN] },
    ],
  },
  {
    op: 'rsqrt',
    run: (x) => ops.rsqrt(x),
    range: [0.5, 4],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[4, 0.25, 1, 2]], expected: [0.5, 2, 1, Math.SQRT1_2] },
      { label: 'zero, negative, Inf, NaN', values: [[0, -1, Infinity, NaN]], expected: [Infinity, NaN, 0, NaN] },
    ],
  },
  {
    op: 'square',
    run: (x) => ops.square(x),
    smooth: true,
    int32: true,
    rows: [
      { label: 'hand-written', values: [[-2, 3, 0.5, 0]], expected: [4, 9, 0.25, 0] },
      { label: 'NaN, -Inf and float32 overflow', values: [[NaN, -Infinity, 1e20]], expected: [NaN, Infinity, Infinity] },
      { label: 'int32 wraps around', dtype: 'int32', values: [[-3, 46341, 65536]], expected: [9, -2147479015, 0] },
    ],
  },
  {
    op: 'reciprocal',
    run: (x) => ops.reciprocal(x),
    range: [0.5, 3],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[2, -4, 0.5, 1]], expected: [0.5, -0.25, 2, 1] },
      { label: 'signed zeros, Inf, NaN', values: [[0, -0, Infinity, NaN]], expected: [Infinity, -Infinity, 0, NaN] },
    ],
  },
  {
    op: 'sin',
    run: (x) => ops.sin(x),
    range: [-4, 4],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[0, PI / 2, PI, -PI / 6]], expected: [0, 1, 0, -0.5] },
      { label: 'NaN and ±Inf', values: [[Infinity, -Infinity, NaN]], expected: [NaN, NaN, NaN] },
    ],
  },
  {
    op: 'cos',
    run: (x) => ops.cos(x),
    range: [-4, 4],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[0, PI, PI / 3, -PI / 2]], expected: [1, -1, 0.5, 0] },
      { label: 'NaN and ±Inf', values: [[Infinity, -Infinity, NaN]], expected: [NaN, NaN, NaN] },
    ],
  },
  {
    op: 'tanh',
    run: (x) => ops.tanh(x),
    range: [-3, 3],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[0, 0.5, -1, 20]], expected: [0, 0.46211715726000974, -0.7615941559557649, 1] },
      { label: 'NaN and ±Inf', values: [[Infinity, -Infinity, NaN]], expected: [1, -1, NaN] },
    ],
  },
  {
    op: 'sigmoid',
    run: (x) => ops.sigmoid(x),
    range: [-6, 6],
    smooth: true,
    rows: [
      { label: 'hand-written', values: [[0, 2, -2]], expected: [0.5, 0.8807970779778823, 0.11920292202211755] },
      // Evaluating e^x / (1 + e^x) for every x would give Infinity / Infinity = NaN at 1000.
      {
        label: 'large |x| does not overflow',
        values: [[1000, -1000, -30]],
        expected: [1, 0, 9.357622968840175e-14],
        tolerance: 1e-7,
      },
      { label: 'NaN and ±Inf', values: [[Infinity, -Infinity, NaN]], expected: [1, 0, NaN] },
    ],
  },
  {
    op: 'relu',
    run: (x) => ops.relu(x),
    int32: true,
    gradValues: [-1.5, -0.3, 0.4, 2],
    rows: [
      { label: 'hand-written', values: [[-1, 0, 2.5, -0.001]], expected: [0, 0, 2.5, 0] },
      { label: 'NaN and ±Inf', values: [[NaN, Infinity, -Infinity]], expected: [NaN, Infinity, 0] },
      { label: 'int32', dtype: 'int32', values: [[-3, 0, 7]], expected: [0, 0, 7] },
    ],
  },
  {
    op: 'erf',
    run: (x) => ops.erf(x),
    range: [-4, 4],
    smooth: true,
    rows: [
      // 1e-7 is about float32's resolution: the check that the series and the continued fraction
      // (switching at |x| = 3) are accurate on both sides of the switch.
      {
        label: 'accurate across the range',
        values: [[0, 0.001, 0.5, 1, -1.5, 2, 2.9, 3, 3.5, -5]],
        expected: [
          0, 0.0011283787909692365, 0.5204998778130465, 0.8427007929497149, -0.9661051464753108, 0.9953222650189527,
          0.9999589021219005, 0.9999779095030014, 0.9999992569016276, -0.9999999999984626,
        ],
        tolerance: 1e-7,
      },
      { label: 'NaN and ±Inf', values: [[Infinity, -Infinity, NaN, 10]], expected: [1, -1, NaN, 1] },
    ],
  },
  {
    op: 'floor',
    run: (x) => ops.floor(x),
    range: [-5, 5],
    rows: [
      { label: 'hand-written', values: [[1.7, -1.2, 2, -0.5]], expected: [1, -2, 2, -1] },
      { label: 'NaN and ±Inf', values: [[NaN, Infinity, -Infinity]], expected: [NaN, Infinity, -Infinity] },
    ],
  },
  {
    op: 'ceil',
    run: (x) => ops.ceil(x),
    range: [-5, 5],
    rows: [
      { label: 'hand-written', values: [[1.2, -1.7, 2, -0.5]], expected: [2, -1, 2, -0] },
      { label: 'NaN and ±Inf', values: [[NaN, Infinity, -Infinity]], expected: [NaN, Infinity, -Infinity] },
    ],
  },
  {
    op: 'round',
    run: (x) => ops.round(x),
    range: [-5, 5],
    rows: [
      {
        label: 'halves go to even',
        values: [[0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6, -2.6]],
        expected: [0, 2, 2, -0, -2, -2, 2, 3, -3],
      },
      { label: 'NaN and ±Inf', values: [[NaN, Infinity, -Infinity]], expected: [NaN, Infinity, -Infinity] },
    ],
  },
  {
    op: 'logicalNot',
    run: (x) => ops.logicalNot(x),
    dtype: 'bool',
    rows: [{ label: 'hand-written', dtype: 'bool', values: [[1, 0, 0, 1]], expected: [0, 1, 1, 0] }],
  },
  {
    op: 'isNaN',
    run: (x) => ops.isNaN(x),
    rows: [{ label: 'NaN and ±Inf', values: [[1, NaN, Infinity, -Infinity, 0, -NaN]], expected: [0, 1, 0, 0, 0, 1] }],
  },
  {
    op: 'isFinite',
    run: (x) => ops.isFinite(x),
    rows: [{ label: 'NaN and ±Inf', values: [[1, NaN, Infinity, -Infinity, 0, 3e38]], expected: [1, 0, 0, 0, 1, 1] }],
  },
];

interface BinarySpec {
  readonly op: string;
  readonly run: (a: Tensor, b: Tensor) => Tensor;
  /** Input dtype of the generated rows (float32 unless the op is bool-only). */
  readonly dtype?: DType;
  /** Generated-value ranges of a and b, clear of poles (div by ~0) and branch cuts. */
  readonly ranges?: readonly [Range?, Range?];
  /** Check gradients on the generated rows. */
  readonly smooth?: boolean;
  /** Also run on generated int32 inputs, with these ranges. */
  readonly int32?: readonly [Range?, Range?];
  /** Explicit a and b, clear of kinks, for a gradient check where generated values might cross one. */
  readonly gradValues?: readonly [readonly number[], readonly number[]];
  readonly rows: readonly HandRow[];
}

/** Rows shared by the four order comparisons: a = [1, 2, 3, NaN, -Inf] against b = 2. */
const orderRow = (expected: readonly number[]): HandRow => ({
  label: 'against a scalar, with NaN and -Inf',
  values: [[1, 2, 3, NaN, -Infinity], [2]],
  shapes: [[5], []],
  expected,
});

/** The same for int32: a = [-5, 2, 9] against b = 2. */
const intOrderRow = (expected: readonly number[]): HandRow => ({
  label: 'int32 against a scalar',
  dtype: 'int32',
  values: [[-5, 2, 9], [2]],
  shapes: [[3], []],
  expected,
});

const binarySpecs: readonly BinarySpec[] = [
  {
    op: 'sub',
    run: (a, b) => ops.sub(a, b),
    smooth: true,
    int32: [],
    rows: [
      { label: 'hand-written', values: [[5, 7], [2]], shapes: [[2], []], expected: [3, 5] },
      {
        label: 'NaN and ±Inf',
        values: [[Infinity, Infinity, NaN, 1], [Infinity, 1, 1, -Infinity]],
        expected: [NaN, Infinity, NaN, Infinity],
      },
      { label: 'int32 wraps around', dtype: 'int32', values: [[-2147483648, 5], [1, 7]], expected: [2147483647, -2] },
    ],
  },
  {
    op: 'div',
    run: (a, b) => ops.div(a, b),
    ranges: [undefined, [0.5, 2]],
    smooth: true,
    int32: [undefined, [1, 5]],
    rows: [
      { label: 'hand-written', values: [[1, 3, -1, 0], [2, 2, 4, 5]], expected: [0.5, 1.5, -0.25, 0] },
      {
        label: 'by zero, Inf, NaN',
        values: [[1, -1, 0, Infinity, NaN], [0, 0, 0, Infinity, 1]],
        expected: [Infinity, -Infinity, NaN, NaN, NaN],
      },
      // Halves prove the result is float32: int32 inputs divide truly.
      { label: 'int32 divides truly', dtype: 'int32', values: [[1, 3, -7], [2, 2, 2]], expected: [0.5, 1.5, -3.5] },
    ],
  },
  {
    op: 'floorDiv',
    run: (a, b) => ops.floorDiv(a, b),
    ranges: [[-10, 10], [0.5, 3]],
    int32: [],
    rows: [
      { label: 'hand-written', values: [[7, -7, 7.5, -7.5], [2, 2, 2, 2]], expected: [3, -4, 3, -4] },
      { label: 'by zero and NaN', values: [[1, -1, 0, NaN], [0, 0, 0, 1]], expected: [Infinity, -Infinity, NaN, NaN] },
      {
        label: 'int32 floors, and by zero gives 0',
        dtype: 'int32',
        values: [[7, -7, 7, -7, 5, -2147483648], [2, 2, -2, -2, 0, 1]],
        expected: [3, -4, -4, 3, 0, -2147483648],
      },
    ],
  },
  {
    op: 'mod',
    run: (a, b) => ops.mod(a, b),
    ranges: [[-10, 10], [0.5, 3]],
    int32: [],
    rows: [
      { label: 'takes the sign of the divisor', values: [[5, -5, 5, -5, 5.5], [3, 3, -3, -3, 2]], expected: [2, 1, -1, -2, 1.5] },
      {
        label: 'Inf, zero divisor, NaN',
        values: [[Infinity, 5, -5, 5, NaN], [2, Infinity, Infinity, 0, 2]],
        expected: [NaN, 5, Infinity, NaN, NaN],
      },
      {
        label: 'int32, and by zero gives 0',
        dtype: 'int32',
        values: [[5, -5, 5, -5, 7], [3, 3, -3, -3, 0]],
        expected: [2, 1, -1, -2, 0],
      },
    ],
  },
  {
    op: 'pow',
    run: (a, b) => ops.pow(a, b),
    ranges: [[0.5, 2], [-2, 2]],
    smooth: true,
    int32: [[-3, 4], [0, 6]],
    rows: [
      { label: 'hand-written', values: [[2, 3, 4, 2], [3, 2, 0.5, -3]], expected: [8, 9, 2, 0.125] },
      {
        label: 'C pow special values',
        values: [[-8, 0, 0, 1, NaN, -1, 2], [1 / 3, -1, 0, NaN, 0, Infinity, Infinity]],
        expected: [NaN, Infinity, 1, 1, 1, 1, Infinity],
      },
      {
        label: 'int32 exact with wraparound, negative exponents truncate',
        dtype: 'int32',
        values: [[2, -3, 7, 2, 1, -1, -1, 5], [10, 3, 0, 31, -5, -3, -2, -1]],
        expected: [1024, -27, 1, -2147483648, 1, -1, 1, 0],
      },
    ],
  },
  {
    op: 'maximum',
    run: (a, b) => ops.maximum(a, b),
    int32: [],
    gradValues: [[1, -2, 3, 0.5], [0.5, 1, 4, -1]],
    rows: [
      { label: 'hand-written', values: [[1, 5, -2], [3]], shapes: [[3], []], expected: [3, 5, 3] },
      { label: 'NaN propagates', values: [[NaN, 1, Infinity, -Infinity], [1, NaN, 2, 2]], expected: [NaN, NaN, Infinity, 2] },
      { label: 'int32', dtype: 'int32', values: [[-3, 4], [2, 2]], expected: [2, 4] },
    ],
  },
  {
    op: 'minimum',
    run: (a, b) => ops.minimum(a, b),
    int32: [],
    gradValues: [[1, -2, 3, 0.5], [0.5, 1, 4, -1]],
    rows: [
      { label: 'hand-written', values: [[1, 5, -2], [3]], shapes: [[3], []], expected: [1, 3, -2] },
      { label: 'NaN propagates', values: [[NaN, 1, Infinity, -Infinity], [1, NaN, 2, 2]], expected: [NaN, NaN, 2, -Infinity] },
      { label: 'int32', dtype: 'int32', values: [[-3, 4], [2, 2]], expected: [-3, 2] },
    ],
  },
  {
    op: 'atan2',
    run: (a, b) => ops.atan2(a, b),
    // a > 0 keeps away from the branch cut along b < 0 and from the singular origin.
    ranges: [[0.5, 2], [-2, 2]],
    smooth: true,
    rows: [
      {
        label: 'all four quadrants',
        values: [[1, 1, -1, 0, 0], [1, -1, -1, 1, -1]],
        expected: [PI / 4, (3 * PI) / 4, (-3 * PI) / 4, 0, PI],
      },
      {
        label: 'NaN, ±Inf and zero b',
        values: [[Infinity, NaN, 1, Infinity], [1, 1, 0, Infinity]],
        expected: [PI / 2, NaN, PI / 2, PI / 4],
      },
    ],
  },
  {
    op: 'equal',
    run: (a, b) => ops.equal(a, b),
    int32: [[-3, 3], [-3, 3]],
    rows: [
      { label: 'NaN equals nothing', values: [[1, 2, NaN, Infinity], [1, 3, NaN, Infinity]], expected: [1, 0, 0, 1] },
      { label: 'int32', dtype: 'int32', values: [[1, -2, 3], [1, 2, 3]], expected: [1, 0, 1] },
      { label: 'bool', dtype: 'bool', values: [[1, 0, 1, 0], [1, 1, 0, 0]], expected: [1, 0, 0, 1] },
    ],
  },
  {
    op: 'notEqual',
    run: (a, b) => ops.notEqual(a, b),
    int32: [[-3, 3], [-3, 3]],
    rows: [
      { label: 'NaN differs from everything', values: [[1, 2, NaN, Infinity], [1, 3, NaN, Infinity]], expected: [0, 1, 1, 0] },
      { label: 'int32', dtype: 'int32', values: [[1, -2, 3], [1, 2, 3]], expected: [0, 1, 0] },
      { label: 'bool', dtype: 'bool', values: [[1, 0, 1, 0], [1, 1, 0, 0]], expected: [0, 1, 1, 0] },
    ],
  },
  {
    op: 'less',
    run: (a, b) => ops.less(a, b),
    int32: [[-3, 3], [-3, 3]],
    rows: [orderRow([1, 0, 0, 0, 1]), intOrderRow([1, 0, 0])],
  },
  {
    op: 'lessEqual',
    run: (a, b) => ops.lessEqual(a, b),
    int32: [[-3, 3], [-3, 3]],
    rows: [orderRow([1, 1, 0, 0, 1]), intOrderRow([1, 1, 0])],
  },
  {
    op: 'greater',
    run: (a, b) => ops.greater(a, b),
    int32: [[-3, 3], [-3, 3]],
    rows: [orderRow([0, 0, 1, 0, 0]), intOrderRow([0, 0, 1])],
  },
  {
    op: 'greaterEqual',
    run: (a, b) => ops.greaterEqual(a, b),
    int32: [[-3, 3], [-3, 3]],
    rows: [orderRow([0, 1, 1, 0, 0]), intOrderRow([0, 1, 1])],
  },
  {
    op: 'logicalAnd',
    run: (a, b) => ops.logicalAnd(a, b),
    dtype: 'bool',
    rows: [
      { label: 'truth table', dtype: 'bool', values: [[1, 1, 0, 0], [1, 0, 1, 0]], expected: [1, 0, 0, 0] },
      {
        label: 'broadcast [2,1] with [3]',
        dtype: 'bool',
        values: [[1, 0], [1, 0, 1]],
        shapes: [[2, 1], [3]],
        expected: [1, 0, 1, 0, 0, 0],
      },
    ],
  },
  {
    op: 'logicalOr',
    run: (a, b) => ops.logicalOr(a, b),
    dtype: 'bool',
    rows: [
      { label: 'truth table', dtype: 'bool', values: [[1, 1, 0, 0], [1, 0, 1, 0]], expected: [1, 1, 1, 0] },
      {
        label: 'broadcast [2,1] with [3]',
        dtype: 'bool',
        values: [[1, 0], [1, 0, 1]],
        shapes: [[2, 1], [3]],
        expected: [1, 1, 1, 1, 0, 1],
      },
    ],
  },
];

function rowShapes(row: HandRow): readonly (readonly number[])[] {
  return row.shapes ?? row.values.map((values) => [values.length]);
}

function unaryCases(spec: UnarySpec): ConformanceCase[] {
  const dtype = spec.dtype ?? 'float32';
  const generated = ELEMENTWISE_SHAPES.map(
    (shape): ConformanceCase => ({
      name: `${spec.op}: [${shape}]`,
      op: spec.op,
      inputs: [{ shape, dtype, range: spec.range }],
      run: spec.run,
      gradWrt: spec.smooth && gradShape(shape) ? [0] : undefined,
    }),
  );
  const integer = spec.int32
    ? [[5], [3, 4], [1031]].map(
        (shape): ConformanceCase => ({
          name: `${spec.op}: int32 [${shape}]`,
          op: spec.op,
          inputs: [{ shape, dtype: 'int32' }],
          run: spec.run,
        }),
      )
    : [];
  const gradient: ConformanceCase[] = spec.gradValues
    ? [
        {
          name: `${spec.op}: gradient away from the kink`,
          op: spec.op,
          inputs: [{ shape: [spec.gradValues.length], values: spec.gradValues }],
          run: spec.run,
          gradWrt: [0],
        },
      ]
    : [];
  const rows = spec.rows.map(
    (row): ConformanceCase => ({
      name: `${spec.op}: ${row.label}`,
      op: spec.op,
      inputs: [{ shape: rowShapes(row)[0], dtype: row.dtype ?? dtype, values: row.values[0] }],
      run: spec.run,
      expected: [row.expected],
      tolerance: row.tolerance,
    }),
  );
  return [...generated, ...integer, ...gradient, ...rows];
}

function binaryCases(spec: BinarySpec): ConformanceCase[] {
  const dtype = spec.dtype ?? 'float32';
  const [rangeA, rangeB] = spec.ranges ?? [];
  const generated = [...BROADCAST_PAIRS, LARGE_PAIR].map(
    ([sa, sb]): ConformanceCase => ({
      name: `${spec.op}: [${sa}] with [${sb}]`,
      op: spec.op,
      inputs: [
        { shape: sa, dtype, range: rangeA },
        { shape: sb, dtype, range: rangeB },
      ],
      run: spec.run,
      gradWrt: spec.smooth && gradShape(sa) && gradShape(sb) ? [0, 1] : undefined,
    }),
  );
  const integer = spec.int32
    ? INTEGER_PAIRS.map(
        ([sa, sb]): ConformanceCase => ({
          name: `${spec.op}: int32 [${sa}] with [${sb}]`,
          op: spec.op,
          inputs: [
            { shape: sa, dtype: 'int32', range: spec.int32?.[0] },
            { shape: sb, dtype: 'int32', range: spec.int32?.[1] },
          ],
          run: spec.run,
        }),
      )
    : [];
  const gradient: ConformanceCase[] = spec.gradValues
    ? [
        {
          name: `${spec.op}: gradient away from ties`,
          op: spec.op,
          inputs: spec.gradValues.map((values): InputSpec => ({ shape: [values.length], values })),
          run: spec.run,
          gradWrt: [0, 1],
        },
      ]
    : [];
  const rows = spec.rows.map((row): ConformanceCase => {
    const shapes = rowShapes(row);
    return {
      name: `${spec.op}: ${row.label}`,
      op: spec.op,
      inputs: row.values.map((values, i): InputSpec => ({ shape: shapes[i], dtype: row.dtype ?? dtype, values })),
      run: spec.run,
      expected: [row.expected],
      tolerance: row.tolerance,
    };
  });
  return [...generated, ...integer, ...gradient, ...rows];
}

/** Shapes of condition, a and b: all equal, each side broadcasting, scalars, empty, large. */
const WHERE_SHAPES: readonly (readonly [readonly number[], readonly number[], readonly number[]])[] = [
  [[3, 4], [3, 4], [3, 4]],
  [[3, 1], [1, 4], [4]],
  [[], [2, 3], [2, 3]],
  [[2, 3], [], [3]],
  [[2, 1, 3], [4, 1], [1]],
  [[0, 3], [3], [1]],
  [[1031], [1031], []],
];

const whereCases: ConformanceCase[] = [
  ...WHERE_SHAPES.map(
    ([sc, sa, sb]): ConformanceCase => ({
      name: `where: [${sc}] selects [${sa}] or [${sb}]`,
      op: 'where',
      inputs: [{ shape: sc, dtype: 'bool' }, { shape: sa }, { shape: sb }],
      run: (c, a, b) => ops.where(c, a, b),
      gradWrt: gradShape(sa) && gradShape(sb) ? [1, 2] : undefined,
    }),
  ),
  {
    name: 'where: hand-written',
    op: 'where',
    inputs: [
      { shape: [3], dtype: 'bool', values: [1, 0, 1] },
      { shape: [3], values: [1, 2, 3] },
      { shape: [3], values: [10, 20, 30] },
    ],
    run: (c, a, b) => ops.where(c, a, b),
    expected: [[1, 20, 3]],
  },
  {
    name: 'where: hand-written broadcast',
    op: 'where',
    inputs: [
      { shape: [2, 1], dtype: 'bool', values: [1, 0] },
      { shape: [3], values: [1, 2, 3] },
      { shape: [], values: [-1] },
    ],
    run: (c, a, b) => ops.where(c, a, b),
    expected: [[1, 2, 3, -1, -1, -1]],
  },
  {
    name: 'where: the unselected side’s NaN and Inf do not leak',
    op: 'where',
    inputs: [
      { shape: [3], dtype: 'bool', values: [1, 0, 0] },
      { shape: [3], values: [NaN, NaN, Infinity] },
      { shape: [3], values: [5, 6, 7] },
    ],
    run: (c, a, b) => ops.where(c, a, b),
    expected: [[NaN, 6, 7]],
  },
  {
    name: 'where: int32 branches',
    op: 'where',
    inputs: [
      { shape: [3], dtype: 'bool', values: [0, 1, 0] },
      { shape: [3], dtype: 'int32', values: [1, 2, 3] },
      { shape: [3], dtype: 'int32', values: [-1, -2, -2147483648] },
    ],
    run: (c, a, b) => ops.where(c, a, b),
    expected: [[-1, 2, -2147483648]],
  },
  {
    name: 'where: int32 and float32 branches promote to float32',
    op: 'where',
    inputs: [
      { shape: [2], dtype: 'bool', values: [1, 0] },
      { shape: [2], dtype: 'int32', values: [1, 2] },
      { shape: [2], values: [0.5, 0.5] },
    ],
    run: (c, a, b) => ops.where(c, a, b),
    expected: [[1, 0.5]],
  },
  {
    name: 'where: bool branches',
    op: 'where',
    inputs: [
      { shape: [4], dtype: 'bool', values: [1, 1, 0, 0] },
      { shape: [4], dtype: 'bool', values: [1, 0, 1, 0] },
      { shape: [], dtype: 'bool', values: [1] },
    ],
    run: (c, a, b) => ops.where(c, a, b),
    expected: [[1, 0, 1, 1]],
  },
  {
    name: 'where: a JS number branch takes the other branch’s dtype',
    op: 'where',
    inputs: [{ shape: [3], dtype: 'bool', values: [1, 0, 1] }, { shape: [3], dtype: 'int32', values: [7, 8, 9] }],
    run: (c, a) => ops.where(c, a.add(2147483640), 0),
    expected: [[2147483647, 0, -2147483647]],
  },
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
  ...[...BROADCAST_PAIRS, LARGE_PAIR].map(([sa, sb]): ConformanceCase => ({
    name: `mul: [${sa}] * [${sb}]`,
    op: 'mul',
    inputs: [{ shape: sa }, { shape: sb }],
    run: (a, b) => ops.mul(a, b),
    gradWrt: gradShape(sa) && gradShape(sb) ? [0, 1] : undefined,
  })),
  {
    name: 'mul: int32 products wrap exactly',
    op: 'mul',
    inputs: [
      { shape: [3], dtype: 'int32', values: [65536, 46341, -7] },
      { shape: [3], dtype: 'int32', values: [65536, 46341, 3] },
    ],
    run: (a, b) => ops.mul(a, b),
    expected: [[0, -2147479015, -21]],
  },
  ...ELEMENTWISE_SHAPES.map((shape): ConformanceCase => ({
    name: `cast: float32 [${shape}] to int32`,
    op: 'cast',
    inputs: [{ shape, range: [-5, 5] }],
    run: (x) => ops.cast(x, 'int32'),
  })),
  {
    name: 'cast: float32 to bool is nonzero, NaN included',
    op: 'cast',
    inputs: [{ shape: [5], values: [0, -0, 0.5, NaN, -2] }],
    run: (x) => ops.cast(x, 'bool'),
    expected: [[0, 0, 1, 1, 1]],
  },
  {
    name: 'cast: int32 to float32 rounds to nearest',
    op: 'cast',
    inputs: [{ shape: [3], dtype: 'int32', values: [2147483647, -3, 16777217] }],
    run: (x) => ops.cast(x, 'float32'),
    expected: [[2147483648, -3, 16777216]],
    tolerance: 0,
  },
  {
    name: 'cast: bool to int32',
    op: 'cast',
    inputs: [{ shape: [2], dtype: 'bool', values: [1, 0] }],
    run: (x) => ops.cast(x, 'int32'),
    expected: [[1, 0]],
  },
  {
    // Only the identity path carries gradient: were the int32 round trip to pass one, it would be 2.
    name: 'cast: no gradient flows through float32 to int32',
    op: 'cast',
    inputs: [{ shape: [4], values: [0.3, -1.4, 2.6, -0.7] }],
    run: (x) => ops.add(ops.cast(ops.cast(x, 'int32'), 'float32'), x),
    expected: [[0.3, -2.4, 4.6, -0.7]],
    gradWrt: [0],
  },
  {
    name: 'cast: float32 to int32 truncates toward zero',
    op: 'cast',
    inputs: [{ shape: [5], values: [1.7, -1.7, 0.5, -0.5, NaN] }],
    run: (x) => ops.cast(x, 'int32'),
    expected: [[1, -1, 0, 0, 0]],
  },
  // exp's generated rows are above; only its hand-written row comes from the spec table.
  ...unarySpecs.flatMap((spec) => (spec.op === 'exp' ? unaryCases(spec).filter((c) => c.expected) : unaryCases(spec))),
  ...binarySpecs.flatMap(binaryCases),
  ...whereCases,
];
