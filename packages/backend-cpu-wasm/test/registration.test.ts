// Runs in its own module graph (vitest isolates test files), so the engine starts with nothing chosen.
import { engine, getBackend, ready, setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import * as wasmPackage from '../src/index.js';

describe('importing @tessera/backend-cpu-wasm', () => {
  it('registers backend "wasm", and with nothing chosen the first op runs on it without any await', () => {
    expect(engine.backendNames()).toContain('wasm');
    // Another installed backend of lower priority does not change the default.
    registerReferenceBackend();
    const squares = tensor([1, 2, 3]).square();
    expect(getBackend()).toBe('wasm');
    expect(Array.from(squares.dataSync())).toEqual([1, 4, 9]);
    squares.dispose();
  });

  it('ready() and setBackend("wasm") resolve to the one WasmBackend instance', async () => {
    const active = await ready();
    expect(active).toBeInstanceOf(wasmPackage.WasmBackend);
    await setBackend('reference');
    expect(getBackend()).toBe('reference');
    expect(await setBackend('wasm')).toBe(active);
    expect(getBackend()).toBe('wasm');
  });

  it('exports the backend class, its error class and the thread settings, nothing else at run time', () => {
    expect(Object.keys(wasmPackage).sort()).toEqual(['WasmBackend', 'WasmMemoryError', 'getThreads', 'setThreads']);
    expect(new wasmPackage.WasmMemoryError('x')).toBeInstanceOf(Error);
  });

  it('rejects a maxMemoryBytes that is not a number of at least 1 MiB, naming it', async () => {
    await expect(wasmPackage.WasmBackend.create({ maxMemoryBytes: 1000 })).rejects.toThrow(
      'WasmBackend: maxMemoryBytes must be a number of at least 1 MiB, got 1000',
    );
    expect(() => wasmPackage.WasmBackend.createSync({ maxMemoryBytes: Number.NaN })).toThrow(/maxMemoryBytes .* got NaN/);
  });
});

describe('removing a wasm backend', () => {
  it('disposes it: its tensors then fail with a clear error, and disposing them is harmless', async () => {
    engine.registerBackend('wasm-short-lived', () => wasmPackage.WasmBackend.create({ name: 'wasm-short-lived' }));
    await setBackend('wasm-short-lived');
    const x = tensor([1, 2, 3]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3]);
    engine.removeBackend('wasm-short-lived');
    expect(() => x.dataSync()).toThrow("wasm: backend 'wasm-short-lived' was disposed (removeBackend)");
    x.dispose();
    expect(engine.backendNames()).not.toContain('wasm-short-lived');
    await setBackend('wasm');
  });
});
