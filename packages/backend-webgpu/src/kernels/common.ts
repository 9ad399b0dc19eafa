import type { DataId, DType, KernelInput, Shape, TensorInfo } from '@tessera/core';
import { ShapeError, sizeOf } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import type { Handle, Program, ProgramInput } from '../runtime.js';

/** The highest rank the generic index kernels take (shapes and strides ride in a fixed uniform). */
export const MAX_RANK = 8;

export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

/** Strides of `inShape` broadcast to `outShape`: 0 along broadcast axes, aligned to the output's rank. */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const own = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, d) => (d < lead || inShape[d - lead] === 1 ? 0 : own[d - lead]));
}

/** Pads a list to `length` with `fill` (so every program of a kind has one parameter layout). */
export function padTo(values: readonly number[], length = MAX_RANK, fill = 0): number[] {
  return [...values, ...new Array<number>(Math.max(0, length - values.length)).fill(fill)];
}

export function assertRank(op: string, shape: Shape): void {
  if (shape.length > MAX_RANK) {
    throw new ShapeError(`${op}: the webgpu backend handles tensors up to rank ${MAX_RANK}, got rank ${shape.length}; reshape to fewer axes first`);
  }
}

export function input(backend: WebGPUBackend, x: KernelInput, op: string): ProgramInput {
  return { handle: backend.handle(x.id, op), dtype: x.dtype };
}

/** Runs a program whose output is `out` (a fresh tensor storage). */
export function run(backend: WebGPUBackend, program: Program, out: TensorInfo): DataId {
  backend.check(program.key.split(':')[0]);
  return backend.track(backend.runtime.run(program, sizeOf(out.shape)));
}

/** Runs a program that writes into an existing output (several dispatches filling one tensor). */
export function runInto(backend: WebGPUBackend, program: Program, into: Handle): void {
  backend.check(program.key.split(':')[0]);
  backend.runtime.run(program, into.storage.elements, into);
}

/** A new, unwritten output storage. */
export function allocate(backend: WebGPUBackend, out: TensorInfo): Handle {
  return backend.track(backend.runtime.allocate(sizeOf(out.shape), out.dtype));
}

/**
 * WGSL that turns flat output index `i` into an input offset: walks the output's axes from the
 * last, with the output shape at parameters [shapeAt, shapeAt + rank) and each input's strides at
 * `stridesAt[k]`. Declares `o0..ok`.
 */
export function offsetsWgsl(rankParam: number, shapeAt: number, stridesAt: readonly number[]): string {
  const decls = stridesAt.map((_, k) => `var o${k} = 0;`).join(' ');
  const adds = stridesAt.map((at, k) => `o${k} += c * q(${at} + d);`).join(' ');
  return `${decls}
  var rem = i;
  for (var d = q(${rankParam}) - 1; d >= 0; d--) {
    let s = q(${shapeAt} + d);
    let c = rem % s;
    rem = rem / s;
    ${adds}
  }`;
}

/** The WGSL literal for a constant of a dtype (floats through their bits, to carry NaN and ±inf). */
export function constantParam(value: number, dtype: DType): number {
  if (dtype === 'float32') {
    const view = new Float32Array([value]);
    return new Int32Array(view.buffer)[0];
  }
  return dtype === 'bool' ? (value !== 0 ? 1 : 0) : value | 0;
}

/** WGSL reading parameter k as a value of `dtype`. */
export function paramAs(k: number, dtype: DType): string {
  if (dtype === 'float32') return `qf(${k})`;
  return dtype === 'bool' ? `u32(q(${k}))` : `q(${k})`;
}
