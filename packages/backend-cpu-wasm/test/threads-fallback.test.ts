// Where shared memory is unavailable (a page that is not cross-origin isolated, an old runtime),
// the backend uses a plain memory and one thread, and setThreads says so instead of failing.
import { engine, matMul, registerBackend, tensor } from '@tessera/core';
import { afterAll, describe, expect, it } from 'vitest';
import { WasmBackend, setThreads } from '../src/index.js';

afterAll(async () => {
  await setThreads(1);
});

describe('threads where shared memory is unavailable', () => {
  it('runs on one plain memory, and setThreads reports 1 with no error', async () => {
    const global = globalThis as { SharedArrayBuffer?: SharedArrayBufferConstructor };
    const saved = global.SharedArrayBuffer;
    delete global.SharedArrayBuffer;
    let plain: WasmBackend;
    try {
      plain = await WasmBackend.create({ name: 'wasm-plain' });
    } finally {
      global.SharedArrayBuffer = saved;
    }
    registerBackend('wasm-plain', () => plain, -1);
    const context = (plain as unknown as { context: { heap: { memory: WebAssembly.Memory } } }).context;
    expect(context.heap.memory.buffer).toBeInstanceOf(ArrayBuffer);

    const n = 120;
    const values = new Float32Array(n * n).map((_, i) => ((i * 31) % 17) / 8 - 1);
    await engine.setBackend('wasm');
    const shared = matMul(tensor(values, [n, n]), tensor(values, [n, n])).dataSync();

    await engine.setBackend('wasm-plain');
    expect(await setThreads(2)).toBe(1);
    const single = matMul(tensor(values, [n, n]), tensor(values, [n, n])).dataSync();
    expect(single).toEqual(shared);
  });
});
