/**
 * @tessera/core: tensors, the op registry and public ops, autodiff, memory management and the
 * backend contract. Import a backend (`@tessera/backend-cpu-wasm`) to run anything.
 */
import { engine } from './engine/engine.js';
import type { Backend, BackendFactory } from './backend.js';
import { Tensor } from './tensor.js';

export * from './ops/index.js';
export { Tensor, Variable } from './tensor.js';
export type { NestedArray, TensorLike } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export { DTYPES, promoteTypes } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes, sizeOf } from './shape.js';
export * from './errors.js';
export type {
  Backend,
  BackendFactory,
  BackendMemory,
  DataId,
  DataOwner,
  Executable,
  GraphInterpreter,
  Kernel,
  KernelInput,
  KernelTable,
  Unsupported,
} from './backend.js';
export { inputShapesKey, isUnsupported, unseededRandomNodes } from './backend.js';
export type { ElementwiseFormula, GradContext, GradFn, OpDef, OpKind, TensorInfo } from './ops/op.js';
export { defineOp } from './ops/op.js';
// Window geometry of conv and pooling ops, so every backend's kernels walk the same windows.
export { convGeometry, poolGeometry } from './ops/conv-geometry.js';
export type { ConvAttrs, ConvGeometry, PoolAttrs, WindowGeometry } from './ops/conv-geometry.js';
// The counter-based generator, so GPU kernels can be checked word for word against it.
export { philox4x32 } from './random/philox.js';
export { getPrimitive, primitives } from './ops/primitives.js';
export type { AttrsOf, OpName, Primitives } from './ops/primitives.js';
export type { FusedInstruction, FusedProgram, Graph, GraphNode, GraphValue } from './graph.js';
export type { Interpreter, Lower } from './engine/interpreter.js';
export type { MemoryInfo } from './engine/engine.js';
export { engine } from './engine/engine.js';
export * from './autodiff/index.js';

/**
 * Registers a backend under `name`; the highest `priority` registered backend is the default.
 * Backends call this when imported.
 */
export function registerBackend(name: string, factory: BackendFactory, priority = 1): void {
  engine.registerBackend(name, factory, priority);
}

/** Selects (and initializes) the backend all following ops run on. `tf.setBackend`. */
export function setBackend(name: string): Promise<Backend> {
  return engine.setBackend(name);
}

/** The active backend's name (initializing the default if none is chosen yet). `tf.getBackend`. */
export function getBackend(): string {
  return engine.backend.name;
}

/** Resolves when the active (or default) backend is initialized. `tf.ready`. */
export function ready(): Promise<Backend> {
  return engine.ready();
}

/** Disposes every tensor `fn` creates except what it returns. Refuses async functions. `tf.tidy`. */
export function tidy<T>(fn: () => T): T {
  return engine.tidy(fn);
}

/** Keeps a tensor created inside `tidy` alive after the scope ends. `tf.keep`. */
export function keep<T extends Tensor>(t: T): T {
  return engine.keep(t);
}

/** Disposes every tensor found in `value` (a tensor, or an array/object tree of them). `tf.dispose`. */
export function dispose(value: unknown): void {
  const seen = new Set<unknown>();
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object' || seen.has(v)) return;
    seen.add(v);
    if (v instanceof Tensor) v.dispose();
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v instanceof Map) [...v.values()].forEach(visit);
    else if (Object.getPrototypeOf(v) === Object.prototype) Object.values(v).forEach(visit);
  };
  visit(value);
}

/** Live tensors and bytes per backend. `tf.memory`. */
export function memory() {
  return engine.memory();
}
