import type { DataId, Kernel } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { createTypedArray, dtypeInfo } from '../../dtype.js';
import type { AttrsOf, OpName } from '../../ops/primitives.js';
import type { Shape } from '../../shape.js';
import { sizeOf, stridesOf } from '../../shape.js';

interface Storage {
  readonly values: TypedArray;
  refs: number;
}

/** A reference data handle: several handles may share one storage (a reshape). */
interface Handle {
  readonly storage: Storage;
  freed: boolean;
}

/** The reference backend's memory: plain typed arrays with reference counts. */
export class ReferenceStore {
  numBytes = 0;
  numDataBuffers = 0;

  /** Takes ownership of `values` as a new storage. */
  create(values: TypedArray): DataId {
    this.numBytes += values.byteLength;
    this.numDataBuffers++;
    const handle: Handle = { storage: { values, refs: 1 }, freed: false };
    return handle;
  }

  share(id: DataId): DataId {
    const { storage } = this.handle(id);
    storage.refs++;
    const handle: Handle = { storage, freed: false };
    return handle;
  }

  free(id: DataId): void {
    const handle = id as Handle;
    if (handle.freed) return;
    handle.freed = true;
    if (--handle.storage.refs === 0) {
      this.numBytes -= handle.storage.values.byteLength;
      this.numDataBuffers--;
    }
  }

  /** The values behind a handle (not a copy: kernels only read them). */
  values(id: DataId): TypedArray {
    return this.handle(id).storage.values;
  }

  private handle(id: DataId): Handle {
    const handle = id as Handle;
    if (handle.freed) throw new Error('reference: use of freed data');
    return handle;
  }
}

/** A group of reference kernels for the primitives of one group table. */
export type KernelsFor<T> = { [N in keyof T & OpName]: Kernel<AttrsOf<N>> };

/** Allocates an output array for a dtype and shape. */
export function output(dtype: DType, shape: Shape): TypedArray {
  return createTypedArray(dtype, sizeOf(shape));
}

/** Rounds a double to what `dtype` stores. */
export function coerceFor(dtype: DType): (v: number) => number {
  return dtypeInfo[dtype].coerce;
}

/**
 * For each flat index of `outShape`, the flat index into an input of `inShape` broadcast to it.
 * Plain and slow on purpose: this is the oracle.
 */
export function broadcastIndexMap(inShape: Shape, outShape: Shape): Int32Array {
  const size = sizeOf(outShape);
  const map = new Int32Array(size);
  const inStrides = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  const index = new Array<number>(outShape.length).fill(0);
  for (let flat = 0; flat < size; flat++) {
    let offset = 0;
    for (let d = 0; d < inShape.length; d++) {
      if (inShape[d] !== 1) offset += index[d + lead] * inStrides[d];
    }
    map[flat] = offset;
    for (let d = outShape.length - 1; d >= 0; d--) {
      if (++index[d] < outShape[d]) break;
      index[d] = 0;
    }
  }
  return map;
}

/** Converts a flat index to a multi-index for `shape`. */
export function unravel(flat: number, shape: Shape): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return index;
}

/** Converts a multi-index to a flat row-major index for `shape`. */
export function ravel(index: readonly number[], shape: Shape): number {
  let flat = 0;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d] + index[d];
  return flat;
}
