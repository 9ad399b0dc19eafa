import * as ops from '../../../ops/index.js';
import type { Tensor } from '../../../tensor.js';
import type { ConformanceCase, InputSpec } from '../case.js';
import { specValues } from '../values.js';

// Expected values here are computed in double precision by plain-JS formulas written independently
// of the composites (a different but equivalent form wherever one exists), from the very float32
// inputs the runner generates.

// ---------------------------------------------------------------------------------------------
// Double-precision references

/** erfc by its continued fraction (x ≥ 2) or 1 - the Maclaurin series of erf (|x| < 2). */
function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    let term = x;
    let total = x;
    for (let n = 1; n < 60; n++) {
      term *= (-x * x) / n;
      total += term / (2 * n + 1);
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * total;
  }
  if (!Number.isFinite(x)) return 0;
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated from the tail.
  let fraction = x;
  for (let k = 80; k >= 1; k--) fraction = x + k / 2 / fraction;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / fraction;
}

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;

const softplusRef = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
const geluRef = (v: number): number => 0.5 * v * erfc(-v / Math.SQRT2);
const geluTanhRef = (v: number): number =>
  0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
const eluRef = (alpha: number) => (v: number): number => (v > 0 ? v : alpha * Math.expm1(v));
const seluRef = (v: number): number => SELU_SCALE * (v > 0 ? v : SELU_ALPHA * Math.expm1(v));
const leakyRef = (alpha: number) => (v: number): number => (v > 0 ? v : alpha * v);
const relu6Ref = (v: number): number => Math.min(Math.max(v, 0), 6);
const softsignRef = (v: number): number => v / (1 + Math.abs(v));
const swishRef = (v: number): number => v / (1 + Math.exp(-v));
const hardSigmoidRef = (v: number): number => Math.min(1, Math.max(0, v / 6 + 0.5));
const mishRef = (v: number): number => v * Math.tanh(softplusRef(v));

/** Flat indices of `shape` grouped by the output element a reduction over `axes` sends them to. */
function reductionGroups(shape: readonly number[], axes: readonly number[]): number[][] {
  const rank = shape.length;
  const reduced = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  let outputs = 1;
  shape.forEach((d, i) => {
    if (!reduced.has(i)) outputs *= d;
  });
  const groups: number[][] = Array.from({ length: outputs }, () => []);
  const size = shape.reduce((a, b) => a * b, 1);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let key = 0;
    let keyStride = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const coordinate = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
      if (!reduced.has(d)) {
        key += coordinate * keyStride;
        keyStride *= shape[d];
      }
    }
    groups[key].push(flat);
  }
  return groups;
}

const allAxes = (shape: readonly number[]): number[] => shape.map((_, i) => i);

/** Applies `fn` to each reduction group and writes its results back in place (softmax-like ops). */
function perGroup(values: readonly number[], shape: readonly number[], axes: readonly number[], fn: (g: number[]) => number[]): number[] {
  const out = new Array<number>(values.length);
  for (const group of reductionGroups(shape, axes)) {
    const results = fn(group.map((i) => values[i]));
    group.forEach((i, k) => (out[i] = results[k]));
  }
  return out;
}

/** One number per reduction group (logSumExp-, norm-like ops). */
function reduceGroups(values: readonly number[], shape: readonly number[], axes: readonly number[], fn: (g: number[]) => number): number[] {
  return reductionGroups(shape, axes).map((group) => fn(group.map((i) => values[i])));
}

const softmaxRef = (g: number[]): number[] => {
  const m = Math.max(...g);
  const e = g.map((v) => Math.exp(v - m));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / total);
};
const logSumExpRef = (g: number[]): number => {
  if (g.length === 0) return -Infinity;
  if (g.some(Number.isNaN)) return NaN;
  const m = Math.max(...g);
  if (!Number.isFinite(m)) return m;
  return m + Math.log(g.reduce((a, v) => a + Math.exp(v - m), 0));
};
// Log-probabilities as x minus the log-sum-exp of the group (the op subtracts the max first instead).
const logSoftmaxRef = (g: number[]): number[] => {
  const total = logSumExpRef(g);
  return g.map((v) => v - total);
};
const meanRef = (g: number[]): number => g.reduce((a, b) => a + b, 0) / g.length;
const varianceRef = (g: number[]): number => {
  const m = meanRef(g);
  return g.reduce((a, v) => a + (v - m) * (v - m), 0) / g.length;
};
const euclideanRef = (g: number[]): number => Math.hypot(...g);

/** Fails the case when a composite returns the wrong shape (hand-written expectations hold values only). */
function withShape(t: Tensor, shape: readonly number[]): Tensor {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`expected shape [${shape.join(',')}], got [${t.shape.join(',')}]`);
  }
  return t;
}

const flat = (spec: InputSpec, index = 0): number[] => Array.from(specValues(spec, index));

// ---------------------------------------------------------------------------------------------
// Elementwise activations

interface Activation {
  readonly op: string;
  readonly label?: string;
  readonly run: (x: Tensor) => Tensor;
  readonly ref: (v: number) => number;
  /** Whether ±Infinity gives the mathematical limit through the op's formula. */
  readonly infinities: boolean;
  /** Inputs for the gradient check, away from kinks by more than the finite-difference step. */
  readonly gradValues: readonly number[];
}

const activations: readonly Activation[] = [
  { op: 'gelu', run: (x) => ops.gelu(x), ref: geluRef, infinities: false, gradValues: [-2.5, -1.2, -0.4, 0.3, 1.1, 2.7] },
  {
    op: 'gelu',
    label: 'gelu approximate',
    run: (x) => ops.gelu(x, true),
    ref: geluTanhRef,
    infinities: false,
    gradValues: [-2.5, -1.2, -0.4, 0.3, 1.1, 2.7],
  },
  { op: 'elu', run: (x) => ops.elu(x), ref: eluRef(1), infinities: true, gradValues: [-2.2, -0.8, -0.3, 0.25, 0.9, 3] },
  {
    op: 'elu',
    label: 'elu alpha=0.5',
    run: (x) => ops.elu(x, 0.5),
    ref: eluRef(0.5),
    infinities: true,
    gradValues: [-2.2, -0.8, -0.3, 0.25, 0.9, 3],
  },
  { op: 'selu', run: (x) => ops.selu(x), ref: seluRef, infinities: true, gradValues: [-2.2, -0.8, -0.3, 0.25, 0.9, 3] },
  {
    op: 'leakyRelu',
    run: (x) => ops.leakyRelu(x),
    ref: leakyRef(0.2),
    infinities: true,
    gradValues: [-2.2, -0.8, -0.3, 0.25, 0.9, 3],
  },
  {
    op: 'leakyRelu',
    label: 'leakyRelu alpha=0.01',
    run: (x) => ops.leakyRelu(x, 0.01),
    ref: leakyRef(0.01),
    infinities: true,
    gradValues: [-2.2, -0.8, -0.3, 0.25, 0.9, 3],
  },
  { op: 'relu6', run: (x) => ops.relu6(x), ref: relu6Ref, infinities: true, gradValues: [-1.5, -0.3, 0.4, 2.5, 5.7, 7.2] },
  { op: 'softplus', run: (x) => ops.softplus(x), ref: softplusRef, infinities: true, gradValues: [-3.1, -1, -0.2, 0.35, 1.4, 4] },
  { op: 'softsign', run: (x) => ops.softsign(x), ref: softsignRef, infinities: false, gradValues: [-3.1, -1, -0.2, 0.35, 1.4, 4] },
  { op: 'swish', run: (x) => ops.swish(x), ref: swishRef, infinities: false, gradValues: [-3.1, -1, -0.2, 0.35, 1.4, 4] },
  { op: 'silu', run: (x) => ops.silu(x), ref: swishRef, infinities: false, gradValues: [-3.1, -1, -0.2, 0.35, 1.4, 4] },
  {
    op: 'hardSigmoid',
    run: (x) => ops.hardSigmoid(x),
    ref: hardSigmoidRef,
    infinities: true,
    gradValues: [-4.5, -2.7, -0.6, 0.8, 2.6, 3.4],
  },
  { op: 'mish', run: (x) => ops.mish(x), ref: mishRef, infinities: false, gradValues: [-3.1, -1, -0.2, 0.35, 1.4, 4] },
];

const EXTREMES = [-1e4, -80, -20, -1, -0.5, 0, 0.5, 1, 20, 80, 1e4];

function activationCases(a: Activation): ConformanceCase[] {
  const label = a.label ?? a.op;
  const expectFrom = (spec: InputSpec) => [flat(spec).map(a.ref)];
  const unary = (what: string, spec: InputSpec, extra: Partial<ConformanceCase> = {}): ConformanceCase => ({
    name: `${label}: ${what}`,
    op: a.op,
    inputs: [spec],
    run: a.run,
    expected: expectFrom(spec),
    ...extra,
  });
  const cases = [
    unary('scalar', { shape: [], values: [0.7] }),
    unary('[2,3]', { shape: [2, 3], range: [-3, 3] }),
    unary('[2,3,4]', { shape: [2, 3, 4], range: [-4, 4] }),
    unary('empty [0]', { shape: [0] }),
    unary('empty [2,0,3]', { shape: [2, 0, 3] }),
    unary('large [1031]', { shape: [1031], range: [-10, 10] }),
    unary('large [33,65]', { shape: [33, 65], range: [-8, 8] }),
    unary('extreme ±80 and ±1e4', { shape: [EXTREMES.length], values: EXTREMES }),
    unary('NaN propagates', { shape: [3], values: [NaN, 1.5, -1.5] }),
    unary('gradient [6]', { shape: [6], values: a.gradValues }, { gradWrt: [0] }),
    unary('gradient [2,3]', { shape: [2, 3], values: a.gradValues.map((v) => v * 0.9) }, { gradWrt: [0] }),
  ];
  if (a.infinities) cases.push(unary('±Infinity', { shape: [2], values: [-Infinity, Infinity] }));
  return cases;
}

// ---------------------------------------------------------------------------------------------
// softmax and logSoftmax

interface AxisCase {
  readonly what: string;
  readonly spec: InputSpec;
  readonly axis?: number | readonly number[];
  readonly grad?: boolean;
}

const softmaxShapes: readonly AxisCase[] = [
  { what: '[5]', spec: { shape: [5], range: [-3, 3] } },
  { what: '[1] is 1', spec: { shape: [1], values: [42] } },
  { what: '[2,3] axis -1', spec: { shape: [2, 3] } },
  { what: '[2,3] axis 0', spec: { shape: [2, 3] }, axis: 0 },
  { what: '[2,3,4] axis 1', spec: { shape: [2, 3, 4], range: [-4, 4] }, axis: 1 },
  { what: '[2,3,4] axes [0,2]', spec: { shape: [2, 3, 4], range: [-4, 4] }, axis: [0, 2] },
  { what: 'large [1031]', spec: { shape: [1031], range: [-10, 10] } },
  { what: 'large [33,65] axis 0', spec: { shape: [33, 65], range: [-10, 10] }, axis: 0 },
  { what: 'large [33,65] axis 1', spec: { shape: [33, 65], range: [-10, 10] }, axis: 1 },
  { what: 'empty [0,4]', spec: { shape: [0, 4] } },
  { what: 'empty [3,0,2] axis 0', spec: { shape: [3, 0, 2] }, axis: 0 },
  { what: 'equal logits', spec: { shape: [4], values: [3, 3, 3, 3] } },
  { what: 'extreme ±1e4', spec: { shape: [2, 3], values: [1e4, -1e4, 0, -1e4, -1e4, -1e4] } },
  { what: 'extreme ±80', spec: { shape: [2, 3], values: [80, -80, 0, 80, 79, 78] } },
  { what: 'large positive offset', spec: { shape: [3], values: [1e4, 1e4 + 1, 1e4 + 2] } },
  { what: '-Infinity entry', spec: { shape: [3], values: [-Infinity, 0, 1] } },
  { what: 'NaN stays in its row', spec: { shape: [2, 3], values: [1, NaN, 2, 0.5, -0.5, 1] } },
  { what: 'gradient [5]', spec: { shape: [5], values: [-1.3, 0.2, 0.9, -0.4, 1.7] }, grad: true },
  { what: 'gradient [2,3] axis 0', spec: { shape: [2, 3], values: [0.1, -0.8, 1.2, 0.6, 0.3, -1.5] }, axis: 0, grad: true },
  { what: 'gradient [2,2,3] axes [1,2]', spec: { shape: [2, 2, 3], range: [-2, 2], seed: 17 }, axis: [1, 2], grad: true },
];

function softmaxFamilyCases(
  opName: 'softmax' | 'logSoftmax',
  run: (x: Tensor, axis?: number | readonly number[]) => Tensor,
  ref: (g: number[]) => number[],
): ConformanceCase[] {
  return softmaxShapes.map(({ what, spec, axis, grad }) => {
    const axes = axis === undefined ? [-1] : typeof axis === 'number' ? [axis] : [...axis];
    return {
      name: `${opName}: ${what}`,
      op: opName,
      inputs: [spec],
      run: (x: Tensor) => (axis === undefined ? run(x) : run(x, axis)),
      expected: [perGroup(flat(spec), spec.shape, axes, ref)],
      ...(grad ? { gradWrt: [0] } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// logSumExp

const logSumExpCases: readonly AxisCase[] = [
  { what: 'all axes [2,3]', spec: { shape: [2, 3] } },
  { what: '[2,3] axis 0', spec: { shape: [2, 3] }, axis: 0 },
  { what: '[2,3] axis -1', spec: { shape: [2, 3] }, axis: -1 },
  { what: '[2,3,4] axes [0,2]', spec: { shape: [2, 3, 4], range: [-4, 4] }, axis: [0, 2] },
  { what: 'scalar', spec: { shape: [], values: [2.5] } },
  { what: 'large [1031]', spec: { shape: [1031], range: [-10, 10] } },
  { what: 'large [33,65] axis 1', spec: { shape: [33, 65], range: [-10, 10] }, axis: 1 },
  { what: 'empty is -Infinity', spec: { shape: [0] } },
  { what: 'empty [2,0] axis 1', spec: { shape: [2, 0] }, axis: 1 },
  { what: 'extreme 1e4', spec: { shape: [3], values: [1e4, 1e4, -1e4] } },
  { what: 'extreme -1e4', spec: { shape: [2], values: [-1e4, -1e4] } },
  { what: 'extreme ±80', spec: { shape: [2, 2], values: [80, 80, -80, -80] }, axis: 1 },
  { what: 'all -Infinity is -Infinity', spec: { shape: [2, 2], values: [-Infinity, -Infinity, 0, 1] }, axis: 1 },
  { what: 'Infinity is Infinity', spec: { shape: [3], values: [Infinity, 1, 2] } },
  { what: 'NaN propagates', spec: { shape: [2, 2], values: [NaN, 1, 2, 3] }, axis: 1 },
  { what: 'gradient [5]', spec: { shape: [5], values: [-1.3, 0.2, 0.9, -0.4, 1.7] }, grad: true },
  { what: 'gradient [2,3] axis 0', spec: { shape: [2, 3], values: [0.1, -0.8, 1.2, 0.6, 0.3, -1.5] }, axis: 0, grad: true },
];

function logSumExpTable(): ConformanceCase[] {
  const cases: ConformanceCase[] = logSumExpCases.map(({ what, spec, axis, grad }) => {
    const axes = axis === undefined ? allAxes(spec.shape) : typeof axis === 'number' ? [axis] : [...axis];
    return {
      name: `logSumExp: ${what}`,
      op: 'logSumExp',
      inputs: [spec],
      run: (x: Tensor) => ops.logSumExp(x, axis),
      expected: [reduceGroups(flat(spec), spec.shape, axes, logSumExpRef)],
      ...(grad ? { gradWrt: [0] } : {}),
    };
  });
  const spec: InputSpec = { shape: [2, 3], range: [-3, 3] };
  cases.push({
    name: 'logSumExp: keepDims [2,3] axis 1',
    op: 'logSumExp',
    inputs: [spec],
    run: (x) => withShape(ops.logSumExp(x, 1, true), [2, 1]),
    expected: [reduceGroups(flat(spec), spec.shape, [1], logSumExpRef)],
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// l2Normalize

const l2Cases: readonly AxisCase[] = [
  { what: '[3,4] -> [0.6,0.8]', spec: { shape: [2], values: [3, 4] } },
  { what: '[2,3] all axes', spec: { shape: [2, 3] } },
  { what: '[2,3] axis 1', spec: { shape: [2, 3] }, axis: 1 },
  { what: '[2,3] axis 0', spec: { shape: [2, 3] }, axis: 0 },
  { what: '[2,3,4] axes [1,2]', spec: { shape: [2, 3, 4] }, axis: [1, 2] },
  { what: 'scalar', spec: { shape: [], values: [-2] } },
  { what: 'zeros stay zero', spec: { shape: [3], values: [0, 0, 0] } },
  { what: 'tiny values hit epsilon', spec: { shape: [2], values: [1e-8, -2e-8] } },
  { what: 'large [1031]', spec: { shape: [1031], range: [-10, 10] } },
  { what: 'large [33,65] axis 0', spec: { shape: [33, 65] }, axis: 0 },
  { what: 'empty [0,3] axis 1', spec: { shape: [0, 3] }, axis: 1 },
  { what: 'extreme 1e4', spec: { shape: [2], values: [1e4, -1e4] } },
  { what: 'NaN propagates in its row', spec: { shape: [2, 2], values: [NaN, 1, 3, 4] }, axis: 1 },
  { what: 'gradient [4]', spec: { shape: [4], values: [0.5, -1.2, 0.8, 2] }, grad: true },
  { what: 'gradient [2,3] axis 1', spec: { shape: [2, 3], values: [0.1, -0.8, 1.2, 0.6, 0.3, -1.5] }, axis: 1, grad: true },
];

function l2NormalizeTable(): ConformanceCase[] {
  return l2Cases.map(({ what, spec, axis, grad }) => {
    const axes = axis === undefined ? allAxes(spec.shape) : typeof axis === 'number' ? [axis] : [...axis];
    const normalize = (g: number[]) => {
      const squared = g.reduce((a, v) => a + v * v, 0);
      return g.map((v) => v / Math.sqrt(Math.max(squared, 1e-12)));
    };
    return {
      name: `l2Normalize: ${what}`,
      op: 'l2Normalize',
      inputs: [spec],
      run: (x: Tensor) => ops.l2Normalize(x, axis),
      expected: [perGroup(flat(spec), spec.shape, axes, normalize)],
      ...(grad ? { gradWrt: [0] } : {}),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// moments

const momentsCases: readonly AxisCase[] = [
  { what: '[1,2,3,4] all axes', spec: { shape: [4], values: [1, 2, 3, 4] } },
  { what: '[2,3] axis 0', spec: { shape: [2, 3] }, axis: 0 },
  { what: '[2,3] axis 1', spec: { shape: [2, 3] }, axis: 1 },
  { what: '[2,3,4] axes [0,2]', spec: { shape: [2, 3, 4] }, axis: [0, 2] },
  { what: 'scalar', spec: { shape: [], values: [3] } },
  { what: 'large [1031]', spec: { shape: [1031], range: [-10, 10] } },
  { what: 'large [33,65] axis 0', spec: { shape: [33, 65] }, axis: 0 },
  { what: 'empty is NaN', spec: { shape: [0] } },
  { what: 'large offset keeps the variance', spec: { shape: [4], values: [10000, 10001, 10002, 10003] } },
  { what: 'constant has zero variance', spec: { shape: [2, 3], values: [7, 7, 7, -1, -1, -1] }, axis: 1 },
  { what: 'NaN propagates', spec: { shape: [2, 2], values: [NaN, 1, 2, 3] }, axis: 1 },
  { what: 'gradient [5]', spec: { shape: [5], values: [-1.3, 0.2, 0.9, -0.4, 1.7] }, grad: true },
  { what: 'gradient [2,3] axis 0', spec: { shape: [2, 3], values: [0.1, -0.8, 1.2, 0.6, 0.3, -1.5] }, axis: 0, grad: true },
];

function momentsTable(): ConformanceCase[] {
  const cases: ConformanceCase[] = momentsCases.map(({ what, spec, axis, grad }) => {
    const axes = axis === undefined ? allAxes(spec.shape) : typeof axis === 'number' ? [axis] : [...axis];
    const values = flat(spec);
    return {
      name: `moments: ${what}`,
      op: 'moments',
      inputs: [spec],
      run: (x: Tensor) => {
        const { mean, variance } = ops.moments(x, axis);
        return [mean, variance];
      },
      expected: [reduceGroups(values, spec.shape, axes, meanRef), reduceGroups(values, spec.shape, axes, varianceRef)],
      ...(grad ? { gradWrt: [0] } : {}),
    };
  });
  const spec: InputSpec = { shape: [2, 3] };
  cases.push({
    name: 'moments: keepDims [2,3] axis 1',
    op: 'moments',
    inputs: [spec],
    run: (x) => {
      const { mean, variance } = ops.moments(x, 1, true);
      return [withShape(mean, [2, 1]), withShape(variance, [2, 1])];
    },
    expected: [reduceGroups(flat(spec), [2, 3], [1], meanRef), reduceGroups(flat(spec), [2, 3], [1], varianceRef)],
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// clipByValue

function clipCase(what: string, spec: InputSpec, low: number, high: number, grad = false): ConformanceCase {
  return {
    name: `clipByValue: ${what}`,
    op: 'clipByValue',
    inputs: [spec],
    run: (x) => ops.clipByValue(x, low, high),
    expected: [flat(spec).map((v) => (Number.isNaN(v) ? NaN : v < low ? low : v > high ? high : v))],
    ...(grad ? { gradWrt: [0] } : {}),
  };
}

function clipTable(): ConformanceCase[] {
  const cases = [
    clipCase('[-2,0.5,3] to [-1,1]', { shape: [3], values: [-2, 0.5, 3] }, -1, 1),
    clipCase('scalar below', { shape: [], values: [-5] }, 0, 1),
    clipCase('[2,3]', { shape: [2, 3], range: [-3, 3] }, -1.5, 0.5),
    clipCase('empty [0,2]', { shape: [0, 2] }, -1, 1),
    clipCase('large [1031]', { shape: [1031], range: [-10, 10] }, -5, 5),
    clipCase('large [33,65]', { shape: [33, 65], range: [-10, 10] }, -2, 7),
    clipCase('±Infinity and 1e4', { shape: [4], values: [-Infinity, Infinity, 1e4, -1e4] }, -80, 80),
    clipCase('NaN propagates', { shape: [3], values: [NaN, 5, -5] }, -1, 1),
    clipCase('min equals max', { shape: [3], values: [-1, 0, 1] }, 0.25, 0.25),
    clipCase('gradient [6]', { shape: [6], values: [-2.5, -0.7, 0.1, 0.6, 1.4, 3] }, -1, 1, true),
  ];
  const spec: InputSpec = { shape: [2, 3], values: [-3, 0, 3, -0.5, 0.5, 2] };
  const low = [-1, -2, 0];
  const high = [1, 2, 2.5];
  cases.push({
    name: 'clipByValue: tensor bounds broadcast over rows',
    op: 'clipByValue',
    inputs: [spec, { shape: [3], values: low }, { shape: [3], values: high }],
    run: (x, lo, hi) => ops.clipByValue(x, lo, hi),
    expected: [flat(spec).map((v, i) => Math.min(Math.max(v, low[i % 3]), high[i % 3]))],
  });
  return cases;
}

// ---------------------------------------------------------------------------------------------
// norm

type Order = 'euclidean' | 'fro' | number;

function vectorNormRef(ord: Order): (g: number[]) => number {
  if (ord === 'euclidean' || ord === 'fro' || ord === 2) return euclideanRef;
  if (ord === 1) return (g) => g.reduce((a, v) => a + Math.abs(v), 0);
  if (ord === Infinity) return (g) => Math.max(...g.map(Math.abs));
  if (ord === -Infinity) return (g) => Math.min(...g.map(Math.abs));
  return (g) => Math.pow(g.reduce((a, v) => a + Math.pow(Math.abs(v), ord), 0), 1 / ord);
}

function normCase(what: string, spec: InputSpec, ord: Order | undefined, axis?: number, grad = false): ConformanceCase {
  const axes = axis === undefined ? allAxes(spec.shape) : [axis];
  return {
    name: `norm: ${what}`,
    op: 'norm',
    inputs: [spec],
    run: (x) => ops.norm(x, ord, axis),
    expected: [reduceGroups(flat(spec), spec.shape, axes, vectorNormRef(ord ?? 'euclidean'))],
    ...(grad ? { gradWrt: [0] } : {}),
  };
}

function normTable(): ConformanceCase[] {
  const matrix: InputSpec = { shape: [2, 3], values: [1, -2, 3, -4, 5, -6] };
  const batch: InputSpec = { shape: [2, 2, 2], values: [1, -2, 3, 4, -5, 6, 7, -8] };
  const cases: ConformanceCase[] = [
    normCase('[3,4] is 5', { shape: [2], values: [3, 4] }, undefined),
    normCase('euclidean [2,3] all', { shape: [2, 3] }, 'euclidean'),
    normCase('fro over all elements', { shape: [2, 3] }, 'fro'),
    normCase('ord 2 vector', { shape: [5] }, 2),
    normCase('ord 1 vector', { shape: [5] }, 1),
    normCase('ord Infinity vector', { shape: [5] }, Infinity),
    normCase('ord -Infinity vector', { shape: [5] }, -Infinity),
    normCase('ord 3 vector', { shape: [5] }, 3),
    normCase('euclidean [2,3] axis 0', { shape: [2, 3] }, 'euclidean', 0),
    normCase('ord 1 [2,3] axis -1', { shape: [2, 3] }, 1, -1),
    normCase('scalar is |x|', { shape: [], values: [-2.5] }, undefined),
    normCase('empty is 0', { shape: [0] }, undefined),
    normCase('large [1031]', { shape: [1031], range: [-10, 10] }, undefined),
    normCase('large [33,65] axis 1', { shape: [33, 65] }, 'euclidean', 1),
    normCase('extreme 1e4', { shape: [3], values: [1e4, -1e4, 80] }, undefined),
    normCase('NaN propagates', { shape: [3], values: [NaN, 1, 2] }, undefined),
    normCase('gradient euclidean [4]', { shape: [4], values: [0.5, -1.2, 0.8, 2] }, undefined, undefined, true),
    normCase('gradient ord 1 [4]', { shape: [4], values: [0.5, -1.2, 0.8, 2] }, 1, undefined, true),
    normCase('gradient ord Infinity [2,3] axis 1', { shape: [2, 3], values: [0.5, -1.2, 0.8, 2, 0.1, -0.9] }, Infinity, 1, true),
    {
      name: 'norm: matrix fro [2,3]',
      op: 'norm',
      inputs: [matrix],
      run: (x) => ops.norm(x, 'fro', [0, 1]),
      expected: [[Math.sqrt(91)]],
    },
    {
      // Column sums of |x|: 5, 7, 9.
      name: 'norm: matrix ord 1 [2,3]',
      op: 'norm',
      inputs: [matrix],
      run: (x) => ops.norm(x, 1, [0, 1]),
      expected: [[9]],
    },
    {
      // Row sums of |x|: 6, 15.
      name: 'norm: matrix ord Infinity [2,3]',
      op: 'norm',
      inputs: [matrix],
      run: (x) => ops.norm(x, Infinity, [0, 1]),
      expected: [[15]],
    },
    {
      // Axes reversed: rows are axis 1, so the 1-norm takes the largest row sum.
      name: 'norm: matrix ord 1 axes [1,0]',
      op: 'norm',
      inputs: [matrix],
      run: (x) => ops.norm(x, 1, [1, 0]),
      expected: [[15]],
    },
    {
      // Per batch: column sums [4, 6] and [12, 14]; row sums [3, 7] and [11, 15].
      name: 'norm: batched matrix ord 1 and Infinity [2,2,2] axes [1,2]',
      op: 'norm',
      inputs: [batch],
      run: (x) => [ops.norm(x, 1, [1, 2]), ops.norm(x, Infinity, [1, 2])],
      expected: [
        [6, 14],
        [7, 15],
      ],
    },
    {
      name: 'norm: keepDims [2,3] axis 1',
      op: 'norm',
      inputs: [matrix],
      run: (x) => withShape(ops.norm(x, 'euclidean', 1, true), [2, 1]),
      expected: [[Math.sqrt(14), Math.sqrt(77)]],
    },
    {
      name: 'norm: gradient matrix fro [2,2]',
      op: 'norm',
      inputs: [{ shape: [2, 2], values: [0.5, -1.2, 0.8, 2] }],
      run: (x) => ops.norm(x, 'fro', [0, 1]),
      expected: [[Math.hypot(0.5, 1.2, 0.8, 2)]],
      gradWrt: [0],
    },
  ];
  return cases;
}

// ---------------------------------------------------------------------------------------------
// batchNormalization and layerNormalization

interface BatchNormSetup {
  readonly what: string;
  readonly x: InputSpec;
  readonly channels: number;
  readonly offset?: boolean;
  readonly scale?: boolean;
  readonly epsilon?: number;
  readonly grad?: boolean;
  readonly variance?: readonly number[];
}

function batchNormCase(s: BatchNormSetup): ConformanceCase {
  const c = s.channels;
  const meanSpec: InputSpec = { shape: [c], range: [-1, 1], seed: 101 + c };
  const varianceSpec: InputSpec = s.variance ? { shape: [c], values: s.variance } : { shape: [c], range: [0.2, 2], seed: 202 + c };
  const offsetSpec: InputSpec = { shape: [c], range: [-1, 1], seed: 303 + c };
  const scaleSpec: InputSpec = { shape: [c], range: [0.5, 1.5], seed: 404 + c };
  const inputs = [s.x, meanSpec, varianceSpec, ...(s.offset ? [offsetSpec] : []), ...(s.scale ? [scaleSpec] : [])];
  const [x, mean, variance] = [flat(s.x, 0), flat(meanSpec, 1), flat(varianceSpec, 2)];
  const offset = s.offset ? flat(offsetSpec, 3) : undefined;
  const scale = s.scale ? flat(scaleSpec, s.offset ? 4 : 3) : undefined;
  const epsilon = s.epsilon ?? 1e-3;
  const expected = x.map((v, i) => {
    const k = i % c;
    return ((v - mean[k]) / Math.sqrt(variance[k] + epsilon)) * (scale?.[k] ?? 1) + (offset?.[k] ?? 0);
  });
  return {
    name: `batchNormalization: ${s.what}`,
    op: 'batchNormalization',
    inputs,
    run: (...t) => {
      const [xt, m, v] = t;
      const off = s.offset ? t[3] : undefined;
      const sc = s.scale ? t[s.offset ? 4 : 3] : undefined;
      return s.epsilon === undefined ? ops.batchNormalization(xt, m, v, off, sc) : ops.batchNormalization(xt, m, v, off, sc, s.epsilon);
    },
    expected: [expected],
    ...(s.grad ? { gradWrt: inputs.map((_, i) => i) } : {}),
  };
}

function batchNormTable(): ConformanceCase[] {
  const cases = [
    batchNormCase({ what: '[2,3] mean and variance only', x: { shape: [2, 3] }, channels: 3 }),
    batchNormCase({ what: '[2,3] with offset', x: { shape: [2, 3] }, channels: 3, offset: true }),
    batchNormCase({ what: '[2,3] with scale', x: { shape: [2, 3] }, channels: 3, scale: true }),
    batchNormCase({ what: '[4,2,3] offset and scale', x: { shape: [4, 2, 3] }, channels: 3, offset: true, scale: true }),
    batchNormCase({ what: 'epsilon 1e-5', x: { shape: [2, 4] }, channels: 4, offset: true, scale: true, epsilon: 1e-5 }),
    batchNormCase({ what: 'zero variance uses epsilon', x: { shape: [2, 2] }, channels: 2, variance: [0, 0] }),
    batchNormCase({ what: 'empty [0,3]', x: { shape: [0, 3] }, channels: 3, offset: true, scale: true }),
    batchNormCase({ what: 'large [33,65]', x: { shape: [33, 65], range: [-10, 10] }, channels: 65, offset: true, scale: true }),
    batchNormCase({ what: 'extreme 1e4', x: { shape: [2, 2], values: [1e4, -1e4, 80, -80] }, channels: 2, offset: true }),
    batchNormCase({ what: 'NaN propagates', x: { shape: [2, 2], values: [NaN, 1, 2, 3] }, channels: 2 }),
    batchNormCase({ what: 'gradient of all five inputs', x: { shape: [2, 3] }, channels: 3, offset: true, scale: true, grad: true }),
  ];
  cases.push({
    name: 'batchNormalization: scalar statistics',
    op: 'batchNormalization',
    inputs: [{ shape: [3], values: [1, 2, 4] }],
    run: (x) => ops.batchNormalization(x, 2, 4, 0.5, 3),
    expected: [[1, 2, 4].map((v) => ((v - 2) / Math.sqrt(4.001)) * 3 + 0.5)],
  });
  return cases;
}

interface LayerNormSetup {
  readonly what: string;
  readonly x: InputSpec;
  readonly axis?: number | readonly number[];
  readonly gamma?: boolean;
  readonly beta?: boolean;
  readonly epsilon?: number;
  readonly grad?: boolean;
}

function layerNormCase(s: LayerNormSetup): ConformanceCase {
  const shape = s.x.shape;
  const rank = shape.length;
  const axes = (s.axis === undefined ? [-1] : typeof s.axis === 'number' ? [s.axis] : [...s.axis]).map((a) => (a < 0 ? a + rank : a));
  const parameterShape = axes.map((a) => shape[a]);
  const gammaSpec: InputSpec = { shape: parameterShape, range: [0.5, 1.5], seed: 505 };
  const betaSpec: InputSpec = { shape: parameterShape, range: [-1, 1], seed: 606 };
  const inputs = [s.x, ...(s.gamma ? [gammaSpec] : []), ...(s.beta ? [betaSpec] : [])];
  const x = flat(s.x, 0);
  const gamma = s.gamma ? flat(gammaSpec, 1) : undefined;
  const beta = s.beta ? flat(betaSpec, s.gamma ? 2 : 1) : undefined;
  const epsilon = s.epsilon ?? 1e-3;
  // Index of a flat x element within the parameters, from its coordinates along `axes`.
  const parameterIndex = (i: number): number => {
    let rest = i;
    const coordinates = new Array<number>(rank);
    for (let d = rank - 1; d >= 0; d--) {
      coordinates[d] = rest % shape[d];
      rest = Math.floor(rest / shape[d]);
    }
    return axes.reduce((index, a) => index * shape[a] + coordinates[a], 0);
  };
  const normalized = perGroup(x, shape, axes, (g) => {
    const m = meanRef(g);
    const inv = 1 / Math.sqrt(varianceRef(g) + epsilon);
    return g.map((v) => (v - m) * inv);
  });
  const expected = normalized.map((v, i) => v * (gamma?.[parameterIndex(i)] ?? 1) + (beta?.[parameterIndex(i)] ?? 0));
  return {
    name: `layerNormalization: ${s.what}`,
    op: 'layerNormalization',
    inputs,
    run: (...t) => {
      const g = s.gamma ? t[1] : undefined;
      const b = s.beta ? t[s.gamma ? 2 : 1] : undefined;
      return s.epsilon === undefined && s.axis === undefined
        ? ops.layerNormalization(t[0], g, b)
        : ops.layerNormalization(t[0], g, b, s.axis ?? -1, s.epsilon ?? 1e-3);
    },
    expected: [expected],
    ...(s.grad ? { gradWrt: inputs.map((_, i) => i) } : {}),
  };
}

function layerNormTable(): ConformanceCase[] {
  return [
    layerNormCase({ what: '[2,3] no gamma or beta', x: { shape: [2, 3] } }),
    layerNormCase({ what: '[2,3] gamma and beta', x: { shape: [2, 3] }, gamma: true, beta: true }),
    layerNormCase({ what: '[2,3] beta only', x: { shape: [2, 3] }, beta: true }),
    layerNormCase({ what: '[4] gamma only', x: { shape: [4] }, gamma: true }),
    layerNormCase({ what: '[2,3] axis 0', x: { shape: [2, 3] }, axis: 0, gamma: true, beta: true }),
    layerNormCase({ what: '[2,3,4] axes [1,2]', x: { shape: [2, 3, 4] }, axis: [1, 2], gamma: true, beta: true }),
    layerNormCase({ what: '[2,3,4] axis 1 (parameters reshaped)', x: { shape: [2, 3, 4] }, axis: 1, gamma: true, beta: true }),
    layerNormCase({ what: 'epsilon 1e-6', x: { shape: [2, 3] }, epsilon: 1e-6 }),
    layerNormCase({ what: 'constant row is zero', x: { shape: [2, 3], values: [5, 5, 5, 1, 2, 3] } }),
    layerNormCase({ what: 'large offset 1e4', x: { shape: [1, 4], values: [10000, 10001, 10002, 10003] } }),
    layerNormCase({ what: 'large [33,65]', x: { shape: [33, 65], range: [-10, 10] }, gamma: true, beta: true }),
    layerNormCase({ what: 'large [1031]', x: { shape: [1031], range: [-80, 80] } }),
    layerNormCase({ what: 'empty [0,4]', x: { shape: [0, 4] }, gamma: true, beta: true }),
    layerNormCase({ what: 'NaN stays in its row', x: { shape: [2, 2], values: [NaN, 1, 2, 3] } }),
    layerNormCase({ what: 'gradient of x, gamma and beta', x: { shape: [2, 3], seed: 7 }, gamma: true, beta: true, grad: true }),
    layerNormCase({ what: 'gradient of x, axis 0', x: { shape: [3, 2], seed: 8 }, axis: 0, grad: true }),
  ];
}

export const compositeCases: ConformanceCase[] = [
  {
    name: 'fill: [2,3] with 7',
    op: 'fill',
    inputs: [],
    run: () => ops.fill([2, 3], 7),
    expected: [[7, 7, 7, 7, 7, 7]],
  },
  ...activations.flatMap(activationCases),
  ...softmaxFamilyCases('softmax', (x, axis) => ops.softmax(x, axis), softmaxRef),
  ...softmaxFamilyCases('logSoftmax', (x, axis) => ops.logSoftmax(x, axis), logSoftmaxRef),
  ...logSumExpTable(),
  ...l2NormalizeTable(),
  ...momentsTable(),
  ...clipTable(),
  ...normTable(),
  ...batchNormTable(),
  ...layerNormTable(),
];
