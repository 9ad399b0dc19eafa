import type { DataId, DType, TypedArray } from '@tessera/core';
import { BackendError } from '@tessera/core';
import type { WasmHeap } from './memory.js';

/** One block of tensor data in wasm memory, shared by every handle that reshapes it. */
export interface Storage {
  readonly address: number;
  /** The tensor's bytes (what `memory()` reports), not the block's rounded size. */
  readonly byteLength: number;
  refs: number;
}

/** A data handle given to the engine; several may share one storage. */
export interface Handle {
  readonly storage: Storage;
  /** Readback needs it: the contract's `readSync(id)` returns the dtype's typed array. */
  readonly dtype: DType;
  freed: boolean;
}

const BYTES: Record<DType, number> = { float32: 4, int32: 4, bool: 1 };

export function bytesPerElement(dtype: DType): number {
  return BYTES[dtype];
}

/** Reference-counted tensor storage over the heap; counts live bytes and buffers for `memory()`. */
export class StorageTable {
  numBytes = 0;
  numDataBuffers = 0;
  /** Set by `close`: the message every later use of this storage throws. */
  private closedBecause?: string;

  constructor(private readonly heap: WasmHeap) {}

  /** Ends all use: later reads, writes and kernels throw `reason`; frees become no-ops. */
  close(reason: string): void {
    this.closedBecause = reason;
  }

  create(dtype: DType, length: number): Handle {
    this.assertOpen();
    const byteLength = length * bytesPerElement(dtype);
    const address = this.heap.allocate(Math.max(byteLength, 1));
    this.numBytes += byteLength;
    this.numDataBuffers++;
    return { storage: { address, byteLength, refs: 1 }, dtype, freed: false };
  }

  share(id: DataId): Handle {
    const { storage, dtype } = this.handle(id);
    storage.refs++;
    return { storage, dtype, freed: false };
  }

  free(id: DataId): void {
    const handle = id as Handle;
    if (handle.freed || this.closedBecause !== undefined) return;
    handle.freed = true;
    if (--handle.storage.refs === 0) {
      this.heap.free(handle.storage.address);
      this.numBytes -= handle.storage.byteLength;
      this.numDataBuffers--;
    }
  }

  address(id: DataId): number {
    return this.handle(id).storage.address;
  }

  handle(id: DataId): Handle {
    this.assertOpen();
    const handle = id as Handle;
    if (handle.freed) throw new Error('wasm: use of freed data');
    return handle;
  }

  private assertOpen(): void {
    if (this.closedBecause !== undefined) throw new BackendError(this.closedBecause);
  }
}

export type { TypedArray };
