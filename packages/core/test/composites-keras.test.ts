import { beforeAll, describe, expect, it } from 'vitest';
import {
  DTypeError,
  elu,
  gelu,
  hardSigmoid,
  layerNormalization,
  leakyRelu,
  memory,
  norm,
  selu,
  setBackend,
  softmax,
  tensor,
  tidy,
} from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';

// Keras 3 behaviours (KERAS-NOTES.md) that a reimplementation tends to get wrong, pinned with values.

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

const values = (t: { dataSync(): ArrayLike<number> }): number[] => Array.from(t.dataSync());

function expectClose(actual: readonly number[], expected: readonly number[], digits = 6): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits));
}

describe('Keras 3 activation facts', () => {
  it('hardSigmoid is relu6(x + 3) / 6, not Keras 2 0.2x + 0.5', () => {
    tidy(() => {
      const x = [-5, -3, -1.5, 0, 1, 2.5, 3, 4];
      expectClose(values(hardSigmoid(tensor(x))), [0, 0, 0.25, 0.5, 4 / 6, 5.5 / 6, 1, 1]);
      // Keras 2's line gives 0.7 at x = 1 and saturates at ±2.5; Keras 3 gives 2/3 there.
      expect(values(hardSigmoid(tensor([1])))[0]).not.toBeCloseTo(0.7, 3);
      expect(values(hardSigmoid(tensor([2.5])))[0]).toBeCloseTo(0.9166667, 6);
    });
  });

  it('leakyRelu defaults to slope 0.2 (the activation string, not the layer 0.3)', () => {
    tidy(() => {
      expectClose(values(leakyRelu(tensor([-10, -1, 0, 2]))), [-2, -0.2, 0, 2]);
      expectClose(values(leakyRelu(tensor([-10]), 0.3)), [-3]);
    });
  });

  it('gelu is the exact erf form unless approximate', () => {
    tidy(() => {
      expect(values(gelu(tensor([1])))[0]).toBeCloseTo(0.8413447, 6);
      expect(values(gelu(tensor([1]), true))[0]).toBeCloseTo(0.841192, 6);
      expectClose(values(gelu(tensor([-1, 2]))), [-0.1586553, 1.9544997]);
      expectClose(values(gelu(tensor([-1, 2]), true)), [-0.158808, 1.9545977]);
    });
  });

  it('selu uses the Klambauer constants alpha 1.6732632 and scale 1.0507010', () => {
    tidy(() => {
      const [one, minusOne, veryNegative] = values(selu(tensor([1, -1, -100])));
      expect(one).toBeCloseTo(1.050701, 6);
      expect(minusOne).toBeCloseTo(1.0507009873554805 * 1.6732632423543772 * (Math.exp(-1) - 1), 6);
      // The negative saturation value is -scale·alpha.
      expect(veryNegative).toBeCloseTo(-1.7580993408473766, 5);
    });
  });

  it('elu defaults to alpha 1', () => {
    tidy(() => expectClose(values(elu(tensor([-1, 1]))), [Math.exp(-1) - 1, 1]));
  });
});

describe('Keras 3 normalization facts', () => {
  it('layerNormalization defaults to epsilon 1e-3 (biased variance)', () => {
    tidy(() => {
      // Row [1, 3]: mean 2, biased variance 1, so (x - 2) / sqrt(1 + 1e-3).
      const expected = [-1 / Math.sqrt(1.001), 1 / Math.sqrt(1.001)];
      expectClose(values(layerNormalization(tensor([[1, 3]]))), expected, 7);
      // With epsilon 1e-5 the value differs in the fourth decimal: the default really is 1e-3.
      const withSmallEpsilon = values(layerNormalization(tensor([[1, 3]]), undefined, undefined, -1, 1e-5));
      expect(withSmallEpsilon[1]).toBeCloseTo(1 / Math.sqrt(1.00001), 7);
      expect(Math.abs(withSmallEpsilon[1] - expected[1])).toBeGreaterThan(4e-4);
    });
  });

  it('layerNormalization applies gamma and beta after normalizing', () => {
    tidy(() => {
      const y = layerNormalization(tensor([[1, 3]]), tensor([2, 3]), tensor([0.5, -0.5]));
      const n = 1 / Math.sqrt(1.001);
      expectClose(values(y), [-2 * n + 0.5, 3 * n - 0.5]);
    });
  });
});

describe('composite argument checks', () => {
  it('names the composite when given an int32 tensor', () => {
    tidy(() => {
      expect(() => softmax(tensor([1, 2], undefined, 'int32'))).toThrow(DTypeError);
      expect(() => softmax(tensor([1, 2], undefined, 'int32'))).toThrow(/^softmax: logits must be float32, got int32/);
    });
  });

  it('refuses the matrix 2-norm without leaking', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const before = memory().numTensors;
    expect(() => norm(x, 2, [0, 1])).toThrow(/norm: the matrix 2-norm/);
    expect(memory().numTensors).toBe(before);
    x.dispose();
  });
});
