import type { Padding, PoolOptions } from '../../../ops/index.js';
import * as ops from '../../../ops/index.js';
import type { ConformanceCase, InputSpec } from '../case.js';
import { seededRandom, specValues } from '../values.js';

type ShapePair = readonly [readonly number[], readonly number[]];

const formatPadding = (p: Padding) => (typeof p === 'string' ? p : JSON.stringify(p));
const sizeOf = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/**
 * Distinct values 0.1 apart, shuffled: inputs to max pooling whose windows never hold two values
 * within a finite-difference step of each other (so the max does not switch mid-difference).
 */
function distinctValues(count: number, seed: number): number[] {
  const random = seededRandom(seed);
  const values = Array.from({ length: count }, (_, i) => Math.round((i - count / 2) * 10) / 100);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}

// ---------------------------------------------------------------------------------------------------
// Independent plain-loop expectations (written here, not shared with the reference kernels).

/** NHWC conv with explicit leading padding, groups of channels, and dilation; output size given. */
function plainConv2d(
  x: ArrayLike<number>,
  [n, h, w, c]: readonly number[],
  f: ArrayLike<number>,
  [kh, kw, cg, o]: readonly number[],
  [oh, ow]: readonly [number, number],
  stride: number,
  [top, left]: readonly [number, number],
  dilation = 1,
): number[] {
  const out: number[] = [];
  const groups = c / cg;
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let oc = 0; oc < o; oc++) {
          const g = Math.floor(oc / (o / groups));
          let s = 0;
          for (let i = 0; i < kh; i++)
            for (let j = 0; j < kw; j++)
              for (let ci = 0; ci < cg; ci++) {
                const iy = y * stride + i * dilation - top;
                const ix = xx * stride + j * dilation - left;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                  s += x[((b * h + iy) * w + ix) * c + g * cg + ci] * f[((i * kw + j) * cg + ci) * o + oc];
                }
              }
          out.push(s);
        }
  return out;
}

/** Depthwise conv straight from its definition: out[..., c*M + m] = Σ x[..., c] · f[i, j, c, m]. */
function plainDepthwise(
  x: ArrayLike<number>,
  [n, h, w, c]: readonly number[],
  f: ArrayLike<number>,
  [kh, kw, , m]: readonly number[],
  [oh, ow]: readonly [number, number],
  stride: number,
  [top, left]: readonly [number, number],
): number[] {
  const out: number[] = [];
  for (let b = 0; b < n; b++)
    for (let y = 0; y < oh; y++)
      for (let xx = 0; xx < ow; xx++)
        for (let ch = 0; ch < c; ch++)
          for (let k = 0; k < m; k++) {
            let s = 0;
            for (let i = 0; i < kh; i++)
              for (let j = 0; j < kw; j++) {
                const iy = y * stride + i - top;
                const ix = xx * stride + j - left;
                if (iy >= 0 && iy < h && ix >= 0 && ix < w) s += x[((b * h + iy) * w + ix) * c + ch] * f[((i * kw + j) * c + ch) * m + k];
              }
            out.push(s);
          }
  return out;
}

function plainMatMul(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
      out.push(s);
    }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// matMul

const MATMUL_SHAPES: readonly ShapePair[] = [
  [[1, 1], [1, 1]],
  [[2, 3], [3, 4]],
  [[5, 1], [1, 5]],
  [[1, 64], [64, 1]],
  [[7, 9], [9, 1]],
  [[16, 16], [16, 16]],
  [[0, 3], [3, 4]],
  [[3, 0], [0, 4]],
  [[4, 3], [3, 0]],
  [[33, 65], [65, 17]],
  [[130, 70], [70, 129]],
  [[2, 2, 3], [2, 3, 4]],
  [[2, 2, 3], [3, 4]],
  [[3, 4], [2, 4, 5]],
  [[2, 1, 2, 3], [3, 3, 4]],
  [[1, 2, 3], [4, 3, 2]],
  [[0, 2, 3], [3, 4]],
  [[2, 3, 1, 5], [1, 5, 2]],
];

const swapLast = (shape: readonly number[]) => [...shape.slice(0, -2), shape[shape.length - 1], shape[shape.length - 2]];

const matMulCases: ConformanceCase[] = [
  {
    name: 'matMul: hand-written 2x2',
    op: 'matMul',
    inputs: [{ shape: [2, 2], values: [1, 2, 3, 4] }, { shape: [2, 2], values: [5, 6, 7, 8] }],
    run: (a, b) => ops.matMul(a, b),
    expected: [[19, 22, 43, 50]],
    gradWrt: [0, 1],
  },
  {
    name: 'matMul: hand-written transposeA and transposeB',
    op: 'matMul',
    // aᵀ = [[1,3],[2,4]], bᵀ = [[5,7],[6,8]]: aᵀ·bᵀ = [[23,31],[34,46]].
    inputs: [{ shape: [2, 2], values: [1, 2, 3, 4] }, { shape: [2, 2], values: [5, 6, 7, 8] }],
    run: (a, b) => ops.matMul(a, b, true, true),
    expected: [[23, 31, 34, 46]],
  },
  {
    name: 'matMul: plain-loop [33,65] x [65,17]',
    op: 'matMul',
    inputs: [{ shape: [33, 65], seed: 5 }, { shape: [65, 17], seed: 6 }],
    run: (a, b) => ops.matMul(a, b),
    expected: [plainMatMul(specValues({ shape: [33, 65], seed: 5 }, 0), specValues({ shape: [65, 17], seed: 6 }, 1), 33, 65, 17)],
    tolerance: 1e-4,
  },
  {
    name: 'matMul: int32 wraps around',
    op: 'matMul',
    inputs: [{ shape: [1, 2], dtype: 'int32', values: [65536, 3] }, { shape: [2, 1], dtype: 'int32', values: [65536, 4] }],
    run: (a, b) => ops.matMul(a, b),
    expected: [[12]],
  },
  {
    name: 'matMul: int32 [3,4] x [4,2]',
    op: 'matMul',
    inputs: [{ shape: [3, 4], dtype: 'int32' }, { shape: [4, 2], dtype: 'int32' }],
    run: (a, b) => ops.matMul(a, b),
  },
  {
    name: 'matMul: int32 batched [2,2,3] x [3,2]',
    op: 'matMul',
    inputs: [{ shape: [2, 2, 3], dtype: 'int32' }, { shape: [3, 2], dtype: 'int32' }],
    run: (a, b) => ops.matMul(a, b),
  },
  {
    name: 'matMul: [0,k] gives an empty result',
    op: 'matMul',
    inputs: [{ shape: [0, 3] }, { shape: [3, 2] }],
    run: (a, b) => ops.matMul(a, b),
    expected: [[]],
  },
  {
    name: 'matMul: k = 0 gives zeros',
    op: 'matMul',
    inputs: [{ shape: [2, 0] }, { shape: [0, 2] }],
    run: (a, b) => ops.matMul(a, b),
    expected: [[0, 0, 0, 0]],
  },
  ...MATMUL_SHAPES.flatMap(([sa, sb]) =>
    ([[false, false], [true, false], [false, true], [true, true]] as const).map(
      ([ta, tb]): ConformanceCase => ({
        name: `matMul: [${sa}] x [${sb}]${ta ? ' transposeA' : ''}${tb ? ' transposeB' : ''}`,
        op: 'matMul',
        inputs: [{ shape: ta ? swapLast(sa) : sa }, { shape: tb ? swapLast(sb) : sb }],
        run: (a, b) => ops.matMul(a, b, ta, tb),
        tolerance: sa[sa.length - 1] > 20 ? 1e-4 : 1e-5,
        gradWrt: sizeOf(sa) + sizeOf(sb) <= 40 && sizeOf(sa) > 0 && sizeOf(sb) > 0 ? [0, 1] : undefined,
      }),
    ),
  ),
];

// ---------------------------------------------------------------------------------------------------
// conv2d and its backprops

const CONV_PADDINGS: readonly Padding[] = ['same', 'valid', [[1, 0], [2, 1]]];
const CONV_INPUTS = [
  [1, 5, 5, 2],
  [2, 6, 7, 4],
] as const;

interface ConvGridEntry {
  readonly xShape: readonly number[];
  readonly filterShape: readonly number[];
  readonly options: { readonly strides: number; readonly padding: Padding; readonly dilations: number; readonly groups: number };
}

const convGrid: ConvGridEntry[] = CONV_INPUTS.flatMap((xShape) =>
  [1, 2].flatMap((strides) =>
    CONV_PADDINGS.flatMap((padding) =>
      [1, 2].flatMap((dilations) =>
        [1, 2].map((groups) => ({
          xShape,
          filterShape: [3, xShape === CONV_INPUTS[0] ? 2 : 3, xShape[3] / groups, 4],
          options: { strides, padding, dilations, groups },
        })),
      ),
    ),
  ),
);

const describeConv = ({ xShape, filterShape, options: o }: ConvGridEntry) =>
  `x [${xShape}] filter [${filterShape}] strides ${o.strides} padding ${formatPadding(o.padding)} dilations ${o.dilations} groups ${o.groups}`;

/** conv2d's output shape for a grid entry, from the TF rules (independent of the op's own helper). */
function convOutShape({ xShape, filterShape, options: o }: ConvGridEntry): number[] {
  const size = (inSize: number, k: number, axis: 0 | 1) => {
    const span = (k - 1) * o.dilations + 1;
    if (o.padding === 'same') return Math.ceil(inSize / o.strides);
    const pad = o.padding === 'valid' ? 0 : o.padding[axis][0] + o.padding[axis][1];
    return Math.max(Math.floor((inSize + pad - span) / o.strides) + 1, 0);
  };
  return [xShape[0], size(xShape[1], filterShape[0], 0), size(xShape[2], filterShape[1], 1), filterShape[3]];
}

const handConvX: InputSpec = { shape: [1, 5, 5, 1], values: Array.from({ length: 25 }, (_, i) => i + 1) };
const handConvFilter: InputSpec = { shape: [3, 3, 1, 1], values: [1, 0, -1, 2, 0, -2, 1, 0, -1] };
const groupedX: InputSpec = { shape: [1, 4, 5, 4], seed: 21 };
const groupedFilter: InputSpec = { shape: [2, 3, 2, 6], seed: 22 };

const conv2dCases: ConformanceCase[] = [
  {
    // A Sobel filter on a ramp: every interior window sees the same horizontal slope (-8).
    name: 'conv2d: hand-written Sobel on a ramp, valid',
    op: 'conv2d',
    inputs: [handConvX, handConvFilter],
    run: (x, f) => ops.conv2d(x, f),
    expected: [[-8, -8, -8, -8, -8, -8, -8, -8, -8]],
  },
  {
    // 'same' with stride 2 on 5x5: ceil(5/2) = 3 outputs, total padding 2 → 1 before, 1 after.
    name: 'conv2d: plain-loop same stride 2',
    op: 'conv2d',
    inputs: [handConvX, handConvFilter],
    run: (x, f) => ops.conv2d(x, f, { strides: 2, padding: 'same' }),
    expected: [plainConv2d(handConvX.values!, [1, 5, 5, 1], handConvFilter.values!, [3, 3, 1, 1], [3, 3], 2, [1, 1])],
  },
  {
    // 'same' with stride 2 on 6 rows, 2x2 kernel: total padding 0 for an even fit; 3 rows of 3 cols on 6x5
    // need padding 1 on the width, all of it at the right (TF puts the odd cell at the end).
    name: 'conv2d: plain-loop same puts the odd padding at bottom/right',
    op: 'conv2d',
    inputs: [{ shape: [1, 6, 5, 1], seed: 31 }, { shape: [2, 2, 1, 1], seed: 32 }],
    run: (x, f) => ops.conv2d(x, f, { strides: 2, padding: 'same' }),
    expected: [
      plainConv2d(specValues({ shape: [1, 6, 5, 1], seed: 31 }, 0), [1, 6, 5, 1], specValues({ shape: [2, 2, 1, 1], seed: 32 }, 1), [2, 2, 1, 1], [3, 3], 2, [0, 0]),
    ],
  },
  {
    name: 'conv2d: plain-loop groups 2, dilation 2, explicit padding',
    op: 'conv2d',
    inputs: [groupedX, groupedFilter],
    run: (x, f) => ops.conv2d(x, f, { padding: [[1, 2], [2, 0]], dilations: 2, groups: 2 }),
    // Height: 4 + 3 - 3 + 1 = 5 rows; width: 5 + 2 - 5 + 1 = 3 columns.
    expected: [plainConv2d(specValues(groupedX, 0), [1, 4, 5, 4], specValues(groupedFilter, 1), [2, 3, 2, 6], [5, 3], 1, [1, 2], 2)],
  },
  {
    name: 'conv2d: 1x1 filter is a matMul over channels',
    op: 'conv2d',
    inputs: [{ shape: [1, 1, 2, 2], values: [1, 2, 3, 4] }, { shape: [1, 1, 2, 2], values: [1, 1, 0, 1] }],
    run: (x, f) => ops.conv2d(x, f),
    expected: [[1, 3, 3, 7]],
  },
  {
    name: 'conv2d: filter larger than the valid input gives an empty output',
    op: 'conv2d',
    inputs: [{ shape: [1, 2, 2, 1] }, { shape: [3, 3, 1, 1] }],
    run: (x, f) => ops.conv2d(x, f),
    expected: [[]],
  },
  {
    name: 'conv2d: empty batch',
    op: 'conv2d',
    inputs: [{ shape: [0, 4, 4, 2] }, { shape: [3, 3, 2, 3] }],
    run: (x, f) => ops.conv2d(x, f, { padding: 'same' }),
    expected: [[]],
  },
  {
    name: 'conv2d: gradient, small valid',
    op: 'conv2d',
    inputs: [{ shape: [1, 4, 4, 1] }, { shape: [2, 2, 1, 2] }],
    run: (x, f) => ops.conv2d(x, f),
    gradWrt: [0, 1],
  },
  ...convGrid.map(
    (entry, index): ConformanceCase => ({
      name: `conv2d: ${describeConv(entry)}`,
      op: 'conv2d',
      inputs: [{ shape: entry.xShape }, { shape: entry.filterShape }],
      run: (x, f) => ops.conv2d(x, f, entry.options),
      tolerance: 1e-4,
      // Gradients on the small input, spread over strides/padding/dilations/groups.
      gradWrt: entry.xShape === CONV_INPUTS[0] && index % 3 === 0 ? [0, 1] : undefined,
    }),
  ),
];

const backpropGrid = convGrid.filter((e, i) => i % 2 === 0 || e.options.groups === 2);

const conv2dBackpropCases: ConformanceCase[] = [
  {
    // A 2x2 filter at stride 2 over 3x3 has one output cell; dy = 1 there scatters the filter into the
    // input's top-left corner and leaves the last row and column (which no window reads) at zero.
    name: 'conv2dBackpropInput: hand-written scatter of one cell',
    op: 'conv2dBackpropInput',
    inputs: [{ shape: [1, 1, 1, 1], values: [1] }, { shape: [2, 2, 1, 1], values: [1, 2, 3, 4] }],
    run: (dy, f) => ops.conv2dBackpropInput(dy, f, [1, 3, 3, 1], { strides: 2 }),
    expected: [[1, 2, 0, 3, 4, 0, 0, 0, 0]],
  },
  {
    // Each filter tap (i, j) correlates x[i:i+2, j:j+2] with dy = ones: the window sums of a 3x3 ramp.
    name: 'conv2dBackpropFilter: hand-written window sums',
    op: 'conv2dBackpropFilter',
    inputs: [{ shape: [1, 3, 3, 1], values: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, { shape: [1, 2, 2, 1], values: [1, 1, 1, 1] }],
    run: (x, dy) => ops.conv2dBackpropFilter(x, dy, [2, 2, 1, 1]),
    expected: [[12, 16, 24, 28]],
  },
  {
    name: 'conv2dBackpropInput: gradients of both inputs (second derivative of conv2d)',
    op: 'conv2dBackpropInput',
    inputs: [{ shape: [1, 2, 2, 2] }, { shape: [2, 2, 1, 2] }],
    run: (dy, f) => ops.conv2dBackpropInput(dy, f, [1, 4, 3, 2], { strides: 2, padding: 'same', groups: 2 }),
    gradWrt: [0, 1],
  },
  {
    name: 'conv2dBackpropFilter: gradients of both inputs (second derivative of conv2d)',
    op: 'conv2dBackpropFilter',
    inputs: [{ shape: [1, 4, 3, 2] }, { shape: [1, 2, 2, 2] }],
    run: (x, dy) => ops.conv2dBackpropFilter(x, dy, [2, 2, 1, 2], { strides: 2, padding: 'same', groups: 2 }),
    gradWrt: [0, 1],
  },
  {
    name: 'conv2dBackpropInput: gradients, dilated explicit padding',
    op: 'conv2dBackpropInput',
    inputs: [{ shape: [1, 3, 2, 1] }, { shape: [2, 2, 1, 1] }],
    run: (dy, f) => ops.conv2dBackpropInput(dy, f, [1, 3, 3, 1], { padding: [[1, 1], [0, 1]], dilations: 2 }),
    gradWrt: [0, 1],
  },
  ...backpropGrid.flatMap((entry): ConformanceCase[] => {
    const yShape = convOutShape(entry);
    return [
      {
        name: `conv2dBackpropInput: ${describeConv(entry)}`,
        op: 'conv2dBackpropInput',
        inputs: [{ shape: yShape }, { shape: entry.filterShape }],
        run: (dy, f) => ops.conv2dBackpropInput(dy, f, entry.xShape, entry.options),
        tolerance: 1e-4,
      },
      {
        name: `conv2dBackpropFilter: ${describeConv(entry)}`,
        op: 'conv2dBackpropFilter',
        inputs: [{ shape: entry.xShape }, { shape: yShape }],
        run: (x, dy) => ops.conv2dBackpropFilter(x, dy, entry.filterShape, entry.options),
        tolerance: 1e-4,
      },
    ];
  }),
];

// ---------------------------------------------------------------------------------------------------
// depthwiseConv2d (composite)

const DEPTHWISE: readonly { x: number[]; f: number[]; stride: number; padding: 'same' | 'valid' }[] = [
  { x: [1, 4, 4, 2], f: [3, 3, 2, 1], stride: 1, padding: 'valid' },
  { x: [1, 5, 5, 3], f: [3, 3, 3, 2], stride: 1, padding: 'same' },
  { x: [2, 6, 5, 2], f: [2, 3, 2, 3], stride: 2, padding: 'same' },
  { x: [1, 7, 7, 1], f: [3, 3, 1, 4], stride: 2, padding: 'valid' },
];

const depthwiseCases: ConformanceCase[] = DEPTHWISE.map(({ x, f, stride, padding }, k): ConformanceCase => {
  const xSpec: InputSpec = { shape: x, seed: 400 + k };
  const fSpec: InputSpec = { shape: f, seed: 500 + k };
  const out = (size: number, kernel: number) => (padding === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1);
  const [oh, ow] = [out(x[1], f[0]), out(x[2], f[1])];
  const pad = (size: number, kernel: number, o: number) => (padding === 'same' ? Math.floor(Math.max((o - 1) * stride + kernel - size, 0) / 2) : 0);
  return {
    name: `depthwiseConv2d: plain-loop x [${x}] filter [${f}] stride ${stride} ${padding}`,
    op: 'depthwiseConv2d',
    inputs: [xSpec, fSpec],
    run: (a, b) => ops.depthwiseConv2d(a, b, { strides: stride, padding }),
    expected: [plainDepthwise(specValues(xSpec, 0), x, specValues(fSpec, 1), f, [oh, ow], stride, [pad(x[1], f[0], oh), pad(x[2], f[1], ow)])],
    tolerance: 1e-5,
    gradWrt: k === 0 ? [0, 1] : undefined,
  };
});

// ---------------------------------------------------------------------------------------------------
// Pooling

const POOL_INPUTS = [
  [1, 5, 5, 2],
  [2, 4, 6, 3],
] as const;

const poolGrid = POOL_INPUTS.flatMap((xShape) =>
  [2, 3].flatMap((poolSize) =>
    [1, 2].flatMap((strides) => (['same', 'valid'] as const).map((padding) => ({ xShape, options: { poolSize, strides, padding } as PoolOptions }))),
  ),
);

const describePool = (xShape: readonly number[], o: PoolOptions) => `x [${xShape}] pool ${o.poolSize} strides ${o.strides} ${o.padding}`;

const poolOutShape = (xShape: readonly number[], o: PoolOptions) => {
  const k = o.poolSize as number;
  const s = o.strides as number;
  const size = (n: number) => (o.padding === 'same' ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);
  return [xShape[0], size(xShape[1]), size(xShape[2]), xShape[3]];
};

const ramp3x3: InputSpec = { shape: [1, 3, 3, 1], values: [1, 2, 3, 4, 5, 6, 7, 8, 9] };

const poolCases: ConformanceCase[] = [
  {
    name: 'maxPool: hand-written 2x2 valid stride 1',
    op: 'maxPool',
    inputs: [ramp3x3],
    run: (x) => ops.maxPool(x, { poolSize: 2, strides: 1 }),
    expected: [[5, 6, 8, 9]],
  },
  {
    // 'same' 2x2 stride 2 on 3x3 pads one row and column at the bottom/right only.
    name: 'maxPool: hand-written same stride 2 pads bottom/right',
    op: 'maxPool',
    inputs: [{ shape: [1, 3, 3, 1], values: [-1, -2, -3, -4, -5, -6, -7, -8, -9] }],
    run: (x) => ops.maxPool(x, { poolSize: 2, strides: 2, padding: 'same' }),
    expected: [[-1, -3, -7, -9]],
  },
  {
    name: 'maxPool: int32',
    op: 'maxPool',
    inputs: [{ shape: [1, 4, 4, 2], dtype: 'int32' }],
    run: (x) => ops.maxPool(x, { filterSize: 2 }),
  },
  {
    // Same-padded averages divide by the real cells: corner 2x2 windows of a 3x3 pool at stride 1.
    name: 'avgPool: hand-written same divides by non-padded cells',
    op: 'avgPool',
    inputs: [ramp3x3],
    run: (x) => ops.avgPool(x, { poolSize: 3, strides: 1, padding: 'same' }),
    expected: [[3, 3.5, 4, 4.5, 5, 5.5, 6, 6.5, 7]],
  },
  {
    name: 'avgPool: hand-written 2x2 valid stride 1',
    op: 'avgPool',
    inputs: [ramp3x3],
    run: (x) => ops.avgPool(x, { poolSize: 2, strides: 1 }),
    expected: [[3, 4, 6, 7]],
    gradWrt: [0],
  },
  {
    // Window [[1, 3], [3, 2]]: the max 3 appears twice; the gradient goes to the first one only.
    name: 'maxPoolGrad: hand-written ties go to the first max',
    op: 'maxPoolGrad',
    inputs: [{ shape: [1, 1, 1, 1], values: [5] }, { shape: [1, 2, 2, 1], values: [1, 3, 3, 2] }],
    run: (dy, x) => ops.maxPoolGrad(dy, x, { poolSize: 2 }),
    expected: [[0, 5, 0, 0]],
  },
  {
    // Overlapping windows (stride 1) whose max is the centre all send their gradient there.
    name: 'maxPoolGrad: hand-written overlapping windows accumulate',
    op: 'maxPoolGrad',
    inputs: [{ shape: [1, 2, 2, 1], values: [1, 2, 3, 4] }, { shape: [1, 3, 3, 1], values: [0, 0, 0, 0, 9, 0, 0, 0, 0] }],
    run: (dy, x) => ops.maxPoolGrad(dy, x, { poolSize: 2, strides: 1 }),
    expected: [[0, 0, 0, 0, 10, 0, 0, 0, 0]],
  },
  {
    name: 'maxPool: gradient routes to each window maximum',
    op: 'maxPool',
    inputs: [{ shape: [1, 4, 4, 1], values: distinctValues(16, 3) }],
    run: (x) => ops.maxPool(x, { poolSize: 2, strides: 1, padding: 'same' }),
    gradWrt: [0],
  },
  {
    name: 'avgPoolGrad: hand-written same spreads by real cell count',
    op: 'avgPoolGrad',
    // 2x2 'same' stride 2 on 3x3: windows cover 4, 2, 2 and 1 real cells.
    inputs: [{ shape: [1, 2, 2, 1], values: [4, 2, 2, 1] }],
    run: (dy) => ops.avgPoolGrad(dy, [1, 3, 3, 1], { poolSize: 2, strides: 2, padding: 'same' }),
    expected: [[1, 1, 1, 1, 1, 1, 1, 1, 1]],
  },
  {
    name: 'avgPoolGrad: gradient is avgPool',
    op: 'avgPoolGrad',
    inputs: [{ shape: [1, 2, 3, 2] }],
    run: (dy) => ops.avgPoolGrad(dy, [1, 3, 5, 2], { poolSize: [2, 3], strides: [2, 2], padding: 'same' }),
    gradWrt: [0],
  },
  ...poolGrid.flatMap(({ xShape, options }, index): ConformanceCase[] => {
    const small = xShape === POOL_INPUTS[0];
    const yShape = poolOutShape(xShape, options);
    const xSpec: InputSpec = { shape: xShape, values: distinctValues(sizeOf(xShape), 600 + index) };
    return [
      {
        name: `maxPool: ${describePool(xShape, options)}`,
        op: 'maxPool',
        inputs: [xSpec],
        run: (x) => ops.maxPool(x, options),
        gradWrt: small && index % 2 === 0 ? [0] : undefined,
      },
      {
        name: `avgPool: ${describePool(xShape, options)}`,
        op: 'avgPool',
        inputs: [{ shape: xShape }],
        run: (x) => ops.avgPool(x, options),
        gradWrt: small && index % 2 === 1 ? [0] : undefined,
      },
      {
        name: `maxPoolGrad: ${describePool(xShape, options)}`,
        op: 'maxPoolGrad',
        inputs: [{ shape: yShape }, xSpec],
        run: (dy, x) => ops.maxPoolGrad(dy, x, options),
      },
      {
        name: `avgPoolGrad: ${describePool(xShape, options)}`,
        op: 'avgPoolGrad',
        inputs: [{ shape: yShape }],
        run: (dy) => ops.avgPoolGrad(dy, xShape, options),
      },
    ];
  }),
];

// ---------------------------------------------------------------------------------------------------
// oneHot, cumsum, range

const oneHotCases: ConformanceCase[] = [
  {
    name: 'oneHot: hand-written, out-of-range rows are all off',
    op: 'oneHot',
    inputs: [{ shape: [4], dtype: 'int32', values: [0, 2, -1, 3] }],
    run: (i) => ops.oneHot(i, 3),
    expected: [[1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]],
  },
  {
    name: 'oneHot: on/off values and int32 dtype',
    op: 'oneHot',
    inputs: [{ shape: [2, 2], dtype: 'int32', values: [1, 0, 1, 1] }],
    run: (i) => ops.oneHot(i, 2, 5, -1, 'int32'),
    expected: [[-1, 5, 5, -1, -1, 5, -1, 5]],
  },
  {
    name: 'oneHot: bool dtype',
    op: 'oneHot',
    inputs: [{ shape: [3], dtype: 'int32', values: [2, 0, 1] }],
    run: (i) => ops.oneHot(i, 3, 1, 0, 'bool'),
    expected: [[0, 0, 1, 1, 0, 0, 0, 1, 0]],
  },
  {
    name: 'oneHot: scalar index',
    op: 'oneHot',
    inputs: [{ shape: [], dtype: 'int32', values: [1] }],
    run: (i) => ops.oneHot(i, 4),
    expected: [[0, 1, 0, 0]],
  },
  {
    name: 'oneHot: empty indices',
    op: 'oneHot',
    inputs: [{ shape: [0], dtype: 'int32' }],
    run: (i) => ops.oneHot(i, 4),
    expected: [[]],
  },
  {
    name: 'oneHot: depth 0',
    op: 'oneHot',
    inputs: [{ shape: [3], dtype: 'int32', values: [0, 1, 2] }],
    run: (i) => ops.oneHot(i, 0),
    expected: [[]],
  },
  {
    name: 'oneHot: generated [3,5] depth 7',
    op: 'oneHot',
    inputs: [{ shape: [3, 5], dtype: 'int32', range: [-2, 9] }],
    run: (i) => ops.oneHot(i, 7),
  },
];

const CUMSUM_SHAPES = [[5], [3, 4], [2, 3, 4]] as const;

const cumsumCases: ConformanceCase[] = [
  {
    name: 'cumsum: hand-written',
    op: 'cumsum',
    inputs: [{ shape: [4], values: [1, 2, 3, 4] }],
    run: (x) => ops.cumsum(x),
    expected: [[1, 3, 6, 10]],
  },
  {
    name: 'cumsum: hand-written exclusive reverse on axis 1',
    op: 'cumsum',
    inputs: [{ shape: [2, 3], values: [1, 2, 3, 4, 5, 6] }],
    run: (x) => ops.cumsum(x, 1, true, true),
    expected: [[5, 3, 0, 11, 6, 0]],
  },
  {
    name: 'cumsum: int32 with negative axis',
    op: 'cumsum',
    inputs: [{ shape: [2, 3], dtype: 'int32', values: [1, 2, 3, 4, 5, 6] }],
    run: (x) => ops.cumsum(x, -2),
    expected: [[1, 2, 3, 5, 7, 9]],
  },
  {
    name: 'cumsum: empty axis',
    op: 'cumsum',
    inputs: [{ shape: [3, 0] }],
    run: (x) => ops.cumsum(x, 1),
    expected: [[]],
  },
  ...CUMSUM_SHAPES.flatMap((shape) =>
    shape.flatMap((_, axis) =>
      ([[false, false], [true, false], [false, true], [true, true]] as const).map(
        ([exclusive, reverse]): ConformanceCase => ({
          name: `cumsum: [${shape}] axis ${axis}${exclusive ? ' exclusive' : ''}${reverse ? ' reverse' : ''}`,
          op: 'cumsum',
          inputs: [{ shape }],
          run: (x) => ops.cumsum(x, axis, exclusive, reverse),
          gradWrt: shape.length < 3 ? [0] : undefined,
        }),
      ),
    ),
  ),
];

const RANGES: readonly (readonly [number, number, number, 'float32' | 'int32', readonly number[]])[] = [
  [0, 5, 1, 'float32', [0, 1, 2, 3, 4]],
  [0, 5, 2, 'int32', [0, 2, 4]],
  [5, 0, -2, 'int32', [5, 3, 1]],
  [0, 1, 0.25, 'float32', [0, 0.25, 0.5, 0.75]],
  [3, 3, 1, 'float32', []],
  [3, 0, 1, 'float32', []],
  [-1.5, 1, 1, 'float32', [-1.5, -0.5, 0.5]],
  // (0.4 - 0.1) / 0.1 is 3.0000000000000004 in doubles, so there are 4 values, as in NumPy and TensorFlow.
  [0.1, 0.4, 0.1, 'float32', [0.1, 0.2, 0.30000000000000004, 0.4000000000000001]],
];

const rangeCases: ConformanceCase[] = RANGES.map(([start, stop, step, dtype, expected]) => ({
  name: `range: ${start} to ${stop} step ${step} ${dtype}`,
  op: 'range',
  inputs: [],
  run: () => ops.range(start, stop, step, dtype),
  expected: [expected],
}));

const sequenceCases: ConformanceCase[] = [
  { name: 'linspace: 0 to 1 in 5', op: 'linspace', inputs: [], run: () => ops.linspace(0, 1, 5), expected: [[0, 0.25, 0.5, 0.75, 1]] },
  { name: 'linspace: one value', op: 'linspace', inputs: [], run: () => ops.linspace(3, 7, 1), expected: [[3]] },
  { name: 'linspace: descending', op: 'linspace', inputs: [], run: () => ops.linspace(2, -2, 3), expected: [[2, 0, -2]] },
  { name: 'eye: 2x2', op: 'eye', inputs: [], run: () => ops.eye(2), expected: [[1, 0, 0, 1]] },
  { name: 'eye: 2x3 int32', op: 'eye', inputs: [], run: () => ops.eye(2, 3, 'int32'), expected: [[1, 0, 0, 0, 1, 0]] },
  { name: 'eye: 3x2', op: 'eye', inputs: [], run: () => ops.eye(3, 2), expected: [[1, 0, 0, 1, 0, 0]] },
];

// ---------------------------------------------------------------------------------------------------
// random: expectations are the published Philox4x32-10 answers through the documented mapping, and
// values computed once from the (known-answer tested) generator.

const randomCases: ConformanceCase[] = [
  {
    // Random123 known answer: Philox(counter 0, key 0) word 0 is 0x6627e8d5.
    name: 'random: uniform seed [0,0] element 0 is the Philox known answer',
    op: 'random',
    inputs: [],
    run: () => ops.random([1], 'uniform', [0, 0]),
    expected: [[(0x6627e8d5 >>> 9) * 2 ** -23]],
    tolerance: 0,
  },
  {
    name: 'random: uniform seed [0,0] first four',
    op: 'random',
    inputs: [],
    run: () => ops.random([2, 2], 'uniform', [0, 0]),
    expected: [[0.3990464210510254, 0.9722411632537842, 0.019449353218078613, 0.7873677015304565]],
    tolerance: 0,
  },
  {
    name: 'random: uniform seed [42,0] first six',
    op: 'random',
    inputs: [],
    run: () => ops.random([6], 'uniform', [42, 0]),
    expected: [[0.6129598617553711, 0.9877185821533203, 0.8258668184280396, 0.7295992374420166, 0.32641804218292236, 0.314847469329834]],
    tolerance: 0,
  },
  {
    name: 'random: normal seed [42,0] first six',
    op: 'random',
    inputs: [],
    run: () => ops.random([2, 3], 'normal', [42, 0]),
    expected: [[-0.9701895117759705, -0.07318130880594254, -0.3369620740413666, -0.37973761558532715, 0.7942079901695251, -0.410077303647995]],
    tolerance: 1e-6,
  },
  {
    name: 'random: normal seed [7,3] first four',
    op: 'random',
    inputs: [],
    run: () => ops.random([4], 'normal', [7, 3]),
    expected: [[0.5938633680343628, 0.76007080078125, 0.8352862596511841, 0.07821828871965408]],
    tolerance: 1e-6,
  },
  {
    // Element 17 draws z = -2.1218 in round 0 and is redrawn (round 1 gives -0.7920); elements 0..16 keep round 0.
    name: 'random: truncatedNormal redraws out-of-bound elements',
    op: 'random',
    inputs: [],
    run: () => ops.random([18], 'truncatedNormal', [42, 0]),
    expected: [
      [
        -0.9701895117759705, -0.07318130880594254, -0.3369620740413666, -0.37973761558532715, 0.7942079901695251, -0.410077303647995,
        -0.07439886778593063, -1.2002893686294556, 0.7286065220832825, -1.2932548522949219, -0.5819453597068787, -1.3787767887115479,
        0.6473090052604675, -1.7180848121643066, -0.21870744228363037, -0.42653679847717285, 0.16533935070037842, -0.7920331954956055,
      ],
    ],
    tolerance: 1e-6,
  },
  { name: 'random: empty shape', op: 'random', inputs: [], run: () => ops.random([0, 3], 'normal', [1, 2]), expected: [[]] },
  { name: 'random: large uniform [4097]', op: 'random', inputs: [], run: () => ops.random([4097], 'uniform', [9, 9]) },
  { name: 'random: large truncatedNormal [64,33]', op: 'random', inputs: [], run: () => ops.random([64, 33], 'truncatedNormal', [5, 1]), tolerance: 1e-5 },
  {
    name: 'randomUniform: int32 in [-3, 3)',
    op: 'randomUniform',
    inputs: [],
    run: () => ops.randomUniform([6], { minval: -3, maxval: 3, dtype: 'int32', seed: [42, 0] }),
    // floor(u * 6) - 3 for the uniform draws of seed [42, 0] above.
    expected: [[0, 2, 1, 1, -2, -2]],
  },
  {
    name: 'randomNormal: mean 1 stddev 2',
    op: 'randomNormal',
    inputs: [],
    run: () => ops.randomNormal([2], { mean: 1, stddev: 2, seed: [42, 0] }),
    expected: [[1 - 2 * 0.9701895117759705, 1 - 2 * 0.07318130880594254]],
  },
];

export const contractionMiscCases: ConformanceCase[] = [
  ...matMulCases,
  ...conv2dCases,
  ...conv2dBackpropCases,
  ...depthwiseCases,
  ...poolCases,
  ...oneHotCases,
  ...cumsumCases,
  ...rangeCases,
  ...sequenceCases,
  ...randomCases,
];
