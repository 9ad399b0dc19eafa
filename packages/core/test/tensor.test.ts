import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DTypeError, ShapeError, scalar, setBackend, tensor } from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('tensor creation', () => {
  it('infers shape and dtype from nested arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.rank).toBe(2);
    expect(t.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor([true, false]).dtype).toBe('bool');
    expect(tensor([true, false]).arraySync()).toEqual([true, false]);
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
  });

  it('reshapes flat values and fills from one value', () => {
    expect(tensor([1, 2, 3, 4], [2, 2]).arraySync()).toEqual([[1, 2], [3, 4]]);
    expect(tensor([7], [2, 2]).arraySync()).toEqual([[7, 7], [7, 7]]);
    expect(scalar(3).shape).toEqual([]);
    expect(tensor([], [0, 3]).shape).toEqual([0, 3]);
  });

  it('casts values to the dtype: int32 truncates, float32 rounds', () => {
    expect(Array.from(tensor([1.9, -1.9], [2], 'int32').dataSync())).toEqual([1, -1]);
    expect(tensor([0.1]).dataSync()[0]).toBe(Math.fround(0.1));
  });

  it('rejects ragged arrays, bad shapes and bad dtypes with named errors', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => tensor([[1, 2], [3]])).toThrow('tensor: ragged nested array: dimension 1 should have 2 entries, found 1');
    expect(() => tensor([1, 2, 3], [2, 2])).toThrow('tensor: shape [2,2] needs 4 values, got 3');
    expect(() => tensor([1], [-1])).toThrow(ShapeError);
    expect(() => tensor([1], [1], 'float64' as never)).toThrow(DTypeError);
    expect(() => tensor(['a'] as never)).toThrow(ArgumentError);
  });
});

describe('reading values', () => {
  it('data, array and item', async () => {
    const t = tensor([[1, 2]]);
    expect(Array.from(await t.data())).toEqual([1, 2]);
    expect(await t.array()).toEqual([[1, 2]]);
    expect(scalar(5).item()).toBe(5);
    expect(() => t.item()).toThrow('item: tensor must have exactly one element, got shape [1,2]');
  });

  it('dataSync returns a copy the caller may change', () => {
    const t = tensor([1, 2]);
    t.dataSync()[0] = 100;
    expect(t.dataSync()[0]).toBe(1);
  });

  it('coerces a one-element tensor to a number and formats in templates', () => {
    const t = scalar(2);
    expect(+t + 1).toBe(3);
    expect(`${tensor([1, 2])}`).toBe('Tensor([1,2], shape=[2], dtype=float32)');
    expect(String(tensor([1, 2]).toString())).toBe('Tensor(shape=[2], dtype=float32)');
    expect(() => +tensor([1, 2])).toThrow(ArgumentError);
  });
});

describe('dtype promotion', () => {
  it('a JS number takes the tensor dtype; int32 + float32 promotes to float32', () => {
    const i = tensor([1, 2], [2], 'int32');
    expect(i.add(1).dtype).toBe('int32');
    expect(i.add(tensor([0.5, 0.5])).dtype).toBe('float32');
    expect(Array.from(i.add(tensor([0.5, 0.5])).dataSync())).toEqual([1.5, 2.5]);
    expect(Array.from(i.mul(3).dataSync())).toEqual([3, 6]);
  });
});

describe('chained methods', () => {
  it('give the same values as the op functions', () => {
    const x = tensor([[1, -2], [3, 0.5]]);
    expect(x.softmax().arraySync()).toEqual(x.softmax(-1).arraySync());
    expect(Array.from(x.abs().sum(1).dataSync())).toEqual([3, 3.5]);
    expect(x.pad([[0, 1], [1, 0]]).shape).toEqual([3, 3]);
    expect(x.tile([1, 2]).arraySync()).toEqual([[1, -2, 1, -2], [3, 0.5, 3, 0.5]]);
    expect(x.reverse(0).arraySync()).toEqual([[3, 0.5], [1, -2]]);
    expect(x.cumsum(1).arraySync()).toEqual([[1, -1], [3, 3.5]]);
    expect(x.greater(0).any(1).arraySync()).toEqual([true, true]);
    expect(x.greater(0).all(1).arraySync()).toEqual([false, true]);
    expect(x.clipByValue(0, 1).arraySync()).toEqual([[1, 0], [1, 0.5]]);
    expect(x.matMul(x, false, true).arraySync()).toEqual([[5, 2], [2, 9.25]]);
    expect(x.argMax().arraySync()).toEqual([0, 0]);
  });
});

describe('weak typing of JS numbers', () => {
  it('a fractional number next to an int32 tensor promotes to float32 instead of truncating', () => {
    const i = tensor([1, 2, 3], [3], 'int32');
    expect(i.mul(0.5).dtype).toBe('float32');
    expect(Array.from(i.mul(0.5).dataSync())).toEqual([0.5, 1, 1.5]);
    expect(i.less(2.5).arraySync()).toEqual([true, true, false]);
    expect(tensor([true, false]).add(2).dtype).toBe('int32');
  });
});
