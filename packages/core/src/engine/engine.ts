import type { Backend, BackendFactory } from '../backend.js';
import { isUnsupported } from '../backend.js';
import type { DType, TypedArray } from '../dtype.js';
import { ArgumentError, BackendError, DisposedError, DTypeError, ShapeError, formatShape } from '../errors.js';
import type { OpDef, TensorInfo } from '../ops/op.js';
import type { Shape } from '../shape.js';
import { shapesEqual } from '../shape.js';
import { Tensor, Variable } from '../tensor.js';
import type { Interpreter, Lower } from './interpreter.js';

interface BackendEntry {
  readonly factory: BackendFactory;
  readonly priority: number;
  instance?: Backend;
  initializing?: Promise<Backend>;
}

/** A `tidy` scope: every tensor created inside it, disposed at its end unless returned or kept. */
interface Scope {
  readonly tensors: Set<Tensor>;
}

/** Memory figures as `memory()` reports them. */
export interface MemoryInfo {
  /** Live tensors (variables included), over every backend and trace. */
  readonly numTensors: number;
  /** Bytes of live storage on the active backend. */
  readonly numBytes: number;
  /** Per initialized backend: bytes and storage buffers. */
  readonly backends: Readonly<Record<string, { numBytes: number; numDataBuffers: number }>>;
}

/** The bottom of the interpreter stack: runs kernels on the active backend. */
class EagerInterpreter implements Interpreter {
  readonly name = 'eager';
  constructor(private readonly engine: Engine) {}

  runOp(op: OpDef, inputs: readonly Tensor[], attrs: object, outputs: readonly TensorInfo[]): Tensor[] {
    const backend = this.engine.backend;
    inputs.forEach((t, i) => {
      if (t.owner !== backend) {
        throw new BackendError(
          `${op.name}: ${this.engine.inputName(op, i)} lives on backend '${t.owner.name}' but the active backend is '${backend.name}'; ` +
            `Tessera never copies between backends silently: create it again on '${backend.name}'`,
        );
      }
    });
    const kernel = backend.kernels[op.name as keyof Backend['kernels']];
    if (kernel === undefined || isUnsupported(kernel)) {
      const why = kernel === undefined ? 'it has no kernel' : kernel.unsupported;
      throw new BackendError(`${op.name}: not supported on backend '${backend.name}': ${why}`);
    }
    const ids = kernel(
      inputs.map((t) => ({ id: t.dataId, shape: t.shape, dtype: t.dtype })),
      attrs as never,
      outputs,
    );
    return ids.map((id, i) => new Tensor(outputs[i], backend, id));
  }

  makeTensor(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    const backend = this.engine.backend;
    return new Tensor({ shape, dtype }, backend, backend.write(values, shape, dtype));
  }

  assign(variable: Variable, value: Tensor): void {
    const backend = this.engine.backend;
    if (value.owner !== variable.owner) {
      throw new BackendError(
        `assign: variable '${variable.name}' lives on backend '${variable.owner.name}' but the value lives on '${value.owner.name}'`,
      );
    }
    variable.replaceData(backend.share(value.dataId));
  }

  createVariable(initial: Tensor, name: string, trainable: boolean): Variable {
    const backend = this.engine.backend;
    if (initial.owner !== backend) {
      throw new BackendError(`variable: initial value lives on backend '${initial.owner.name}' but the active backend is '${backend.name}'`);
    }
    return new Variable(initial, backend, backend.share(initial.dataId), name, trainable);
  }
}

/**
 * The engine: dispatches each op to the top of the interpreter stack, owns the backend registry
 * and the memory scopes. One per process (module singleton `engine`).
 */
export class Engine {
  private readonly stack: Interpreter[] = [];
  private lowers: (Lower | undefined)[] = [];
  private readonly scopes: Scope[] = [];
  private readonly registry = new Map<string, BackendEntry>();
  private active?: Backend;
  private liveTensors = 0;
  private nextTensorId = 0;
  /** While a gradient is being computed, tensors a tape saved stay usable after the user disposed them. */
  backwardDepth = 0;

  constructor() {
    this.stack.push(new EagerInterpreter(this));
  }

  // ---- backends -------------------------------------------------------------------------------

  /** Registers a backend factory; the highest priority registered one is the default. */
  registerBackend(name: string, factory: BackendFactory, priority = 1): void {
    if (this.registry.has(name)) {
      throw new ArgumentError(`registerBackend: a backend named '${name}' is already registered`);
    }
    this.registry.set(name, { factory, priority });
  }

  /** Removes a backend, releasing its storage; tensors living on it become unusable. */
  removeBackend(name: string): void {
    const entry = this.registry.get(name);
    if (entry === undefined) return;
    if (entry.instance !== undefined && entry.instance === this.active) this.active = undefined;
    entry.instance?.dispose?.();
    this.registry.delete(name);
  }

  backendNames(): string[] {
    return [...this.registry.keys()];
  }

  async setBackend(name: string): Promise<Backend> {
    const entry = this.registry.get(name);
    if (entry === undefined) {
      const known = this.backendNames();
      throw new BackendError(
        `setBackend: no backend named '${name}' is registered (registered: ${known.length ? known.join(', ') : 'none'}); ` +
          `install and import it, e.g. import '@tessera/backend-cpu-wasm'`,
      );
    }
    this.active = await this.initialize(name, entry);
    return this.active;
  }

  /** Initializes the default backend if none was chosen yet. */
  async ready(): Promise<Backend> {
    if (this.active !== undefined) return this.active;
    return this.setBackend(this.defaultBackendName());
  }

  /** The active backend; initializes the default synchronously when its factory allows it. */
  get backend(): Backend {
    if (this.active !== undefined) return this.active;
    const name = this.defaultBackendName();
    const entry = this.registry.get(name)!;
    if (entry.instance === undefined) {
      const created = entry.factory();
      if (created instanceof Promise) {
        throw new BackendError(`backend '${name}' initializes asynchronously: call 'await setBackend('${name}')' or 'await ready()' first`);
      }
      entry.instance = created;
    }
    this.active = entry.instance;
    return this.active;
  }

  get backendName(): string | undefined {
    return this.active?.name;
  }

  private defaultBackendName(): string {
    let best: [string, number] | undefined;
    for (const [name, entry] of this.registry) {
      if (best === undefined || entry.priority > best[1]) best = [name, entry.priority];
    }
    if (best === undefined) {
      throw new BackendError(
        "no backend is registered: install one and import it, e.g. `npm i @tessera/backend-cpu-wasm` then `import '@tessera/backend-cpu-wasm'`",
      );
    }
    return best[0];
  }

  private async initialize(name: string, entry: BackendEntry): Promise<Backend> {
    if (entry.instance !== undefined) return entry.instance;
    entry.initializing ??= Promise.resolve(entry.factory()).then((backend) => {
      entry.instance = backend;
      return backend;
    });
    try {
      return await entry.initializing;
    } catch (error) {
      entry.initializing = undefined;
      throw new BackendError(`setBackend: backend '${name}' failed to initialize: ${(error as Error).message}`);
    }
  }

  // ---- the interpreter stack ------------------------------------------------------------------

  /** Pushes an interpreter (a tape or a trace); `pop` must receive the same one. */
  push(interpreter: Interpreter): void {
    this.stack.push(interpreter);
    this.lowers = [];
  }

  pop(interpreter: Interpreter): void {
    const top = this.stack.pop();
    this.lowers = [];
    if (top !== interpreter) {
      throw new Error(`engine: interpreter stack corrupted: expected '${interpreter.name}' on top, found '${top?.name}'`);
    }
  }

  /** The interpreters currently on the stack, bottom first. */
  interpreters(): readonly Interpreter[] {
    return this.stack;
  }

  /**
   * Runs a primitive: validates inputs, infers output shapes/dtypes, then hands it to the top
   * interpreter. Every public op function ends here.
   */
  run(op: OpDef, inputs: readonly Tensor[], attrs: object): Tensor[] {
    inputs.forEach((t, i) => this.assertUsable(op.name, this.inputName(op, i), t));
    const outputs = op.infer(inputs, attrs);
    return this.lowerFrom(this.stack.length - 1).runOp(op, inputs, attrs, outputs);
  }

  /** Runs a single-output primitive. */
  run1(op: OpDef, inputs: readonly Tensor[], attrs: object): Tensor {
    return this.run(op, inputs, attrs)[0];
  }

  makeTensor(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    return this.lowerFrom(this.stack.length - 1).makeTensor(values, shape, dtype);
  }

  assign(variable: Variable, value: Tensor): void {
    this.assertUsable('assign', 'variable', variable);
    this.assertUsable('assign', 'value', value);
    if (value.dtype !== variable.dtype) {
      throw new DTypeError(`assign: variable '${variable.name}' is ${variable.dtype}, value is ${value.dtype}`);
    }
    if (!shapesEqual(value.shape, variable.shape)) {
      throw new ShapeError(
        `assign: variable '${variable.name}' has shape ${formatShape(variable.shape)}, value has shape ${formatShape(value.shape)}`,
      );
    }
    this.lowerFrom(this.stack.length - 1).assign(variable, value);
  }

  createVariable(initial: Tensor, name: string, trainable: boolean): Variable {
    this.assertUsable('variable', 'initialValue', initial);
    return this.lowerFrom(this.stack.length - 1).createVariable(initial, name, trainable);
  }

  /** The view of the stack from `level` down; cached until the stack changes. */
  private lowerFrom(level: number): Lower {
    let lower = this.lowers[level];
    if (lower === undefined) {
      const dispatch = <K extends keyof Lower>(method: K): Lower[K] =>
        ((...args: unknown[]) => {
          for (let i = level; i >= 0; i--) {
            const handler = this.stack[i][method] as ((...a: unknown[]) => unknown) | undefined;
            if (handler !== undefined) return handler.call(this.stack[i], ...args, this.lowerFrom(i - 1));
          }
          throw new Error(`engine: no interpreter handles ${method}`);
        }) as Lower[K];
      lower = {
        runOp: dispatch('runOp'),
        makeTensor: dispatch('makeTensor'),
        assign: dispatch('assign'),
        createVariable: dispatch('createVariable'),
      };
      this.lowers[level] = lower;
    }
    return lower;
  }

  inputName(op: OpDef, index: number): string {
    if (op.variadic) return `${op.inputNames[0]}[${index}]`;
    return op.inputNames[index] ?? `input ${index}`;
  }

  assertUsable(op: string, arg: string, t: unknown): asserts t is Tensor {
    if (!(t instanceof Tensor)) {
      throw new ArgumentError(`${op}: ${arg} must be a Tensor, got ${describe(t)}`);
    }
    const usable = this.backwardDepth > 0 ? t.isAlive : !t.isDisposed;
    if (!usable) {
      throw new DisposedError(`${op}: ${arg} (tensor ${t.id}, shape ${formatShape(t.shape)}) was disposed`);
    }
  }

  // ---- memory ---------------------------------------------------------------------------------

  /** Called by every new Tensor: counts it and puts it in the innermost `tidy` scope. */
  onTensorCreated(t: Tensor): number {
    this.liveTensors++;
    if (!(t instanceof Variable)) this.scopes[this.scopes.length - 1]?.tensors.add(t);
    return this.nextTensorId++;
  }

  /** Called once when a tensor's storage is released. */
  onTensorReleased(t: Tensor): void {
    this.liveTensors--;
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      if (this.scopes[i].tensors.delete(t)) break;
    }
  }

  /**
   * Runs `fn`, then disposes every tensor it created except those it returns (found anywhere in a
   * returned array/object tree) and those passed to `keep`. tf.tidy's semantics.
   */
  tidy<T>(fn: () => T): T {
    if (typeof fn !== 'function') {
      throw new ArgumentError(`tidy: expected a function, got ${describe(fn)}`);
    }
    if (fn.constructor.name === 'AsyncFunction') {
      throw new ArgumentError('tidy: got an async function; tidy cannot follow tensors across await (dispose them yourself or use `using`)');
    }
    const scope: Scope = { tensors: new Set() };
    this.scopes.push(scope);
    let result: T;
    try {
      result = fn();
    } catch (error) {
      this.endScope(scope, new Set());
      throw error;
    }
    if (result instanceof Promise) {
      this.endScope(scope, new Set());
      throw new ArgumentError('tidy: the function returned a Promise; tidy cannot follow tensors across await (dispose them yourself or use `using`)');
    }
    const returned = new Set<Tensor>();
    collectTensors(result, returned);
    this.endScope(scope, returned);
    return result;
  }

  private endScope(scope: Scope, returned: Set<Tensor>): void {
    const popped = this.scopes.pop();
    if (popped !== scope) throw new Error('tidy: scopes ended out of order');
    const parent = this.scopes[this.scopes.length - 1];
    for (const t of scope.tensors) {
      if (returned.has(t)) parent?.tensors.add(t);
      else t.dispose();
    }
  }

  /** Takes a tensor out of every `tidy` scope so it survives them. */
  keep<T extends Tensor>(t: T): T {
    for (const scope of this.scopes) scope.tensors.delete(t);
    return t;
  }

  /** Live tensor count and bytes per backend. */
  memory(): MemoryInfo {
    const backends: Record<string, { numBytes: number; numDataBuffers: number }> = {};
    for (const [name, entry] of this.registry) {
      if (entry.instance !== undefined) {
        const m = entry.instance.memory();
        backends[name] = { numBytes: m.numBytes, numDataBuffers: m.numDataBuffers };
      }
    }
    const activeName = this.active?.name;
    return {
      numTensors: this.liveTensors,
      numBytes: activeName !== undefined ? (backends[activeName]?.numBytes ?? 0) : 0,
      backends,
    };
  }
}

function collectTensors(value: unknown, into: Set<Tensor>, seen = new Set<unknown>()): void {
  if (value instanceof Tensor) {
    into.add(value);
    return;
  }
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, seen);
  } else if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen);
  } else if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, seen);
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${(value as object).constructor?.name ?? 'Object'})`;
  return `${typeof value} ${String(value)}`;
}

/** The process-wide engine. */
export const engine: Engine = new Engine();
