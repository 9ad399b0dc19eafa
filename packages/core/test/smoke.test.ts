import { beforeAll, describe, expect, it } from 'vitest';
import { GradientTape, grad, memory, setBackend, tensor, tidy, variable } from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('smoke', () => {
  it('adds with broadcasting', () => {
    const y = tensor([[1, 2], [3, 4]]).add(tensor([10, 20]));
    expect(y.arraySync()).toEqual([[11, 22], [13, 24]]);
  });
  it('differentiates exp(x)*x summed', () => {
    const g = grad((x) => x.exp().mul(x).sum())(tensor([0, 1]));
    const v = g.dataSync();
    expect(v[0]).toBeCloseTo(1, 5);
    expect(v[1]).toBeCloseTo(2 * Math.E, 5);
  });
  it('second derivative through nested grad', () => {
    const d2 = grad((x) => grad((y) => y.mul(y).mul(y).sum())(x).sum())(tensor([2]));
    expect(d2.dataSync()[0]).toBeCloseTo(12, 4);
  });
  it('tape watches variables and tidy leaks nothing', () => {
    const before = memory().numTensors;
    const v = variable([1, 2, 3]);
    tidy(() => {
      const tape = new GradientTape();
      const y = tape.record(() => v.mul(v).sum());
      const [g] = tape.gradient(y, [v]);
      expect(Array.from(g!.dataSync())).toEqual([2, 4, 6]);
    });
    v.dispose();
    expect(memory().numTensors).toBe(before);
  });
});
