import type { DType, TypedArray } from '../dtype.js';
import { createTypedArray, dtypeInfo, isDType } from '../dtype.js';
import { describe, engine } from '../engine/engine.js';
import { ArgumentError, DTypeError, ShapeError, formatShape } from '../errors.js';
import type { Shape } from '../shape.js';
import { assertValidShape, sizeOf } from '../shape.js';
import type { NestedArray, TensorLike } from '../tensor.js';
import { Tensor, Variable } from '../tensor.js';
import { cast } from './cast.js';

/**
 * Wraps a public op function so that every tensor it creates along the way (converted arguments,
 * casts, a composite's intermediates) is disposed when it returns or throws: ops never leak, and
 * a failing op leaves memory as it was.
 */
export function op<F extends (...args: any[]) => any>(fn: F): F {
  return ((...args: Parameters<F>) => engine.tidy(() => fn(...args))) as F;
}

/** Converts an op argument to a tensor. JS numbers adopt `dtypeHint` (weak typing, as in JAX). */
export function toTensor(opName: string, arg: string, value: TensorLike, dtypeHint?: DType): Tensor {
  if (value instanceof Tensor) {
    engine.assertUsable(opName, arg, value);
    return value;
  }
  if (typeof value === 'number') return tensor(value, [], dtypeHint ?? 'float32');
  if (typeof value === 'boolean') return tensor(value, [], 'bool');
  if (Array.isArray(value) || ArrayBuffer.isView(value)) return tensor(value, undefined, dtypeHint);
  throw new ArgumentError(`${opName}: ${arg} must be a Tensor, number, boolean or array, got ${describe(value)}`);
}

function inferDType(values: NestedArray | TypedArray): DType {
  if (values instanceof Float32Array) return 'float32';
  if (values instanceof Int32Array) return 'int32';
  if (values instanceof Uint8Array) return 'bool';
  let first: unknown = values;
  while (Array.isArray(first)) first = first[0];
  return typeof first === 'boolean' ? 'bool' : 'float32';
}

function inferShape(values: NestedArray): number[] {
  const shape: number[] = [];
  let level: NestedArray = values;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

function flatten(values: NestedArray, shape: Shape, out: number[], dim = 0): void {
  if (dim === shape.length) {
    if (Array.isArray(values)) throw new ShapeError(`tensor: ragged nested array: expected a value at depth ${dim}, found an array`);
    if (typeof values !== 'number' && typeof values !== 'boolean') {
      throw new ArgumentError(`tensor: values must be numbers or booleans, got ${describe(values)}`);
    }
    out.push(typeof values === 'boolean' ? (values ? 1 : 0) : values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    const given = Array.isArray(values) ? values.length : 'a scalar';
    throw new ShapeError(`tensor: ragged nested array: dimension ${dim} should have ${shape[dim]} entries, found ${given}`);
  }
  for (const v of values) flatten(v, shape, out, dim + 1);
}

/**
 * Creates a tensor from JS values: a number, a (nested) array or a typed array, with an optional
 * shape (required to reshape flat data) and dtype. Corresponds to `tf.tensor` / `tf.constant`.
 *
 * @example tensor([[1, 2], [3, 4]]) // float32, shape [2,2]
 */
export function tensor(values: NestedArray | TypedArray, shape?: readonly number[], dtype?: DType): Tensor {
  if (dtype !== undefined && !isDType(dtype)) {
    throw new DTypeError(`tensor: dtype must be float32, int32 or bool, got ${String(dtype)}`);
  }
  const resolved = dtype ?? inferDType(values);
  let flat: ArrayLike<number>;
  let inferred: number[];
  if (ArrayBuffer.isView(values)) {
    flat = values;
    inferred = [values.length];
  } else if (Array.isArray(values)) {
    inferred = inferShape(values);
    const out: number[] = [];
    flatten(values, inferred, out);
    flat = out;
  } else {
    flat = [typeof values === 'boolean' ? (values ? 1 : 0) : (values as number)];
    inferred = [];
  }
  if (shape !== undefined) assertValidShape('tensor', 'shape', shape);
  const finalShape = shape ?? inferred;
  const size = sizeOf(finalShape);
  if (size !== flat.length && !(flat.length === 1 && shape !== undefined)) {
    throw new ShapeError(`tensor: shape ${formatShape(finalShape)} needs ${size} values, got ${flat.length}`);
  }
  const data = createTypedArray(resolved, size);
  const coerce = dtypeInfo[resolved].coerce;
  if (flat.length === 1 && size !== 1) data.fill(coerce(flat[0]));
  else for (let i = 0; i < size; i++) data[i] = coerce(flat[i]);
  return engine.makeTensor(data, finalShape, resolved);
}

/** A rank-0 tensor. */
export function scalar(value: number | boolean, dtype?: DType): Tensor {
  return tensor(value, [], dtype ?? (typeof value === 'boolean' ? 'bool' : 'float32'));
}

export interface VariableOptions {
  /** Shown in errors and used by layers as the weight's path. */
  name?: string;
  /** Watched by gradient tapes and updated by optimizers. Default true. */
  trainable?: boolean;
  dtype?: DType;
}

let variableCounter = 0;

/**
 * Creates a variable holding a copy of `initialValue`. Corresponds to `tf.Variable`.
 *
 * @example const w = variable(zeros([3, 3])); w.assignAdd(ones([3, 3]));
 */
export function variable(initialValue: TensorLike, options: VariableOptions = {}): Variable {
  return engine.tidy(() => {
    const init = toTensor('variable', 'initialValue', initialValue, options.dtype);
    const value = options.dtype !== undefined && options.dtype !== init.dtype ? cast(init, options.dtype) : init;
    const name = options.name ?? `variable_${variableCounter++}`;
    return engine.createVariable(value, name, options.trainable ?? true);
  });
}

export { Variable };
