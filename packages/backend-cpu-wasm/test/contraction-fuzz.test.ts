// Thousands of random small contractions through the wasm GEMM and the reference backend: shapes
// that are tiny, 1, odd and off the micro-kernel's tile sizes, transposes, broadcast batches, and
// convolutions over every stride/dilation/padding/group combination.
import type { DType, Padding, Tensor, TypedArray } from '@tessera/core';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput, engine, matMul, tensor } from '@tessera/core';
import { registerReferenceBackend, seededRandom } from '@tessera/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';

interface Operand {
  readonly shape: number[];
  readonly dtype: DType;
  readonly values: TypedArray;
}

interface FuzzCase {
  readonly name: string;
  readonly inputs: readonly Operand[];
  readonly run: (...inputs: Tensor[]) => Tensor;
  /** Multiply-adds per output element: the tolerance grows with it. */
  readonly depth: number;
}

/** About a second each on an idle machine; generous, because a loaded shared one can be many times slower. */
const LIMIT_MS = 120_000;

const random = seededRandom(20261123);
const int = (low: number, high: number) => low + Math.floor(random() * (high - low + 1));
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];

function operand(shape: number[], dtype: DType = 'float32'): Operand {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = dtype === 'int32' ? new Int32Array(size) : new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = dtype === 'int32' ? int(-9, 9) : random() * 2 - 1;
  return { shape, dtype, values };
}

/** A matrix dimension: mostly small and around the 6×8 tile, sometimes past the 72/256 blocks. */
function dimension(): number {
  const r = random();
  if (r < 0.6) return int(1, 17);
  if (r < 0.9) return int(1, 80);
  return int(60, 300);
}

function matMulCase(index: number): FuzzCase {
  let [m, n] = [dimension(), dimension()];
  const k = dimension();
  while (m * n * k > 400_000) [m, n] = [Math.ceil(m / 2), Math.ceil(n / 2)];
  const batchRank = pick([0, 0, 1, 1, 2]);
  const batch = Array.from({ length: batchRank }, () => int(1, 3));
  // Each operand keeps a suffix of the batch dims, with some set to 1 to broadcast.
  const own = () => batch.slice(int(0, batchRank)).map((d) => (random() < 0.25 ? 1 : d));
  const [ta, tb] = [random() < 0.5, random() < 0.5];
  const dtype: DType = random() < 0.06 ? 'int32' : 'float32';
  const a = operand([...own(), ...(ta ? [k, m] : [m, k])], dtype);
  const b = operand([...own(), ...(tb ? [n, k] : [k, n])], dtype);
  return {
    name: `#${index} matMul [${a.shape}]${ta ? 'ᵀ' : ''} x [${b.shape}]${tb ? 'ᵀ' : ''} ${dtype}`,
    inputs: [a, b],
    run: (x, y) => matMul(x, y, ta, tb),
    depth: k,
  };
}

interface ConvSetup {
  readonly xShape: number[];
  readonly filterShape: number[];
  readonly options: { strides: [number, number]; padding: Padding; dilations: [number, number]; groups: number };
  readonly outShape: number[];
}

function convSetup(): ConvSetup {
  const groups = pick([1, 1, 1, 2, 3]);
  const inPerGroup = pick([1, 1, 2, 3, 4, 5, 8]);
  const depthwise = random() < 0.2;
  const channels = depthwise ? (random() < 0.5 ? int(1, 9) : int(14, 37)) : groups * inPerGroup;
  const g = depthwise ? channels : groups;
  const outPerGroup = depthwise ? pick([1, 1, 2, 3, 4, 8]) : int(1, 7);
  const [kh, kw] = [int(1, 4), int(1, 4)];
  const strides: [number, number] = [int(1, 3), int(1, 3)];
  const dilations: [number, number] = random() < 0.7 ? [1, 1] : [int(1, 2), int(1, 3)];
  const padding: Padding = pick<Padding>(['same', 'valid', [[int(0, 2), int(0, 2)], [int(0, 2), int(0, 2)]]]);
  const xShape = [int(1, 2), int(1, 11), int(1, 11), channels];
  const size = (inSize: number, kernel: number, axis: 0 | 1) => {
    const stride = strides[axis];
    const span = (kernel - 1) * dilations[axis] + 1;
    if (padding === 'same') return Math.ceil(inSize / stride);
    const pad = padding === 'valid' ? 0 : padding[axis][0] + padding[axis][1];
    return Math.max(Math.floor((inSize + pad - span) / stride) + 1, 0);
  };
  const outShape = [xShape[0], size(xShape[1], kh, 0), size(xShape[2], kw, 1), g * outPerGroup];
  return { xShape, filterShape: [kh, kw, channels / g, g * outPerGroup], options: { strides, padding, dilations, groups: g }, outShape };
}

function describeConv({ xShape, filterShape, options: o }: ConvSetup): string {
  return `x [${xShape}] f [${filterShape}] s ${o.strides} p ${JSON.stringify(o.padding)} d ${o.dilations} g ${o.groups}`;
}

function convCase(index: number): FuzzCase {
  const setup = convSetup();
  const depth = setup.filterShape[0] * setup.filterShape[1] * setup.filterShape[2];
  const kind = pick(['conv2d', 'conv2d', 'input', 'filter'] as const);
  if (kind === 'conv2d') {
    return {
      name: `#${index} conv2d ${describeConv(setup)}`,
      inputs: [operand(setup.xShape), operand(setup.filterShape)],
      run: (x, f) => conv2d(x, f, setup.options),
      depth,
    };
  }
  if (kind === 'input') {
    return {
      name: `#${index} conv2dBackpropInput ${describeConv(setup)}`,
      inputs: [operand(setup.outShape), operand(setup.filterShape)],
      run: (dy, f) => conv2dBackpropInput(dy, f, setup.xShape, setup.options),
      depth: depth * setup.filterShape[3],
    };
  }
  return {
    name: `#${index} conv2dBackpropFilter ${describeConv(setup)}`,
    inputs: [operand(setup.xShape), operand(setup.outShape)],
    run: (x, dy) => conv2dBackpropFilter(x, dy, setup.filterShape, setup.options),
    depth: setup.outShape[0] * setup.outShape[1] * setup.outShape[2],
  };
}

async function evaluate(backend: string, cases: readonly FuzzCase[]): Promise<{ shape: number[]; values: TypedArray }[]> {
  await engine.setBackend(backend);
  return cases.map((c) => {
    const inputs = c.inputs.map((o) => tensor(o.values, o.shape, o.dtype));
    const out = c.run(...inputs);
    const result = { shape: [...out.shape], values: out.dataSync() };
    for (const t of [...inputs, out]) t.dispose();
    return result;
  });
}

/** Each case's first disagreement with the reference, or nothing. */
function mismatches(cases: readonly FuzzCase[], actual: Awaited<ReturnType<typeof evaluate>>, expected: typeof actual): string[] {
  const problems: string[] = [];
  cases.forEach((c, i) => {
    const [got, want] = [actual[i], expected[i]];
    if (got.shape.join() !== want.shape.join()) {
      problems.push(`${c.name}: shape [${got.shape}] instead of [${want.shape}]`);
      return;
    }
    // f32 sums of `depth` products of values in [-1, 1]: error grows with the depth.
    const tolerance = 1e-6 * (8 + c.depth);
    for (let j = 0; j < want.values.length; j++) {
      const error = Math.abs(got.values[j] - want.values[j]);
      if (!(error <= tolerance * Math.max(1, Math.abs(want.values[j])))) {
        problems.push(`${c.name}: element ${j} is ${got.values[j]}, reference ${want.values[j]}`);
        return;
      }
    }
  });
  return problems;
}

describe('contraction fuzz against the reference backend', () => {
  beforeAll(() => registerReferenceBackend());

  it('agrees on 2000 random matMuls', async () => {
    const cases = Array.from({ length: 2000 }, (_, i) => matMulCase(i));
    const problems = mismatches(cases, await evaluate('wasm', cases), await evaluate('reference', cases));
    expect(problems.slice(0, 10)).toEqual([]);
  }, LIMIT_MS);

  it('agrees on 1500 random convolutions and their backprops', async () => {
    const cases = Array.from({ length: 1500 }, (_, i) => convCase(i));
    const problems = mismatches(cases, await evaluate('wasm', cases), await evaluate('reference', cases));
    expect(problems.slice(0, 10)).toEqual([]);
  }, LIMIT_MS);
});
