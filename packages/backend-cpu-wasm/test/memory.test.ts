import { add, engine, memory, mul, registerBackend, sum, tanh, tensor, tidy, type Tensor } from '@tessera/core';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import { WasmBackend } from '../src/backend.js';
import { WasmHeap, WasmMemoryError, sizeClass } from '../src/memory.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const PAGE = 64 * KiB;

function heapOf(maxBytes: number, initialPages = 1): WasmHeap {
  const memory = new WebAssembly.Memory({ initial: initialPages, maximum: Math.ceil(maxBytes / PAGE) });
  return new WasmHeap(memory, 1024, maxBytes);
}

describe('WasmHeap', () => {
  it('rounds requests to size classes of at most 25 % waste, aligned to 64 bytes', () => {
    expect([1, 64, 65, 100, 1000, 1025, 5000].map(sizeClass)).toEqual([64, 64, 128, 128, 1024, 1280, 5120]);
    for (let bytes = 65; bytes < 1 << 20; bytes = Math.ceil(bytes * 1.37)) {
      const size = sizeClass(bytes);
      expect(size % 64).toBe(0);
      expect(size).toBeGreaterThanOrEqual(bytes);
      expect(size).toBeLessThanOrEqual(Math.max(bytes * 1.25, bytes + 64));
    }
  });

  it('reuses a freed block for a later request of the same class', () => {
    const heap = heapOf(16 * MiB);
    const a = heap.allocate(1000);
    const b = heap.allocate(1000);
    heap.free(a);
    expect(heap.freeBytes).toBe(1024);
    expect(heap.allocate(900)).toBe(a);
    expect(heap.freeBytes).toBe(0);
    expect(b).toBe(a + 1024);
    expect(a % 64).toBe(0);
  });

  it('gives the top block back to the bump pointer, so reserved bytes return to zero', () => {
    const heap = heapOf(16 * MiB);
    const blocks = [100, 5000, 70000].map((bytes) => heap.allocate(bytes));
    expect(heap.reservedBytes).toBe(128 + 5120 + sizeClass(70000));
    for (const address of blocks.reverse()) heap.free(address);
    expect(heap.reservedBytes).toBe(0);
  });

  it('grows the memory when the bump pointer passes its end, and rejects a double free', () => {
    const heap = heapOf(64 * MiB);
    expect(heap.heapBytes).toBe(PAGE);
    const generation = heap.generation;
    const address = heap.allocate(3 * MiB);
    expect(heap.heapBytes).toBeGreaterThanOrEqual(address + 3 * MiB);
    expect(heap.generation).toBeGreaterThan(generation);
    heap.free(address);
    expect(() => heap.free(address)).toThrow(/not allocated/);
  });

  it('past its limit throws a WasmMemoryError naming the sizes, hands out nothing, and keeps working', () => {
    const heap = heapOf(4 * MiB);
    const kept = heap.allocate(MiB);
    const reserved = heap.reservedBytes;
    let error: unknown;
    try {
      heap.allocate(5 * MiB);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WasmMemoryError);
    expect((error as Error).message).toMatch(/cannot allocate 5\.0 MiB: 1\.0 MiB are in use .* past 4\.0 MiB/);
    expect(heap.reservedBytes).toBe(reserved);
    const after = heap.allocate(2 * MiB);
    expect(after).toBe(kept + MiB);
  });

  it('under pressure, merges freed neighbours into one block big enough for the request', () => {
    const heap = heapOf(MiB);
    const blocks = [0, 1, 2, 3].map(() => heap.allocate(200 * KiB));
    heap.free(blocks[1]);
    heap.free(blocks[2]);
    // Neither freed block alone holds 380 KiB and the bump pointer has no room left for it.
    expect(heap.allocate(380 * KiB)).toBe(blocks[1]);
  });
  it('keeps its figures right when a merged block serves a request exactly', () => {
    const heap = heapOf(MiB);
    const a = heap.allocate(512);
    const b = heap.allocate(512);
    // Fill the rest with whole size classes, leaving 512 bytes: too few for 1 KiB.
    const fillers = [917504, 114688, 12288, 1536].map((bytes) => heap.allocate(bytes));
    heap.free(a);
    heap.free(b);
    expect(heap.freeBytes).toBe(1024);
    const reserved = heap.reservedBytes;
    // No 1 KiB block is cached and the bump pointer has no room: the two neighbours merge into one.
    expect(heap.allocate(1024)).toBe(a);
    expect(heap.freeBytes).toBe(0);
    expect(heap.reservedBytes).toBe(reserved + 1024);
    heap.free(a);
    expect(heap.freeBytes).toBe(1024);
    for (const address of fillers.reverse()) heap.free(address);
    expect(heap.reservedBytes).toBe(0);
  });
});

describe('wasm backend memory', () => {
  let backend: WasmBackend;

  beforeAll(async () => {
    backend = (await engine.setBackend('wasm')) as unknown as WasmBackend;
  });

  it('memory() counts the bytes and buffers of live tensors by dtype', () => {
    const start = backend.memory();
    const f = tensor(new Float32Array(10));
    const i = tensor(new Int32Array(5), [5], 'int32');
    const b = tensor([true, false, true]);
    expect(backend.memory()).toEqual({ numBytes: start.numBytes + 40 + 20 + 3, numDataBuffers: start.numDataBuffers + 3 });
    expect(memory().numBytes).toBe(start.numBytes + 63);
    f.dispose();
    i.dispose();
    b.dispose();
    expect(backend.memory()).toEqual(start);
  });

  it('a reshape shares its data (reference counted) and outlives the original', async () => {
    const start = backend.memory();
    const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = x.reshape([3, 2]);
    expect(backend.memory()).toEqual({ numBytes: start.numBytes + 24, numDataBuffers: start.numDataBuffers + 1 });
    x.dispose();
    expect(backend.memory().numDataBuffers).toBe(start.numDataBuffers + 1);
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6]);
    y.dispose();
    expect(backend.memory()).toEqual(start);
  });

  it('values survive the memory growing under them', async () => {
    const small = tensor([1.5, -2.5, 3.5]);
    const heapBefore = backend.heapInfo().heapBytes;
    const big = tensor(new Float32Array(heapBefore / 4 + 1024).fill(7));
    expect(backend.heapInfo().heapBytes).toBeGreaterThan(heapBefore);
    const doubled = add(small, small);
    expect(Array.from(await small.data())).toEqual([1.5, -2.5, 3.5]);
    expect(Array.from(await doubled.data())).toEqual([3, -5, 7]);
    expect((await sum(big).data())[0]).toBe(7 * (heapBefore / 4 + 1024));
    for (const t of [small, big, doubled]) t.dispose();
  });

  it('10,000 eager ops inside tidy leave 0 bytes behind', async () => {
    const xValues = Float32Array.from({ length: 257 }, (_, i) => (i % 17) / 17 - 0.5);
    const x = tensor(xValues);
    const startBytes = memory().numBytes;
    const startBuffers = backend.memory().numDataBuffers;
    const startReserved = backend.heapInfo().reservedBytes;
    const steps = 1667;
    const result = tidy(() => {
      let y: Tensor = x;
      // Six eager ops per step (add, tanh, mul, reshape, max, sub): 10,002 in all.
      for (let i = 0; i < steps; i++) y = mul(tanh(add(y, x)), 0.5).reshape([257]).sub(y.max());
      return y;
    });
    // The same recurrence in doubles: it contracts (|d tanh| <= 1, times 0.5), so rounding stays small.
    let expected = Float64Array.from(xValues);
    for (let i = 0; i < steps; i++) {
      const top = Math.max(...expected);
      expected = expected.map((v, j) => 0.5 * Math.tanh(v + xValues[j]) - top);
    }
    const values = await result.data();
    values.forEach((v, j) => expect(v).toBeCloseTo(expected[j], 4));
    result.dispose();
    expect(memory().numBytes).toBe(startBytes);
    expect(backend.memory().numDataBuffers).toBe(startBuffers);
    expect(backend.heapInfo().reservedBytes).toBe(startReserved);
    x.dispose();
  });
});

describe('a wasm backend with a memory limit', () => {
  let limited: WasmBackend;

  beforeAll(async () => {
    registerBackend('wasm-8mib', () => WasmBackend.create({ name: 'wasm-8mib', maxMemoryBytes: 8 * MiB }), -1);
    limited = (await engine.setBackend('wasm-8mib')) as unknown as WasmBackend;
  });

  it('refuses a tensor past the limit with a WasmMemoryError naming the sizes, and stays usable', async () => {
    const start = limited.memory();
    expect(limited.name).toBe('wasm-8mib');
    expect(memory().numBytes).toBe(start.numBytes);
    expect(() => tensor(new Float32Array(3 * MiB))).toThrow(WasmMemoryError);
    expect(() => tensor(new Float32Array(3 * MiB))).toThrow(/cannot allocate 12\.0 MiB: .* cannot grow past 8\.0 MiB/);
    expect(limited.memory()).toEqual(start);
    const ok = tensor([1, 2, 3]);
    const twice = add(ok, ok);
    expect(Array.from(await twice.data())).toEqual([2, 4, 6]);
    ok.dispose();
    twice.dispose();
    expect(limited.memory()).toEqual(start);
  });

  it('an op whose output does not fit fails naming the op, and leaks nothing', async () => {
    const a = tensor(new Float32Array(768 * KiB).fill(1)); // 3 MiB
    const b = add(a, a); // 6 MiB in use
    const before = limited.memory();
    const reserved = limited.heapInfo().reservedBytes;
    expect(() => mul(a, b)).toThrow(/^mul: wasm: cannot allocate 3\.0 MiB/);
    expect(limited.memory()).toEqual(before);
    expect(limited.heapInfo().reservedBytes).toBe(reserved);
    b.dispose();
    const c = mul(a, a);
    expect((await sum(c).data())[0]).toBe(768 * KiB);
    a.dispose();
    c.dispose();
  });

  it('a kernel that fails after making its output frees that output', async () => {
    // cumsum makes its output, then asks for a row of f64 running sums: with the output taking the
    // last room, that scratch block cannot be had.
    const x = tensor(new Float32Array(3 * 256 * KiB).fill(1), [1, 3 * 256 * KiB]); // 3 MiB
    const filler = tensor(new Float32Array(256 * KiB)); // 1 MiB
    const before = limited.memory();
    const reserved = limited.heapInfo().reservedBytes;
    expect(() => x.cumsum(0)).toThrow(/^cumsum: wasm: cannot allocate 6\.0 MiB/);
    expect(limited.memory()).toEqual(before);
    expect(limited.heapInfo().reservedBytes).toBe(reserved);
    filler.dispose();
    x.dispose();
  });
});
