import { setBackend, tensor } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import '../src/index.js';

describe('smoke', () => {
  it('adds', async () => {
    await setBackend('webgpu');
    const a = tensor([1, 2, 3]);
    const b = tensor([10, 20, 30]);
    expect(Array.from(await a.add(b).data())).toEqual([11, 22, 33]);
    expect(Array.from(await a.sin().data())).toEqual([Math.fround(Math.sin(1)), Math.fround(Math.sin(2)), Math.fround(Math.sin(3))].map((v) => expect.closeTo(v, 6)));
  });
});
