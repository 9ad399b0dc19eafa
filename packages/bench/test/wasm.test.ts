import { describe, expect, it } from 'vitest';
import { ACCUMULATORS, fusedGeluModule, PEAK_FLOPS_PER_ITERATION, peakModule } from '../src/wasm/kernels.js';

/**
 * erf in float64, far beyond f32 accuracy: the Maclaurin series below |x| = 2.5 (its terms stay
 * small), the continued fraction of erfc above.
 */
function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 2.5) {
    let t = ax;
    for (let k = 80; k >= 1; k--) t = ax + k / 2 / t;
    return Math.sign(x) * (1 - Math.exp(-ax * ax) / Math.sqrt(Math.PI) / t);
  }
  let sum = 0;
  let term = x;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('hand-written wasm kernels', () => {
  it('the peak loop runs acc = acc·0.5 + 0.25 on every accumulator and returns lane 0 of their sum', async () => {
    const { instance } = await WebAssembly.instantiate(peakModule());
    const peak = instance.exports.peak as (n: number) => number;
    const iterations = 3;
    let expected = 0;
    for (let i = 0; i < ACCUMULATORS; i++) {
      let acc = Math.fround(i * 0.01);
      for (let k = 0; k < iterations; k++) acc = Math.fround(Math.fround(acc * 0.5) + 0.25);
      expected = Math.fround(expected + acc);
    }
    expect(peak(iterations)).toBeCloseTo(expected, 6);
    expect(PEAK_FLOPS_PER_ITERATION).toBe(ACCUMULATORS * 8);
  });

  it('the fused gelu pass computes 0.5·z·(1 + erf(z/√2)), z = x·a + b, to within 2e-6', async () => {
    const n = 4096;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -12 + (24 * i) / n;
    const { instance } = await WebAssembly.instantiate(fusedGeluModule(1));
    const memory = instance.exports.memory as WebAssembly.Memory;
    const gelu = instance.exports.gelu as (i: number, o: number, n: number, a: number, b: number) => void;
    new Float32Array(memory.buffer, 0, n).set(x);
    gelu(0, n * 4, n, 0.75, 0.1);
    const y = new Float32Array(memory.buffer, n * 4, n);
    let worst = 0;
    for (let i = 0; i < n; i++) {
      const z = Math.fround(Math.fround(x[i] * 0.75) + 0.1);
      const expected = 0.5 * z * (1 + erf(z / Math.SQRT2));
      worst = Math.max(worst, Math.abs(y[i] - expected) / Math.max(1, Math.abs(expected)));
    }
    expect(worst).toBeLessThan(2e-6);
  });
});
