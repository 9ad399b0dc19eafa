import type { DType, Tensor, TensorLike } from '@tessera/core';
import { ArgumentError, DTypeError, ShapeError, Tensor as TensorClass, concat, gather, slice, tensor, toTensor } from '@tessera/core';
import type { LayerShape } from '@tessera/layers';
import { formatLayerShape } from '@tessera/layers';

/** Model inputs or targets as given: a tensor, nested arrays of numbers, or a list of them (one per model input/output). */
export type ModelData = TensorLike | readonly TensorLike[];

/** An expected input: shape (batch `null`) and dtype. */
export interface InputExpectation {
  name: string;
  shape: LayerShape;
  dtype: DType;
}

/**
 * Turns `data` into one tensor per expected entry; `owned` lists the tensors created here (the
 * caller disposes them). Errors name the model, the method, the argument and what was expected.
 */
export function toTensors(owner: string, what: string, data: ModelData, count: number | undefined, owned: Tensor[]): Tensor[] {
  if (data === null || data === undefined) throw new ArgumentError(`${owner}: ${what} is required, got ${String(data)}`);
  let list: readonly TensorLike[];
  if (data instanceof TensorClass) list = [data];
  else if (Array.isArray(data) && data.length > 0 && data.every((d) => d instanceof TensorClass)) list = data as readonly Tensor[];
  else if (count !== undefined && count > 1 && Array.isArray(data) && data.length === count) list = data as readonly TensorLike[];
  else list = [data as TensorLike];
  if (count !== undefined && list.length !== count) {
    throw new ArgumentError(`${owner}: ${what} must be ${count} tensors (one per model ${what === 'x' ? 'input' : 'output'}), got ${list.length}`);
  }
  return list.map((d, i) => {
    if (d instanceof TensorClass) return d;
    const t = toTensor(owner, list.length > 1 ? `${what}[${i}]` : what, d);
    owned.push(t);
    return t;
  });
}

/** Checks tensors against the model's declared inputs; int32 data for a float32 input is cast (as Keras converts). */
export function checkInputs(owner: string, inputs: Tensor[], expected: readonly InputExpectation[] | undefined, owned: Tensor[]): Tensor[] {
  if (!expected) return inputs;
  return inputs.map((t, i) => {
    const e = expected[i];
    if (!e) return t;
    const which = expected.length > 1 ? `input '${e.name}'` : `input '${e.name}'`;
    const mismatch = t.rank !== e.shape.length || e.shape.some((d, j) => d !== null && t.shape[j] !== d);
    if (mismatch) {
      throw new ShapeError(`${owner}: ${which} expects shape ${formatLayerShape(e.shape)}, got ${formatLayerShape(t.shape)}`);
    }
    if (t.dtype === e.dtype) return t;
    if (e.dtype === 'float32' && t.dtype === 'int32') {
      const cast = t.cast('float32');
      owned.push(cast);
      return cast;
    }
    throw new DTypeError(`${owner}: ${which} expects dtype ${e.dtype}, got ${t.dtype}`);
  });
}

/** The common number of samples (axis 0) of every tensor, or an error naming the ones that differ. */
export function sampleCount(owner: string, groups: Record<string, Tensor[]>): number {
  let n: number | undefined;
  let first = '';
  for (const [name, tensors] of Object.entries(groups)) {
    tensors.forEach((t, i) => {
      const label = tensors.length > 1 ? `${name}[${i}]` : name;
      if (t.rank === 0) throw new ShapeError(`${owner}: ${label} must have a batch dimension, got a scalar`);
      if (n === undefined) {
        n = t.shape[0];
        first = label;
      } else if (t.shape[0] !== n) {
        throw new ShapeError(`${owner}: ${first} and ${label} must have the same number of samples, got ${n} and ${t.shape[0]}`);
      }
    });
  }
  return n ?? 0;
}

/** Rows `[start, start + size)` of each tensor. */
export function sliceRows(tensors: readonly Tensor[], start: number, size: number): Tensor[] {
  // All the rows (one batch holds everything): a new handle on the same data, not a copy.
  return tensors.map((t) => (start === 0 && size === t.shape[0] ? t.clone() : slice(t, [start, ...t.shape.slice(1).map(() => 0)], [size, ...t.shape.slice(1)])));
}

/** The rows at `indices` of each tensor. */
export function takeRows(tensors: readonly Tensor[], indices: Tensor): Tensor[] {
  return tensors.map((t) => gather(t, indices, 0));
}

/** A random permutation of 0..n-1 as an int32 tensor (Fisher-Yates). */
export function permutation(n: number, random: () => number = Math.random): Tensor {
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return tensor(idx, [n], 'int32');
}

/** Concatenates per-batch outputs along the batch axis (on the device). */
export function concatBatches(batches: readonly Tensor[]): Tensor {
  return batches.length === 1 ? batches[0].clone() : concat(batches as Tensor[], 0);
}
