import type { DataId, DType, KernelInput, Shape, TensorInfo, TypedArray } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmHeap } from './memory.js';
import { WasmMemoryError } from './memory.js';
import type { KernelExports } from './module.js';
import type { Handle, StorageTable } from './storage.js';

/** Room for a kernel's plan (shapes, strides, odometer state), in i32 words. */
const PLAN_WORDS = 1024;

/**
 * What every kernel works with: the wasm exports, tensor addresses, output allocation, temporary
 * blocks, and a small plan area through which shapes and strides reach the wasm side.
 */
export class WasmContext {
  private planAddress: number;
  /** Outputs made by the kernel now running, freed if it fails (see `runKernel`). */
  private made: Handle[] = [];
  private views?: { buffer: ArrayBuffer; f32: Float32Array; i32: Int32Array; u8: Uint8Array; f64: Float64Array };

  constructor(
    readonly exports: KernelExports,
    readonly heap: WasmHeap,
    readonly storage: StorageTable,
  ) {
    this.planAddress = heap.allocate(PLAN_WORDS * 4);
  }

  /** Typed views over the whole memory, re-made after the memory grew (growth detaches the old buffer). */
  get memoryViews() {
    const buffer = this.heap.memory.buffer;
    if (this.views === undefined || this.views.buffer !== buffer) {
      this.views = {
        buffer,
        f32: new Float32Array(buffer),
        i32: new Int32Array(buffer),
        u8: new Uint8Array(buffer),
        f64: new Float64Array(buffer),
      };
    }
    return this.views;
  }

  address(input: KernelInput | DataId): number {
    const id = 'id' in input && 'shape' in input ? (input as KernelInput).id : input;
    return this.storage.address(id);
  }

  /** A new output tensor's storage. */
  output(info: TensorInfo): Handle {
    const handle = this.storage.create(info.dtype, sizeOf(info.shape));
    this.made.push(handle);
    return handle;
  }

  /**
   * Runs a kernel so that a failure leaks nothing: outputs it made are freed before the error goes
   * on (a kernel that runs out of memory for its scratch after making its output, say). Memory errors
   * gain the op's name.
   */
  runKernel<T>(opName: string, kernel: () => T): T {
    const outer = this.made;
    this.made = [];
    try {
      return kernel();
    } catch (error) {
      for (const handle of this.made) this.storage.free(handle);
      if (error instanceof WasmMemoryError) throw new WasmMemoryError(`${opName}: ${error.message}`);
      throw error;
    } finally {
      this.made = outer;
    }
  }

  /** A temporary block; pair with `release`. */
  scratch(bytes: number): number {
    return this.heap.allocate(Math.max(bytes, 1));
  }

  release(address: number): void {
    this.heap.free(address);
  }

  /** Writes i32 words to the plan area and returns its address. */
  plan(words: ArrayLike<number>): number {
    if (words.length > PLAN_WORDS) throw new Error(`wasm: a kernel plan of ${words.length} words exceeds ${PLAN_WORDS}`);
    const i32 = this.memoryViews.i32;
    const base = this.planAddress >>> 2;
    for (let i = 0; i < words.length; i++) i32[base + i] = words[i];
    return this.planAddress;
  }

  /** A view of a tensor's values (valid until the next allocation, which may grow the memory). */
  view(input: KernelInput | DataId, dtype: DType, length: number): TypedArray {
    const address = this.address(input);
    const { f32, i32, u8 } = this.memoryViews;
    if (dtype === 'float32') return f32.subarray(address >>> 2, (address >>> 2) + length);
    if (dtype === 'int32') return i32.subarray(address >>> 2, (address >>> 2) + length);
    return u8.subarray(address, address + length);
  }

  call(name: string, ...args: number[]): void {
    const fn = this.exports[name];
    if (fn === undefined) throw new Error(`wasm: the module has no kernel '${name}'`);
    fn(...args);
  }
}

/** The wasm kernels' name suffix for a dtype. */
export function suffix(dtype: DType): string {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'bool';
}

export type { Shape };
