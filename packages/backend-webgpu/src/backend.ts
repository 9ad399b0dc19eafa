import type { Backend, BackendMemory, DataId, DType, FusedProgram, Graph, GraphInterpreter, KernelInput, KernelTable, Shape, TensorInfo, TypedArray } from '@tessera/core';
import { BackendError, sizeOf } from '@tessera/core';
import type { PoolStats } from './buffer-pool.js';
import type { GpuContext } from './device.js';
import { GpuGraphExecutable } from './graph-executable.js';
import { runFused } from './kernels/fused.js';
import { kernelTable } from './kernels/index.js';
import type { Handle } from './runtime.js';
import { GpuRuntime } from './runtime.js';

/** Pool and batching figures, for tests and for finding leaks. */
export interface WebGPUStats extends PoolStats {
  /** Live tensor storages (a reshape shares one). */
  readonly storages: number;
  readonly pipelines: number;
  /** Pipelines made asynchronously ahead of a traced graph's first run (`await f.warmup(...)`). */
  readonly pipelinesPrepared: number;
  readonly dispatches: number;
  readonly submits: number;
  /** Bind groups created: a replayed traced graph creates none for the dispatches whose buffers it owns. */
  readonly bindGroups: number;
}

/**
 * The WebGPU backend: tensors live in GPU buffers, kernels record compute dispatches into a shared
 * command encoder, and only reads wait (`await t.data()`).
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly kernels: KernelTable;
  readonly runtime: GpuRuntime;
  private numBytes = 0;
  private storages = 0;
  /** Set when the device is lost: every later use throws this message. */
  private lostMessage: string | undefined;
  private disposed = false;
  private gpuError: string | undefined;

  constructor(readonly context: GpuContext, onLost: (backend: WebGPUBackend) => void = () => {}) {
    this.runtime = new GpuRuntime(context.device);
    this.kernels = kernelTable(this);
    const device = context.device;
    void device.lost.then((info) => {
      if (this.disposed) return;
      this.lostMessage =
        `webgpu: the GPU device was lost (reason: ${info.reason ?? 'unknown'}${info.message ? `: ${info.message}` : ''}); ` +
        "its tensors are gone. Call await setBackend('webgpu') to get a fresh device and create them again";
      onLost(this);
    });
    device.addEventListener?.('uncapturederror', (event) => {
      this.gpuError ??= (event as GPUUncapturedErrorEvent).error.message;
    });
  }

  /** Throws if the device was lost or a GPU error was reported; every entry point calls it. */
  check(what: string): void {
    if (this.lostMessage !== undefined) throw new BackendError(`${what}: ${this.lostMessage}`);
    if (this.disposed) throw new BackendError(`${what}: the webgpu backend was disposed`);
    if (this.gpuError !== undefined) {
      const message = this.gpuError;
      this.gpuError = undefined;
      throw new BackendError(`${what}: WebGPU reported an error: ${message}`);
    }
  }

  get isLost(): boolean {
    return this.lostMessage !== undefined;
  }

  write(values: TypedArray, shape: Shape, dtype: DType): DataId {
    this.check('webgpu: write');
    const elements = sizeOf(shape);
    const handle = this.track(this.runtime.allocate(elements, dtype));
    if (elements > 0) {
      // bool is stored as one u32 per element on the GPU.
      const words = dtype === 'bool' ? Uint32Array.from(values) : values;
      this.runtime.write(handle, words);
    }
    return handle;
  }

  /** Counts a fresh storage (a write or a kernel output) in `memory()`. */
  track(handle: Handle): Handle {
    this.numBytes += handle.storage.bytes;
    this.storages++;
    return handle;
  }

  share(id: DataId): DataId {
    const { storage } = this.handle(id, 'share');
    storage.refs++;
    const handle: Handle = { storage, freed: false };
    return handle;
  }

  async read(id: DataId): Promise<TypedArray> {
    this.check('webgpu: read');
    const { storage } = this.handle(id, 'read');
    let bytes: ArrayBuffer;
    try {
      bytes = await this.runtime.readBytes(storage);
    } catch (error) {
      // A map fails when the device goes away meanwhile: report the loss, not the map's message.
      this.check('webgpu: read');
      throw error;
    }
    this.check('webgpu: read');
    if (storage.dtype === 'float32') return new Float32Array(bytes, 0, storage.elements);
    if (storage.dtype === 'int32') return new Int32Array(bytes, 0, storage.elements);
    return Uint8Array.from(new Uint32Array(bytes, 0, storage.elements));
  }

  readSync(): TypedArray {
    throw new BackendError(
      "webgpu: dataSync() cannot read GPU memory synchronously (the GPU works asynchronously and a blocking wait would freeze the page); use 'await t.data()' or 'await t.array()'",
    );
  }

  free(id: DataId): void {
    const handle = id as Handle;
    if (handle.freed) return;
    handle.freed = true;
    if (--handle.storage.refs === 0) {
      const pending = handle.storage.pending;
      handle.storage.pending = undefined;
      pending?.drop();
      this.numBytes -= handle.storage.bytes;
      this.storages--;
      if (this.lostMessage === undefined && !this.disposed) this.runtime.release(handle.storage.buffer);
    }
  }

  /**
   * A traced graph's executable: captured on its first run with each set of input shapes, replayed
   * (pipelines, uniforms and bind groups made once) on later ones; see graph-executable.ts.
   */
  compile(graph: Graph, interpret: GraphInterpreter): GpuGraphExecutable {
    this.check('webgpu: compile');
    return new GpuGraphExecutable(this, graph, interpret);
  }

  /**
   * A fused elementwise region of a traced graph in one generated shader (see kernels/fused.ts);
   * the tracer's executor calls it for each region and each matMul/conv2d epilogue.
   */
  runFused(program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    return runFused(this, program, inputs, outputs);
  }

  memory(): BackendMemory {
    return { numBytes: this.numBytes, numDataBuffers: this.storages };
  }

  stats(): WebGPUStats {
    return {
      ...this.runtime.pool.stats(),
      storages: this.storages,
      pipelines: this.runtime.pipelineCount,
      pipelinesPrepared: this.runtime.pipelinesPrepared,
      dispatches: this.runtime.dispatches,
      submits: this.runtime.submits,
      bindGroups: this.runtime.bindGroups,
    };
  }

  handle(id: DataId, what: string): Handle {
    const handle = id as Handle;
    if (handle.freed) throw new BackendError(`webgpu: ${what}: use of freed data`);
    const pending = handle.storage.pending;
    if (pending !== undefined) {
      // A contraction whose epilogue took its place: compute the raw result after all, now it is used.
      handle.storage.pending = undefined;
      pending.run();
    }
    return handle;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runtime.pool.destroy();
    this.context.device.destroy();
  }
}
