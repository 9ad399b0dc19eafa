import { engine, getBackend, philox4x32, random, setBackend, tensor, tidy } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEBGPU_PRIORITY, WebGPUBackend, acquireDevice, sizeClass } from '../src/index.js';

let backend: WebGPUBackend;

beforeAll(async () => {
  backend = (await setBackend('webgpu')) as WebGPUBackend;
});

afterAll(async () => {
  await setBackend('webgpu');
});

describe('registration and device', () => {
  it('registers webgpu below the WASM backend’s default priority and selects it', async () => {
    expect(engine.backendNames()).toContain('webgpu');
    expect(WEBGPU_PRIORITY).toBeLessThan(1);
    expect(backend).toBeInstanceOf(WebGPUBackend);
    expect(getBackend()).toBe('webgpu');
    expect(backend.context.source).toBe('webgpu (Dawn)');
  });

  it('names what to install when navigator.gpu has no adapter', async () => {
    const global = globalThis as { navigator?: unknown };
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: { gpu: { requestAdapter: async () => null } }, configurable: true });
    try {
      await expect(acquireDevice()).rejects.toThrow(/navigator\.gpu found no GPU adapter.*WebGPU enabled/);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete global.navigator;
    }
  });
});

describe('reads', () => {
  it('reads float32, int32 and bool values asynchronously', async () => {
    expect(Array.from(await tensor([1.5, -2, 3e38]).data())).toEqual([1.5, -2, Math.fround(3e38)]);
    expect(Array.from(await tensor([7, -8], [2], 'int32').data())).toEqual([7, -8]);
    const flags = await tensor([true, false, true]).data();
    expect(flags).toBeInstanceOf(Uint8Array);
    expect(Array.from(flags)).toEqual([1, 0, 1]);
    expect(Array.from(await tensor([], [0]).data())).toEqual([]);
  });

  it('dataSync throws and says to await data()', () => {
    const t = tensor([1, 2]);
    expect(() => t.dataSync()).toThrow(/dataSync\(\) cannot read GPU memory synchronously.*await t\.data\(\)/);
    t.dispose();
  });
});

describe('memory', () => {
  it('reshape shares the storage and keeps it until the last reference is freed', async () => {
    const before = backend.memory();
    const a = tensor([1, 2, 3, 4, 5, 6]);
    const b = a.reshape([2, 3]);
    expect(backend.memory().numDataBuffers).toBe(before.numDataBuffers + 1);
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3, 4, 5, 6]);
    b.dispose();
    expect(backend.memory()).toEqual(before);
  });

  it('refuses a tensor larger than the device’s largest storage buffer, naming both sizes', () => {
    const limits = backend.context.device.limits;
    const limit = Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
    const elements = limit / 4 + 1;
    expect(() => backend.runtime.allocate(elements, 'float32')).toThrow(
      new RegExp(`${elements} elements needs ${elements * 4} bytes, more than this device's largest storage buffer \\(${limit} bytes\\)`),
    );
  });

  it('rounds buffer sizes to classes', () => {
    expect(sizeClass(1)).toBe(16);
    expect(sizeClass(100)).toBe(128);
    expect(sizeClass(65536)).toBe(65536);
    expect(sizeClass(65537)).toBe(65536 + 8192);
    expect(sizeClass(1_000_000)).toBe(1_048_576);
  });

  it('returns a freed buffer to the pool only after its work is submitted, then reuses it', async () => {
    const x = tensor(new Float32Array(1000).fill(2));
    await x.data(); // submits everything recorded so far
    const y = x.mul(3); // recorded, not submitted
    const start = backend.stats();
    x.dispose();
    const waiting = backend.stats();
    expect(waiting.awaitingSubmit).toBe(start.awaitingSubmit + 1);
    expect(waiting.pooled).toBe(start.pooled);
    expect((await y.data())[999]).toBe(6); // submits
    expect(backend.stats().awaitingSubmit).toBe(0);
    const created = backend.stats().created;
    const z = tensor(new Float32Array(1000).fill(5)); // same size class and usage as x
    expect(backend.stats().created).toBe(created);
    expect((await z.data())[0]).toBe(5);
    y.dispose();
    z.dispose();
  });

  it('leaks no buffers over many calls: the pool stops growing and every storage is returned', async () => {
    const baseline = backend.stats();
    const step = () =>
      tidy(() => {
        const a = tensor([1, 2, 3, 4], [2, 2]);
        return a.matMul(a).add(1).relu().sum();
      });
    let createdAfterWarmup = 0;
    for (let i = 0; i < 2000; i++) {
      const s = step();
      if (i % 250 === 249) expect((await s.data())[0]).toBe(58);
      s.dispose();
      if (i === 249) createdAfterWarmup = backend.stats().created;
    }
    const after = backend.stats();
    expect(after.storages).toBe(baseline.storages);
    expect(after.created).toBe(createdAfterWarmup);
    expect(after.inUse).toBe(baseline.inUse);
    expect(after.reused - baseline.reused).toBeGreaterThan(2000 * 5);
  });
});

describe('command batching', () => {
  it('records many dispatches per submit and submits on read', async () => {
    const x = tensor([1, 2, 3]);
    await x.data();
    const { dispatches, submits } = backend.stats();
    const y = tidy(() => {
      let t = x;
      for (let i = 0; i < 10; i++) t = t.add(1);
      return t;
    });
    expect(backend.stats().dispatches).toBe(dispatches + 10);
    expect(backend.stats().submits).toBe(submits);
    expect(Array.from(await y.data())).toEqual([11, 12, 13]);
    expect(backend.stats().submits).toBe(submits + 1);
    x.dispose();
    y.dispose();
  });

  it('submits by itself every 64 dispatches', async () => {
    const x = tensor([0]);
    await x.data();
    const { submits } = backend.stats();
    const y = tidy(() => {
      let t = x;
      for (let i = 0; i < 130; i++) t = t.add(1);
      return t;
    });
    expect(backend.stats().submits).toBe(submits + 2);
    expect((await y.data())[0]).toBe(130);
    x.dispose();
    y.dispose();
  });

  it('serves every shape of an op from one cached pipeline', async () => {
    const shapes = [[3], [2, 5], [4, 1, 3]];
    const results = await Promise.all(shapes.map((shape) => {
      const t = random(shape, 'uniform', [1, 2]);
      const u = t.exp();
      t.dispose();
      return u;
    }).map(async (u) => { const v = await u.data(); u.dispose(); return v.length; }));
    expect(results).toEqual([3, 10, 12]);
    const pipelines = backend.stats().pipelines;
    const again = random([7, 7], 'uniform', [3, 4]);
    const e = again.exp();
    expect((await e.data()).length).toBe(49);
    expect(backend.stats().pipelines).toBe(pipelines);
    again.dispose();
    e.dispose();
  });
});

describe('dispatch layout', () => {
  it('covers more than 65535 workgroups in one dimension (elementwise and reduction cells)', async () => {
    const size = 65536 * 64 + 100; // 65538 workgroups of 64: needs the second grid dimension
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = i % 1000;
    const x = tensor(values);
    const y = x.add(1);
    const out = await y.data();
    expect(out.length).toBe(size);
    expect([out[0], out[999], out[65535 * 64 + 7], out[size - 1]]).toEqual([1, 1000, ((65535 * 64 + 7) % 1000) + 1, ((size - 1) % 1000) + 1]);
    x.dispose();
    y.dispose();
    const cells = 70000; // one workgroup per output cell: 70000 > 65535
    const pairs = tensor(Float32Array.from({ length: cells * 2 }, (_, i) => i), [cells, 2]);
    const sums = pairs.sum(1);
    const s = await sums.data();
    expect([s[0], s[1], s[65535], s[cells - 1]]).toEqual([1, 5, 4 * 65535 + 1, 4 * (cells - 1) + 1]);
    pairs.dispose();
    sums.dispose();
  });
});

describe('long reductions', () => {
  it('splits a long reduction over few cells into chunks and folds them exactly', async () => {
    const size = 100_000;
    const values = Float32Array.from({ length: size }, (_, i) => i % 7);
    const x = tensor(values);
    const expectedSum = values.reduce((a, v) => a + v, 0);
    const dispatches = backend.stats().dispatches;
    const sum = x.sum();
    expect(backend.stats().dispatches).toBe(dispatches + 2); // chunks, then their fold
    const max = x.max();
    expect((await sum.data())[0]).toBe(expectedSum);
    expect((await max.data())[0]).toBe(6);
    const rows = x.reshape([4, 25_000]);
    const rowSums = rows.sum(1);
    const expectedRows = [0, 1, 2, 3].map((r) => values.subarray(r * 25_000, (r + 1) * 25_000).reduce((a, v) => a + v, 0));
    expect(Array.from(await rowSums.data())).toEqual(expectedRows);
    values[77_777] = NaN;
    const withNaN = tensor(values);
    const nanMax = withNaN.max();
    expect((await nanMax.data())[0]).toBeNaN();
    const flags = tensor(Uint8Array.from({ length: size }, (_, i) => (i === 99_999 ? 1 : 0)), [size], 'bool');
    const anyTrue = flags.any();
    const allTrue = flags.all();
    expect(Array.from(await anyTrue.data())).toEqual([1]);
    expect(Array.from(await allTrue.data())).toEqual([0]);
    [x, sum, max, rows, rowSums, withNaN, nanMax, flags, anyTrue, allTrue].forEach((t) => t.dispose());
  });
});

describe('random', () => {
  it('reproduces core’s Philox words bit for bit for uniform draws', async () => {
    const seed: [number, number] = [0x12345678, 0x9abcdef0];
    const n = 3000;
    const t = random([n], 'uniform', seed);
    const values = await t.data();
    t.dispose();
    const block = new Uint32Array(4);
    for (let i = 0; i < n; i++) {
      const word = philox4x32([i, 0, 0, 0], seed, block)[0];
      expect(values[i]).toBe((word >>> 9) / 8388608);
    }
  });
});

describe('device loss', () => {
  it('reports the loss on use and gives a fresh device to the next setBackend', async () => {
    const lost = (await setBackend('webgpu')) as WebGPUBackend;
    const t = tensor([1, 2, 3]);
    lost.context.device.destroy();
    await lost.context.device.lost;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(lost.isLost).toBe(true);
    await expect(t.data()).rejects.toThrow(/GPU device was lost \(reason: destroyed.*setBackend\('webgpu'\)/);
    const fresh = (await setBackend('webgpu')) as WebGPUBackend;
    expect(fresh).not.toBe(lost);
    expect(Array.from(await tensor([1, 2]).add(1).data())).toEqual([2, 3]);
    backend = fresh;
  });
});
