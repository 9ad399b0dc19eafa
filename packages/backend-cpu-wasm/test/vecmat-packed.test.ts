// The packed vector-matrix kernels compiled graphs use for weight inputs (src/graph-executable.ts):
// the packed product must give the bits of the in-place one for every panel mix and stride.
import { engine } from '@tessera/core';
import { seededRandom } from '@tessera/core/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WasmContext } from '../src/context.js';
import type { WasmBackend } from '../src/index.js';
import '../src/index.js';
import { contextOf } from './helpers.js';

let context: WasmContext;
const random = seededRandom(2026_12_09);

beforeAll(async () => {
  context = contextOf((await engine.setBackend('wasm')) as unknown as WasmBackend);
});

/** A block of `count` floats uniform in [-1, 1). */
function block(count: number): number {
  const address = context.heap.allocate(Math.max(count, 1) * 4);
  const f32 = new Float32Array(context.heap.memory.buffer, address, count);
  for (let i = 0; i < count; i++) f32[i] = random() * 2 - 1;
  return address;
}

const floats = (address: number, count: number) => Array.from(new Float32Array(context.heap.memory.buffer, address, count));

describe('vecmat_packed_f32', () => {
  // Widths cover each panel kind (24, 8, 4, 1) alone and mixed; depths odd and even.
  const widths = [1, 3, 4, 7, 8, 12, 23, 24, 25, 31, 33, 48, 61, 100];
  const depths = [1, 2, 17, 64];
  it.each(widths.flatMap((n) => depths.flatMap((k) => [[n, k, 0, 1], [n, k, 5, 3]])))(
    'n=%i k=%i (row padding %i, a stride %i) equals vecmat_f32 bit for bit',
    (n, k, padding, aStride) => {
      const { exports } = context;
      const bRow = n + padding;
      const a = block(k * aStride);
      const b = block(k * bRow);
      const packed = context.heap.allocate(n * k * 4);
      const [plain, fromPacked] = [block(n), block(n)];
      exports.vecmat_f32(a, aStride, b, bRow, plain, n, k, 0);
      exports.pack_vecmat_f32(b, bRow, n, k, packed);
      exports.vecmat_packed_f32(a, aStride, packed, fromPacked, n, k, 0);
      const expected = floats(plain, n);
      // Against plain JavaScript too: f32 products summed in order of p.
      const av = new Float32Array(context.heap.memory.buffer, a, k * aStride);
      const bv = new Float32Array(context.heap.memory.buffer, b, k * bRow);
      const js = Array.from({ length: n }, (_, j) => {
        let sum = 0;
        for (let p = 0; p < k; p++) sum = Math.fround(sum + Math.fround(av[p * aStride] * bv[p * bRow + j]));
        return sum;
      });
      expect(expected).toEqual(js);
      expect(floats(fromPacked, n)).toEqual(expected);
      for (const address of [a, b, packed, plain, fromPacked]) context.heap.free(address);
    },
  );
});
