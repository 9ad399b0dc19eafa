import type { Backend, BackendMemory, DataId, DType, KernelTable, Shape, TypedArray } from '@tessera/core';
import { BackendError, sizeOf } from '@tessera/core';
import type { PoolStats } from './buffer-pool.js';
import type { GpuContext } from './device.js';
import { kernelTable } from './kernels/index.js';
import type { Handle } from './runtime.js';
import { GpuRuntime } from './runtime.js';

/** Pool and batching figures, for tests and for finding leaks. */
export interface WebGPUStats extends PoolStats {
  /** Live tensor storages (a reshape shares one). */
  readonly storages: number;
  readonly pipelines: number;
  readonly dispatches: number;
  readonly submits: number;
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
      this.numBytes -= handle.storage.bytes;
      this.storages--;
      if (this.lostMessage === undefined && !this.disposed) this.runtime.pool.release(handle.storage.buffer);
    }
  }

  memory(): BackendMemory {
    return { numBytes: this.numBytes, numDataBuffers: this.storages };
  }

  stats(): WebGPUStats {
    return {
      ...this.runtime.pool.stats(),
      storages: this.storages,
      pipelines: this.runtime.pipelineCount,
      dispatches: this.runtime.dispatches,
      submits: this.runtime.submits,
    };
  }

  handle(id: DataId, what: string): Handle {
    const handle = id as Handle;
    if (handle.freed) throw new BackendError(`webgpu: ${what}: use of freed data`);
    return handle;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.runtime.pool.destroy();
    this.context.device.destroy();
  }
}
