import type { TypedArray } from '../../dtype.js';
import { createTypedArray, dtypeInfo } from '../../dtype.js';
import { tensor } from '../../ops/convert.js';
import { sizeOf } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import type { InputSpec } from './case.js';

/** A small deterministic generator (mulberry32), so cases are the same on every run and backend. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The flat values an input spec describes. */
export function specValues(spec: InputSpec, index: number): TypedArray {
  const dtype = spec.dtype ?? 'float32';
  const size = sizeOf(spec.shape);
  const out = createTypedArray(dtype, size);
  const coerce = dtypeInfo[dtype].coerce;
  if (spec.values !== undefined) {
    if (spec.values.length !== size) {
      throw new Error(`conformance: input ${index} has ${spec.values.length} values for shape [${spec.shape.join(',')}]`);
    }
    spec.values.forEach((v, i) => (out[i] = coerce(v)));
    return out;
  }
  const random = seededRandom(spec.seed ?? 1234 + 7919 * index + size);
  const [low, high] = spec.range ?? (dtype === 'int32' ? [-10, 10] : dtype === 'bool' ? [0, 2] : [-2, 2]);
  for (let i = 0; i < size; i++) {
    const v = low + (high - low) * random();
    out[i] = coerce(dtype === 'float32' ? v : Math.floor(v));
  }
  return out;
}

export function makeInput(spec: InputSpec, index: number): Tensor {
  return tensor(specValues(spec, index), spec.shape, spec.dtype ?? 'float32');
}
