import type { AttrsOf, Backend, BackendMemory, DataId, DType, Executable, FusedProgram, Graph, GraphInterpreter, KernelInput, KernelTable, Shape, TensorInfo, TypedArray } from '@tessera/core';
import { ArgumentError } from '@tessera/core';
import { WasmContext } from './context.js';
import { WasmGraphExecutable } from './graph-executable.js';
import { runTracedEpilogue } from './kernels/epilogue.js';
import { runFused } from './kernels/fused.js';
import { buildKernelTable } from './kernels/index.js';
import { MAX_MEMORY_BYTES, WasmHeap } from './memory.js';
import type { KernelExports } from './module.js';
import { compileKernels, compileKernelsSync, instantiateKernels, instantiateKernelsSync, sharedMemoryAvailable } from './module.js';
import { StorageTable } from './storage.js';
import { attachThreads, detachThreads } from './threads/index.js';

/** How a `WasmBackend` is made; every field is optional. */
export interface WasmBackendOptions {
  /** Upper bound of the wasm memory in bytes, at least 1 MiB (default and maximum: wasm32's 4 GiB). */
  readonly maxMemoryBytes?: number;
  /**
   * The name the backend is registered under (default `'wasm'`): the engine reports memory and
   * errors by it, so a second instance registered under another name should carry that name.
   */
  readonly name?: string;
}

/** Heap figures beyond `memory()`, for tests and diagnostics. */
export interface WasmHeapInfo {
  /** Bytes in blocks handed out (size-class rounded). */
  readonly reservedBytes: number;
  /** Bytes of freed blocks kept for reuse. */
  readonly freeBytes: number;
  /** The wasm memory's current size. */
  readonly heapBytes: number;
}

/** The CPU backend: AssemblyScript kernels compiled to wasm SIMD, over one linear memory. */
export class WasmBackend implements Backend {
  readonly name: string;
  readonly kernels: KernelTable;
  private readonly context: WasmContext;

  private constructor(context: WasmContext, name: string) {
    this.context = context;
    this.name = name;
    this.kernels = buildKernelTable(context);
  }

  /**
   * Creates a backend: compiles the kernels (once per process) and sets up its memory.
   *
   * @example
   * registerBackend('wasm-small', () => WasmBackend.create({ name: 'wasm-small', maxMemoryBytes: 256 * 2 ** 20 }));
   */
  static async create(options: WasmBackendOptions = {}): Promise<WasmBackend> {
    const shared = sharedMemoryAvailable();
    const memory = WasmBackend.memoryFor(options, shared);
    const module = await compileKernels(shared);
    const { exports, heapBase } = await instantiateKernels(module, memory);
    return WasmBackend.over(memory, module, exports, heapBase, options);
  }

  /**
   * Creates a backend synchronously where the platform compiles wasm synchronously (Node, workers);
   * throws on a browser's main thread, where `create` is the way.
   */
  static createSync(options: WasmBackendOptions = {}): WasmBackend {
    const shared = sharedMemoryAvailable();
    const memory = WasmBackend.memoryFor(options, shared);
    const module = compileKernelsSync(shared);
    const { exports, heapBase } = instantiateKernelsSync(module, memory);
    return WasmBackend.over(memory, module, exports, heapBase, options);
  }

  /**
   * The backend's memory: shared wherever the platform allows (so that `setThreads` can add workers
   * at any time); a plain one otherwise.
   */
  private static memoryFor(options: WasmBackendOptions, shared: boolean): WebAssembly.Memory {
    if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
      throw new ArgumentError(`WasmBackend: name must be a non-empty string, got ${JSON.stringify(options.name)}`);
    }
    const limit = WasmBackend.limitOf(options);
    return new WebAssembly.Memory({ initial: 16, maximum: Math.ceil(limit / 65536), shared });
  }

  private static limitOf({ maxMemoryBytes }: WasmBackendOptions): number {
    if (maxMemoryBytes === undefined) return MAX_MEMORY_BYTES;
    if (typeof maxMemoryBytes !== 'number' || !(maxMemoryBytes >= 16 * 65536)) {
      throw new ArgumentError(`WasmBackend: maxMemoryBytes must be a number of at least 1 MiB, got ${String(maxMemoryBytes)}`);
    }
    return Math.min(maxMemoryBytes, MAX_MEMORY_BYTES);
  }

  private static over(
    memory: WebAssembly.Memory,
    module: WebAssembly.Module,
    exports: KernelExports,
    heapBase: number,
    options: WasmBackendOptions,
  ): WasmBackend {
    const heap = new WasmHeap(memory, heapBase, WasmBackend.limitOf(options));
    const context = new WasmContext(exports, heap, new StorageTable(heap));
    attachThreads(context, module, typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer);
    return new WasmBackend(context, options.name ?? 'wasm');
  }

  write(values: TypedArray, shape: Shape, dtype: DType): DataId {
    const handle = this.context.storage.create(dtype, values.length);
    this.context.writeValues(handle.storage.address, dtype, values);
    return handle;
  }

  share(id: DataId): DataId {
    return this.context.storage.share(id);
  }

  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id);
  }

  readSync(id: DataId): TypedArray {
    const { storage, dtype } = this.context.storage.handle(id);
    const { u8 } = this.context.memoryViews;
    const bytes = u8.slice(storage.address, storage.address + storage.byteLength);
    if (dtype === 'float32') return new Float32Array(bytes.buffer);
    if (dtype === 'int32') return new Int32Array(bytes.buffer);
    return bytes;
  }

  free(id: DataId): void {
    this.context.storage.free(id);
  }

  memory(): BackendMemory {
    return { numBytes: this.context.storage.numBytes, numDataBuffers: this.context.storage.numDataBuffers };
  }

  /**
   * Runs a fused elementwise region (a tracer's `fused` node or a contraction's epilogue) in one
   * pass over tiles that stay in cache: see assembly/fused.ts. Programs the tile interpreter has no
   * opcode for run one instruction at a time on the kernels instead.
   */
  runFused(program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    return runFused(this.context, this.kernels, program, inputs, outputs);
  }

  /**
   * Traced graphs are recorded on their first run with each set of input shapes and replayed after:
   * see graph-executable.ts.
   */
  compile(graph: Graph, interpret: GraphInterpreter): Executable {
    return new WasmGraphExecutable(this.context, graph, interpret);
  }

  /**
   * A matMul or conv2d with a traced epilogue (the tracer's epilogue fusion: register 0 of
   * `epilogue` is the contraction's result, `inputs[2..]` its other inputs) in one pass, the
   * epilogue applied to each output tile while it is in cache. Handles bias along the last axis
   * and/or relu, sigmoid, tanh; returns undefined for any other program, which the caller runs as
   * the contraction followed by `runFused`.
   */
  runContractionWithEpilogue(
    op: 'matMul' | 'conv2d',
    inputs: readonly KernelInput[],
    attrs: AttrsOf<'matMul'> | AttrsOf<'conv2d'>,
    epilogue: FusedProgram,
    outputs: readonly TensorInfo[],
  ): DataId[] | undefined {
    return runTracedEpilogue(this.context, op, inputs, attrs, epilogue, outputs);
  }

  heapInfo(): WasmHeapInfo {
    const heap = this.context.heap;
    return { reservedBytes: heap.reservedBytes, freeBytes: heap.freeBytes, heapBytes: heap.heapBytes };
  }

  /**
   * Ends the backend (the engine calls it from `removeBackend`): its tensors can no longer be read or
   * used in ops, each attempt says why, and disposing them is a harmless no-op. The wasm memory goes
   * to the garbage collector with the last reference to the backend.
   */
  dispose(): void {
    detachThreads(this.context);
    this.context.storage.close(
      `wasm: backend '${this.name}' was disposed (removeBackend); tensors made on it can no longer be used, create them again on the active backend`,
    );
  }
}
