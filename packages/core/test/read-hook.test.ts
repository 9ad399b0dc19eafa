import { describe, expect, it } from 'vitest';
import type { DataOwner, TensorInfo } from '../src/index.js';
import { Tensor, TraceError, memory } from '../src/index.js';

/** An owner whose tensors have no values, as a trace's symbolic tensors: every read is refused. */
function symbolicOwner(): DataOwner & { refused: string[] } {
  const refused: string[] = [];
  return {
    name: 'symbolic',
    refused,
    read: async () => new Float32Array(0),
    readSync: () => new Float32Array(0),
    free: () => {},
    assertReadable(what: string, tensor: TensorInfo) {
      refused.push(what);
      throw new TraceError(`${what}: no values for shape [${tensor.shape.join(',')}]`);
    },
  };
}

describe('DataOwner.assertReadable', () => {
  it('is asked before every kind of value read and its error reaches the caller', async () => {
    const owner = symbolicOwner();
    const t = new Tensor({ shape: [1], dtype: 'float32' }, owner, {});
    expect(() => t.dataSync()).toThrow(/dataSync: no values for shape \[1\]/);
    expect(() => t.item()).toThrow(TraceError);
    expect(() => t.arraySync()).toThrow(TraceError);
    expect(() => +t).toThrow(/Symbol.toPrimitive/);
    expect(() => (t as unknown as number) > 0).toThrow(TraceError);
    await expect(t.data()).rejects.toThrow(/data: no values/);
    await expect(t.array()).rejects.toThrow(TraceError);
    expect(owner.refused).toEqual(['dataSync', 'item', 'arraySync', 'Symbol.toPrimitive', 'Symbol.toPrimitive', 'data', 'array']);
    expect(t.toString()).toBe('Tensor(shape=[1], dtype=float32)');
    const before = memory().numTensors;
    t.dispose();
    expect(memory().numTensors).toBe(before - 1);
  });
});
