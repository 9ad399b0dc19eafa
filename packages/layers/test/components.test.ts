import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, type Tensor, dispose, matMul, setBackend, setSeed, tensor, tidy } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import {
  Dense,
  LeakyReLU,
  ReLU,
  MaxNorm,
  computeFans,
  getActivation,
  getConstraint,
  getInitializer,
  getRegularizer,
  initializers,
  serializeActivation,
} from '../src/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

function sample(name: string, shape: number[], config: Record<string, unknown> = {}): number[] {
  const t = tidy(() => getInitializer({ class_name: name, config: config as never }).call(shape));
  const out = Array.from(t.dataSync() as Float32Array);
  t.dispose();
  return out;
}

function stats(v: number[]) {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  return { mean, std, min: Math.min(...v), max: Math.max(...v) };
}

describe('initializers', () => {
  it('compute fans as Keras does (receptive field for convolution kernels)', () => {
    expect(computeFans([3, 5])).toEqual({ fanIn: 3, fanOut: 5 });
    expect(computeFans([3, 3, 4, 8])).toEqual({ fanIn: 36, fanOut: 72 });
    expect(computeFans([7])).toEqual({ fanIn: 7, fanOut: 7 });
  });

  it('GlorotUniform stays within sqrt(6 / (fanIn + fanOut)) and fills the range', () => {
    const v = sample('GlorotUniform', [40, 60], { seed: 1 });
    const limit = Math.sqrt(6 / 100);
    const s = stats(v);
    expect(s.max).toBeLessThanOrEqual(limit);
    expect(s.min).toBeGreaterThanOrEqual(-limit);
    expect(s.max).toBeGreaterThan(0.95 * limit);
    expect(s.std).toBeCloseTo(limit / Math.sqrt(3), 2);
  });

  it('He, LeCun and Glorot normals have the variance scale / fan, truncated at two deviations', () => {
    for (const [name, scale, fan] of [
      ['HeNormal', 2, 50],
      ['LecunNormal', 1, 50],
      ['GlorotNormal', 1, 75],
    ] as const) {
      const v = sample(name, [50, 100], { seed: 2 });
      const s = stats(v);
      const std = Math.sqrt(scale / fan);
      expect(s.std / std, name).toBeGreaterThan(0.95);
      expect(s.std / std, name).toBeLessThan(1.05);
      expect(s.max, name).toBeLessThanOrEqual((2 * std) / 0.8796256610342398 + 1e-6);
    }
    const he = stats(sample('HeUniform', [50, 100], { seed: 3 }));
    expect(he.max).toBeLessThanOrEqual(Math.sqrt(6 / 50));
  });

  it('Orthogonal gives orthonormal columns (and rows for wide shapes)', () => {
    // [80, 40] and [40, 70] span two Gram-Schmidt blocks of 32 columns.
    for (const shape of [
      [6, 4],
      [3, 5],
      [80, 40],
      [40, 70],
      [3, 3, 2, 4],
    ]) {
      const w = tidy(() => getInitializer('orthogonal').call(shape));
      const cols = shape[shape.length - 1];
      const rows = w.size / cols;
      const flat = tidy(() => w.reshape([rows, cols]));
      const gram = tidy(() => (rows >= cols ? matMul(flat, flat, true, false) : matMul(flat, flat, false, true)));
      const n = Math.min(rows, cols);
      const g = Array.from(gram.dataSync() as Float32Array);
      g.forEach((v, i) => expect(v).toBeCloseTo(Math.floor(i / n) === i % n ? 1 : 0, 5));
      expect(w.shape).toEqual(shape);
      dispose([w, flat, gram]);
    }
  });

  it('seeded initializers repeat their values; unseeded ones follow setSeed', () => {
    expect(sample('RandomNormal', [5], { seed: 9 })).toEqual(sample('RandomNormal', [5], { seed: 9 }));
    expect(sample('RandomUniform', [5], { seed: 1 })).not.toEqual(sample('RandomUniform', [5], { seed: 2 }));
    setSeed(4);
    const a = sample('TruncatedNormal', [6]);
    setSeed(4);
    expect(sample('TruncatedNormal', [6])).toEqual(a);
  });

  it('constants and bounded draws', () => {
    expect(sample('Zeros', [3])).toEqual([0, 0, 0]);
    expect(sample('Ones', [2])).toEqual([1, 1]);
    expect(sample('Constant', [2], { value: 2.5 })).toEqual([2.5, 2.5]);
    const u = stats(sample('RandomUniform', [500], { minval: 2, maxval: 3, seed: 5 }));
    expect(u.min).toBeGreaterThanOrEqual(2);
    expect(u.max).toBeLessThan(3);
    const t = stats(sample('TruncatedNormal', [2000], { mean: 1, stddev: 0.1, seed: 6 }));
    expect(t.min).toBeGreaterThanOrEqual(0.8);
    expect(t.max).toBeLessThanOrEqual(1.2);
    expect(new initializers.VarianceScaling({ scale: 2, mode: 'fan_out', distribution: 'uniform' }).getConfig()).toEqual({
      scale: 2,
      mode: 'fan_out',
      distribution: 'uniform',
      seed: null,
    });
  });

  it('names unknown initializers in the error', () => {
    expect(() => getInitializer('glorot_sideways')).toThrow(ArgumentError);
    expect(() => new Dense({ units: 2, kernelInitializer: 'nope' })).toThrow(/Dense: kernel_initializer: unknown initializer "nope"/);
  });
});

describe('activations', () => {
  const x = [-3, -0.5, 0, 0.5, 3];
  const run = (name: string) => {
    const out: Tensor = tidy(() => getActivation(name)(tensor(x)));
    const v = Array.from(out.dataSync() as Float32Array);
    out.dispose();
    return v;
  };

  it('hard_sigmoid is relu6(x + 3) / 6 (Keras 3), not 0.2x + 0.5', () => {
    expect(run('hard_sigmoid')).toEqual([0, 2.5 / 6, 0.5, 3.5 / 6, 1].map((v) => expect.closeTo(v, 6)));
  });

  it('gelu is the exact erf form', () => {
    const exact = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
    expect(run('gelu')).toEqual(x.map((v) => expect.closeTo(exact(v), 5)));
  });

  it('the leaky_relu activation uses slope 0.2, the LeakyReLU layer 0.3', () => {
    expect(run('leaky_relu')[0]).toBeCloseTo(-0.6, 6);
    expect(new LeakyReLU().negativeSlope).toBe(0.3);
  });

  it('aliases serialize under the name Keras writes', () => {
    expect(serializeActivation(getActivation('swish'))).toBe('silu');
    expect(serializeActivation(getActivation(null))).toBe('linear');
    expect(run('swish')).toEqual(run('silu'));
    expect(() => getActivation('sparkle')).toThrow(/unknown activation "sparkle"/);
  });
});

describe('ReLU layer', () => {
  it('matches Keras 3 at and around the threshold, and rejects what Keras rejects', () => {
    const x = tensor([-3, -1.5, 0.5, 0.75, 2, 8]);
    const run = (args: ConstructorParameters<typeof ReLU>[0]) => {
      const y = new ReLU(args).apply(x) as Tensor;
      const v = Array.from(y.dataSync() as Float32Array);
      y.dispose();
      return v;
    };
    // Values printed by Keras 3.15 for the same input (x = threshold gives 0).
    expect(run({ maxValue: 6, negativeSlope: 0.1, threshold: 0.5 })).toEqual([-0.35, -0.2, 0, 0.75, 2, 6].map((v) => expect.closeTo(v, 6)));
    expect(run({ threshold: 0.5 })).toEqual([0, 0, 0, 0.75, 2, 8]);
    expect(run({ maxValue: 6 })).toEqual([0, 0, 0.5, 0.75, 2, 6]);
    expect(() => new ReLU({ threshold: -1 })).toThrow(/ReLU: threshold must be a non-negative number, got -1/);
    expect(() => new ReLU({ maxValue: -1 })).toThrow(/ReLU: max_value must be a non-negative number or null, got -1/);
    x.dispose();
  });
});

describe('regularizers and constraints', () => {
  it('l1, l2 and l1_l2 by name use Keras defaults (0.01)', () => {
    const w = tensor([[1, -2], [3, 0]]);
    const penalty = (id: string) => tidy(() => getRegularizer(id)!.call(w).dataSync()[0]);
    expect(penalty('l1')).toBeCloseTo(0.06, 6);
    expect(penalty('l2')).toBeCloseTo(0.14, 6);
    expect(penalty('l1_l2')).toBeCloseTo(0.2, 6);
    expect(() => getRegularizer('l3')).toThrow(/unknown regularizer "l3"/);
    w.dispose();
  });

  it('constraints project columns (axis 0) as Keras does', () => {
    const w = tensor([[3, 0.1], [4, 0.1]]);
    const out = tidy(() => new MaxNorm({ maxValue: 1 }).call(w));
    const v = Array.from(out.dataSync() as Float32Array);
    expect(v[0]).toBeCloseTo(0.6, 5);
    expect(v[2]).toBeCloseTo(0.8, 5);
    expect(v[1]).toBeCloseTo(0.1, 5);
    const nonNeg = tidy(() => getConstraint('non_neg')!.call(tensor([-1, 2])));
    expect(Array.from(nonNeg.dataSync() as Float32Array).map(Math.abs)).toEqual([0, 2]);
    const dense = new Dense({ units: 2, kernelConstraint: 'unit_norm' });
    dense.build([null, 2]);
    expect(dense.constraintOf(dense.kernel!)?.className).toBe('UnitNorm');
    dispose([w, out, nonNeg]);
    dense.dispose();
  });
});

/** Abramowitz–Stegun 7.1.26 is too coarse here; a series good to 1e-7 for |x| ≤ 3. */
function erf(x: number): number {
  let term = x;
  let total = x;
  for (let n = 1; n < 60; n++) {
    term *= (-x * x) / n;
    total += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * total;
}
