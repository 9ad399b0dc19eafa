import type { DataId, DType, KernelInput, Shape, TensorInfo, TypedArray } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmHeap } from './memory.js';
import { WasmMemoryError } from './memory.js';
import type { KernelExports } from './module.js';
import type { Handle, StorageTable } from './storage.js';
import type { KernelCall } from './threads/lanes.js';

/** Room for a kernel's plan (shapes, strides, odometer state), in i32 words. */
const PLAN_WORDS = 1024;

/**
 * One step of a recorded graph run (see graph-executable.ts): a wasm call, a write of words or bytes
 * the JavaScript side of a kernel made, or a batch of calls run on the thread lanes.
 */
export type TapeOp =
  | {
      readonly kind: 'call';
      readonly fn: (...args: number[]) => unknown;
      readonly args: readonly number[];
      /** A random op's call: its seed is `args[seedAt]` and `args[seedAt + 1]`. */
      readonly seedAt?: number;
    }
  | { readonly kind: 'words'; readonly address: number; readonly words: Int32Array }
  | { readonly kind: 'fill'; readonly address: number; readonly dtype: DType; readonly count: number; readonly value: number }
  | { readonly kind: 'copy'; readonly to: number; readonly from: number; readonly bytes: number }
  | { readonly kind: 'bytes'; readonly address: number; readonly bytes: Uint8Array }
  | { readonly kind: 'lanes'; readonly work: readonly (readonly KernelCall[])[]; readonly run: (work: readonly (readonly KernelCall[])[]) => void };

/** What a capture collects while a graph runs the generic way. */
export interface ContextCapture {
  readonly ops: TapeOp[];
  /**
   * Set when a kernel touched memory from JavaScript other than through the recording methods (it
   * read values to decide something, or wrote in a way not recorded): the run cannot be replayed.
   */
  tainted: boolean;
}

/**
 * What every kernel works with: the wasm exports, tensor addresses, output allocation, temporary
 * blocks, and a small plan area through which shapes and strides reach the wasm side.
 */
export class WasmContext {
  private planAddress: number;
  /** Outputs made by the kernel now running, freed if it fails (see `runKernel`). */
  private made: Handle[] = [];
  private views?: { generation: number; f32: Float32Array; i32: Int32Array; u8: Uint8Array; f64: Float64Array };
  /** Set while a graph run is being recorded for replay. */
  capture?: ContextCapture;

  constructor(
    readonly exports: KernelExports,
    readonly heap: WasmHeap,
    readonly storage: StorageTable,
  ) {
    this.planAddress = heap.allocate(PLAN_WORDS * 4);
  }

  /**
   * Typed views over the whole memory, re-made after the memory grew (growth detaches the old
   * buffer). A kernel that uses them while a run is recorded makes that run unreplayable: writes go
   * through `plan`, `writeWords`, `fill` and `copy`, which are recorded.
   */
  get memoryViews() {
    if (this.capture !== undefined) this.capture.tainted = true;
    return this.ownViews();
  }

  private ownViews() {
    // The heap counts its growths: reading `memory.buffer` on every call costs more than the copy it guards.
    const { generation } = this.heap;
    if (this.views === undefined || this.views.generation !== generation) {
      const buffer = this.heap.memory.buffer;
      this.views = {
        generation,
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
    if (this.capture !== undefined) {
      this.writeWords(this.planAddress, words);
      return this.planAddress;
    }
    const i32 = this.ownViews().i32;
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
    this.invoke(name, args, undefined);
  }

  /**
   * A call whose arguments `seedAt` and `seedAt + 1` are a random op's seed: recorded as such, so that
   * a replay can draw the seed the generic run would draw.
   */
  callSeeded(name: string, seedAt: number, ...args: number[]): void {
    this.invoke(name, args, seedAt);
  }

  private invoke(name: string, args: number[], seedAt: number | undefined): void {
    const fn = this.exports[name];
    if (fn === undefined) throw new Error(`wasm: the module has no kernel '${name}'`);
    this.capture?.ops.push(seedAt === undefined ? { kind: 'call', fn, args } : { kind: 'call', fn, args, seedAt });
    fn(...args);
  }

  /**
   * Copies values arriving from JavaScript to `address` (a new tensor's storage). Recorded while
   * capturing: the generic executor uploads its constants on its first run.
   */
  writeValues(address: number, dtype: DType, values: TypedArray): void {
    const views = this.ownViews();
    if (dtype === 'bool') views.u8.set(values, address);
    else (dtype === 'float32' ? views.f32 : views.i32).set(values, address >>> 2);
    if (this.capture !== undefined) {
      const end = address + values.length * (dtype === 'bool' ? 1 : 4);
      this.capture.ops.push({ kind: 'bytes', address, bytes: views.u8.slice(address, end) });
    }
  }

  /** Writes i32 words at `address` (recorded while capturing). */
  writeWords(address: number, words: ArrayLike<number>): void {
    const copy = Int32Array.from(words);
    this.capture?.ops.push({ kind: 'words', address, words: copy });
    this.ownViews().i32.set(copy, address >>> 2);
  }

  /** Sets `count` elements of `dtype` from `address` to `value` (recorded while capturing). */
  fill(address: number, dtype: DType, count: number, value: number): void {
    this.capture?.ops.push({ kind: 'fill', address, dtype, count, value });
    fillMemory(this.ownViews(), address, dtype, count, value);
  }

  /** Copies `bytes` bytes within the memory (recorded while capturing). */
  copy(to: number, from: number, bytes: number): void {
    this.capture?.ops.push({ kind: 'copy', to, from, bytes });
    this.heapCopy(to, from, bytes);
  }

  /**
   * Runs `work` on the worker lanes with `run`: recorded as one step (`run(work)` again on replay),
   * the calls made on this thread meanwhile not recorded one by one.
   */
  recordLanes(work: readonly (readonly KernelCall[])[], run: (work: readonly (readonly KernelCall[])[]) => void): void {
    const capture = this.capture;
    if (capture === undefined) return run(work);
    capture.ops.push({ kind: 'lanes', work, run });
    this.capture = undefined;
    try {
      run(work);
    } finally {
      this.capture = capture;
    }
  }

  /** Copies bytes within the memory, not recorded (the compiled graph's own staging and outputs). */
  heapCopy(to: number, from: number, bytes: number): void {
    this.ownViews().u8.copyWithin(to, from, from + bytes);
  }

  /** Replays a recorded step. */
  replay(op: TapeOp): void {
    switch (op.kind) {
      case 'call':
        op.fn(...op.args);
        return;
      case 'words':
        this.ownViews().i32.set(op.words, op.address >>> 2);
        return;
      case 'fill':
        fillMemory(this.ownViews(), op.address, op.dtype, op.count, op.value);
        return;
      case 'copy':
        this.heapCopy(op.to, op.from, op.bytes);
        return;
      case 'bytes':
        this.ownViews().u8.set(op.bytes, op.address);
        return;
      case 'lanes':
        op.run(op.work);
    }
  }
}

function fillMemory(views: { f32: Float32Array; i32: Int32Array; u8: Uint8Array }, address: number, dtype: DType, count: number, value: number): void {
  if (dtype === 'bool') views.u8.fill(value, address, address + count);
  else (dtype === 'float32' ? views.f32 : views.i32).fill(value, address >>> 2, (address >>> 2) + count);
}

/** The wasm kernels' name suffix for a dtype. */
export function suffix(dtype: DType): string {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'bool';
}

export type { Shape };
