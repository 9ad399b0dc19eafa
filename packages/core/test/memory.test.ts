import { beforeAll, describe, expect, it } from 'vitest';
import { ArgumentError, DisposedError, dispose, keep, memory, setBackend, tensor, tidy, variable } from '../src/index.js';
import { registerReferenceBackend } from '../src/testing/reference/backend.js';
import { expectNoLeaks } from '../src/testing/leaks.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('tidy', () => {
  it('disposes intermediates and keeps what it returns, anywhere in the returned tree', () => {
    const before = memory().numTensors;
    const result = tidy(() => {
      const a = tensor([1, 2]);
      const b = a.add(1);
      a.mul(b);
      return { sum: b.sum(), parts: [b] };
    });
    expect(memory().numTensors).toBe(before + 2);
    expect(result.sum.item()).toBe(5);
    expect(Array.from(result.parts[0].dataSync())).toEqual([2, 3]);
    dispose(result);
    expect(memory().numTensors).toBe(before);
  });

  it('nested scopes hand returned tensors to the parent scope', () => {
    const before = memory().numTensors;
    tidy(() => {
      const inner = tidy(() => tensor([1]).add(1));
      expect(inner.isDisposed).toBe(false);
    });
    expect(memory().numTensors).toBe(before);
  });

  it('keep() survives the scope', () => {
    const before = memory().numTensors;
    let survivor: ReturnType<typeof tensor> | undefined;
    tidy(() => {
      survivor = keep(tensor([9]));
      tensor([8]);
    });
    expect(survivor!.item()).toBe(9);
    expect(memory().numTensors).toBe(before + 1);
    survivor!.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('refuses async functions and functions returning a Promise, leaking nothing', () => {
    const before = memory().numTensors;
    expect(() => tidy(async () => tensor([1]))).toThrow(ArgumentError);
    expect(() =>
      tidy(() => {
        tensor([1]);
        return Promise.resolve(1);
      }),
    ).toThrow('tidy: the function returned a Promise');
    expect(memory().numTensors).toBe(before);
  });

  it('disposes what a throwing function created', () => {
    const before = memory().numTensors;
    expect(() =>
      tidy(() => {
        tensor([1, 2]).add(1);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(memory().numTensors).toBe(before);
  });

  it('10,000 eager ops inside tidy leave 0 bytes behind', () => {
    const before = memory();
    tidy(() => {
      let x = tensor([1, 2, 3, 4]);
      for (let i = 0; i < 10_000; i++) x = x.mul(1.0001).add(0.5);
      return undefined;
    });
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });

  it('does not collect variables', () => {
    const v = tidy(() => variable([1, 2]));
    expect(v.isDisposed).toBe(false);
    v.dispose();
  });
});

describe('dispose and using', () => {
  it('a disposed tensor gives a DisposedError naming the op and argument', () => {
    const t = tensor([1, 2]);
    t.dispose();
    t.dispose();
    expect(() => t.add(1)).toThrow(DisposedError);
    expect(() => t.add(1)).toThrow(/add: a \(tensor \d+, shape \[2\]\) was disposed/);
    expect(() => t.dataSync()).toThrow(DisposedError);
  });

  it('a reshape shares storage: bytes are released with the last reference', () =>
    expectNoLeaks(() => {
      const before = memory().backends.reference;
      const a = tensor([1, 2, 3, 4]);
      const b = a.reshape([2, 2]);
      expect(memory().backends.reference.numDataBuffers).toBe(before.numDataBuffers + 1);
      a.dispose();
      expect(Array.from(b.dataSync())).toEqual([1, 2, 3, 4]);
      b.dispose();
    }));

  it('`using` disposes at the end of the block', () => {
    const before = memory().numTensors;
    {
      using t = tensor([1, 2, 3]);
      expect(t.size).toBe(3);
      expect(memory().numTensors).toBe(before + 1);
    }
    expect(memory().numTensors).toBe(before);
  });
});

describe('Variable', () => {
  it('assign, assignAdd and assignSub replace the value without leaking', () =>
    expectNoLeaks(() => {
      const v = variable([1, 2], { name: 'counter' });
      v.assign([5, 6]);
      v.assignAdd([1, 1]);
      const delta = tensor([2, 2]);
      v.assignSub(delta);
      delta.dispose();
      expect(Array.from(v.dataSync())).toEqual([4, 5]);
      expect(v.name).toBe('counter');
      expect(v.trainable).toBe(true);
      v.dispose();
    }));

  it('assign checks shape and dtype', () => {
    const v = variable([1, 2], { name: 'w' });
    expect(() => v.assign([1, 2, 3])).toThrow('assign: variable \'w\' has shape [2], value has shape [3]');
    expect(() => v.assign(tensor([1, 2], [2], 'int32'))).toThrow("assign: variable 'w' is float32, value is int32");
    v.dispose();
  });

  it('a variable does not change when the tensor it was created from is disposed', () => {
    const t = tensor([3, 4]);
    const v = variable(t);
    t.dispose();
    expect(Array.from(v.dataSync())).toEqual([3, 4]);
    v.dispose();
  });
});
