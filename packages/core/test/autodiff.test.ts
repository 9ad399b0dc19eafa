import { beforeAll, describe, expect, it } from 'vitest';
import {
  ArgumentError,
  DTypeError,
  GradientTape,
  ShapeError,
  customGrad,
  grad,
  grads,
  memory,
  setBackend,
  stopGradient,
  tensor,
  tidy,
  valueAndGrad,
  variable,
} from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';
import { expectNoLeaks } from '../src/testing/leaks.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

const values = (t: { dataSync(): ArrayLike<number> }) => Array.from(t.dataSync());

describe('grad and valueAndGrad', () => {
  it('grad of a sum of squares is 2x', () =>
    expectNoLeaks(() => {
      const x = tensor([1, -2, 3]);
      const g = grad((x) => x.mul(x).sum())(x);
      expect(values(g)).toEqual([2, -4, 6]);
      g.dispose();
      x.dispose();
    }));

  it('valueAndGrad returns the value too', () => {
    const { value, grad: g } = valueAndGrad((x) => x.exp().sum())(tensor([0, 0]));
    expect(value.item()).toBe(2);
    expect(values(g)).toEqual([1, 1]);
  });

  it('grads differentiates with respect to several arguments, with broadcasting', () => {
    const [da, db] = grads((a, b) => a.mul(b).sum())([tensor([[1, 2], [3, 4]]), tensor([10, 20])]);
    expect(values(da)).toEqual([10, 20, 10, 20]);
    expect(da.shape).toEqual([2, 2]);
    expect(values(db)).toEqual([4, 6]);
    expect(db.shape).toEqual([2]);
  });

  it('an input the function ignores gets zeros', () => {
    const [, db] = grads((a) => a.sum())([tensor([1, 2]), tensor([5, 5, 5])]);
    expect(values(db)).toEqual([0, 0, 0]);
  });

  it('third derivative of x^3 by nesting grad', () => {
    const cube = (x: ReturnType<typeof tensor>) => x.mul(x).mul(x).sum();
    const d1 = (x: ReturnType<typeof tensor>) => grad(cube)(x).sum();
    const d2 = (x: ReturnType<typeof tensor>) => grad(d1)(x).sum();
    expect(values(grad(d2)(tensor([5])))).toEqual([6]);
  });

  it('requires a scalar result unless dy is given', () => {
    expect(() => grad((x) => x.mul(2))(tensor([1, 2]))).toThrow(ShapeError);
    expect(() => grad((x) => x.mul(2))(tensor([1, 2]))).toThrow(/grad: the function must return a scalar/);
    expect(values(grad((x) => x.mul(2))(tensor([1, 2]), tensor([1, 3])))).toEqual([2, 6]);
  });

  it('rejects a non-float result', () => {
    expect(() => grad((x) => x.cast('int32').sum())(tensor([1.5]))).toThrow(DTypeError);
  });
});

describe('GradientTape', () => {
  it('watches trainable variables automatically, not untrainable ones', () => {
    const w = variable([1, 2], { name: 'w' });
    const frozen = variable([3, 4], { name: 'frozen', trainable: false });
    const tape = new GradientTape();
    const y = tape.record(() => w.mul(frozen).sum());
    const [gw, gf] = tape.gradient(y, [w, frozen]);
    expect(values(gw!)).toEqual([3, 4]);
    expect(gf).toBeNull();
    w.dispose();
    frozen.dispose();
  });

  it('a non-persistent tape answers once; a persistent one many times', () => {
    const x = tensor([2]);
    const tape = new GradientTape();
    const y = tape.record(() => {
      tape.watch(x);
      return x.mul(x).sum();
    });
    expect(values(tape.gradient(y, [x])[0]!)).toEqual([4]);
    expect(() => tape.gradient(y, [x])).toThrow(/can compute gradients only once/);

    const persistent = new GradientTape({ persistent: true });
    const z = persistent.record(() => {
      persistent.watch(x);
      return x.mul(x).mul(x).sum();
    });
    expect(values(persistent.gradient(z, [x])[0]!)).toEqual([12]);
    expect(values(persistent.gradient(z, [x])[0]!)).toEqual([12]);
    persistent.dispose();
  });

  it('keeps what it saved alive when tidy disposes intermediates', () => {
    const x = tensor([1, 2]);
    const tape = new GradientTape();
    const y = tape.record(() => {
      tape.watch(x);
      return tidy(() => x.exp().mul(x).sum());
    });
    const [g] = tape.gradient(y, [x]);
    expect(values(g!)[0]).toBeCloseTo(2 * Math.E, 5);
    expect(values(g!)[1]).toBeCloseTo(3 * Math.exp(2), 4);
  });

  it('nested tapes give second derivatives', () => {
    const x = tensor([3]);
    const outer = new GradientTape();
    const dy = outer.record(() => {
      outer.watch(x);
      const inner = new GradientTape();
      const y = inner.record(() => {
        inner.watch(x);
        return x.mul(x).mul(x).sum();
      });
      return inner.gradient(y, [x])[0]!.sum();
    });
    expect(values(outer.gradient(dy, [x])[0]!)).toEqual([18]);
  });

  it('validates outputGradient shape', () => {
    const x = tensor([1, 2]);
    const tape = new GradientTape();
    const y = tape.record(() => {
      tape.watch(x);
      return x.mul(3);
    });
    expect(() => tape.gradient(y, [x], { outputGradient: tensor([1, 2, 3]) })).toThrow(
      'GradientTape.gradient: outputGradient has shape [3], target has [2]',
    );
  });

  it('releases everything it retained, even for tensors the user disposed', () =>
    expectNoLeaks(() => {
      const x = tensor([1, 2, 3]);
      const tape = new GradientTape();
      const y = tape.record(() => {
        tape.watch(x);
        const h = x.exp();
        const out = tidy(() => h.mul(h).sum());
        h.dispose();
        return out;
      });
      const [g] = tape.gradient(y, [x]);
      expect(values(g!)[0]).toBeCloseTo(2 * Math.exp(2), 4);
      g!.dispose();
      y.dispose();
      x.dispose();
    }));
});

describe('stopGradient and customGrad', () => {
  it('stopGradient blocks the gradient but keeps the value', () => {
    const g = grad((x) => x.mul(stopGradient(x)).sum())(tensor([3]));
    expect(values(g)).toEqual([3]);
  });

  it('customGrad replaces the gradient', () => {
    const doubledGrad = customGrad((x) => ({ value: x.mul(x), gradFunc: ([dy]) => [dy.mul(100)] }));
    const g = grad((x) => doubledGrad(x).sum())(tensor([1, 2]));
    expect(values(g)).toEqual([100, 100]);
    expect(values(doubledGrad(tensor([3])))).toEqual([9]);
  });

  it('customGrad checks the number of gradients', () => {
    const wrong = customGrad((x) => ({ value: x.clone(), gradFunc: () => [] }));
    expect(() => grad((x) => wrong(x).sum())(tensor([1]))).toThrow(ArgumentError);
  });
});

describe('gradient memory', () => {
  it('1,000 training-style steps leave tensors and bytes flat', () => {
    const w = variable([0.5, -0.5]);
    const x = tensor([1, 2]);
    const before = memory();
    for (let i = 0; i < 1000; i++) {
      tidy(() => {
        const g = grad((w) => w.mul(x).exp().sum())(w);
        w.assignSub(g.mul(0.001));
      });
    }
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    w.dispose();
    x.dispose();
  });
});
