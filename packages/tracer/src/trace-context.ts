import type { Backend, DataOwner, DType, Interpreter, Lower, OpDef, Shape, TensorInfo, TypedArray } from '@tessera/core';
import { Tensor, TraceError, Variable, engine } from '@tessera/core';
import type { Dim } from './graph-builder.js';
import { GraphBuilder } from './graph-builder.js';
import { readsSynchronously } from './backend-reads.js';

/**
 * While a signature with symbolic dimensions is traced, each symbolic dimension is given this size
 * (a prime no real batch is likely to be a multiple of). Every op's inference also runs with
 * {@link PROBE_SIZE}: an output dimension that changes with it is symbolic in the graph. A number
 * derived from the placeholder size (a baked-in `x.shape[0]`, the `1/n` of a mean) shows the graph
 * depends on the size, and the tracer then traces that size concretely instead.
 */
export const SYMBOLIC_SIZE = 4099;
const PROBE_SIZE = 4111;

/** A symbolic tensor's data handle: which trace it belongs to and which graph value it is. */
export class SymbolicData {
  constructor(
    readonly trace: Trace,
    readonly valueId: number,
  ) {}
}

export interface TraceSettings {
  /** The traced function's name, for messages. */
  readonly functionName: string;
  /** Only a function's first trace may create variables (as in TensorFlow). */
  readonly allowVariableCreation: boolean;
  /** The trace this one records a subgraph for (a cond branch, a loop body); foreign tensors become captures. */
  readonly parent?: Trace;
  /** Evaluates a value of this trace right now (a new variable's initial value), with the call's real arguments. */
  readonly evaluateNow?: (trace: Trace, valueId: number) => Tensor;
  /**
   * Abstract evaluation (`evalShape`): the graph is never run, so outer tensors are not read into
   * constants and new variables stay symbolic (disposed with the trace).
   */
  readonly abstract?: boolean;
}

/**
 * The interpreter that records a graph: pushed on the engine's stack while a function runs with
 * symbolic tensors, it turns every op into a node instead of running it, and owns the symbolic
 * tensors' (non-existent) data.
 */
export class Trace implements Interpreter, DataOwner {
  readonly name = 'trace';
  readonly builder = new GraphBuilder();
  readonly settings: TraceSettings;
  /** Shapes as recorded, with {@link SYMBOLIC_SIZE} for symbolic dims, and the same under {@link PROBE_SIZE}. */
  private readonly recordedShapes = new Map<number, Shape>();
  private readonly probeShapes = new Map<number, Shape>();
  private readonly constants = new Map<Tensor, number>();
  /** The value each variable has at this point of the trace (its read, or its last assignment). */
  private readonly variableValues = new Map<Variable, number>();
  /** Variables assigned in this trace, in order of their first assignment. */
  readonly assignedVariables: Variable[] = [];
  /** For a subgraph: the parent's value ids its inputs stand for, in input order. */
  readonly captureParentIds: number[] = [];
  /** For a subgraph: the outer tensors its captures stand for, in input order. */
  readonly captureTensors: Tensor[] = [];
  private readonly captureIds = new Map<Tensor, number>();
  /**
   * Outer eager tensors whose values could not be read while tracing (a backend without synchronous
   * reads: WebGPU), captured by reference as TensorFlow captures: each is a graph input after the
   * arguments, and this list holds the graph's own reference to its storage (a clone sharing it, so
   * the user may dispose theirs). Whoever keeps the graph takes them over; {@link releaseCaptures}.
   */
  readonly capturedInputs: Tensor[] = [];
  readonly createdVariables: Variable[] = [];
  private readonly tensors: Tensor[] = [];
  private symbolicDims = false;
  /** Why the graph cannot serve every size of its symbolic dimensions, if it cannot. */
  sizeDependence?: string;

  constructor(settings: TraceSettings) {
    this.settings = settings;
  }

  /** Runs `fn` with this trace on top of the engine's stack. */
  record<T>(fn: () => T): T {
    engine.push(this);
    try {
      return fn();
    } finally {
      engine.pop(this);
    }
  }

  /** A graph input. `null` dims are symbolic. */
  placeholder(shape: readonly Dim[], dtype: DType): Tensor {
    const id = this.builder.addInput(shape, dtype);
    this.note(id, shape.map((d) => d ?? SYMBOLIC_SIZE), shape.map((d) => d ?? PROBE_SIZE));
    if (shape.includes(null)) this.symbolicDims = true;
    return this.tensorFor(id);
  }

  /** The symbolic tensor of a recorded value. */
  tensorFor(valueId: number): Tensor {
    const value = this.builder.value(valueId);
    const t = new Tensor({ shape: this.recordedShapes.get(valueId)!, dtype: value.dtype }, this, new SymbolicData(this, valueId));
    this.tensors.push(t);
    return t;
  }

  /** The graph value a tensor stands for in this trace: its own, a capture, a variable read or a constant. */
  valueOf(t: Tensor): number {
    const data = t.dataId;
    if (data instanceof SymbolicData && data.trace === this) {
      // A variable made during abstract evaluation: its initial value until it is assigned.
      if (t instanceof Variable) return this.variableValues.get(t) ?? data.valueId;
      return data.valueId;
    }
    if (t instanceof Variable) return this.readVariable(t);
    const parent = this.settings.parent;
    if (parent !== undefined) return this.capture(t);
    // Abstract evaluation inside a trace (a layer's output shape while a model is traced): an outer
    // symbolic tensor is only a shape here.
    if (data instanceof SymbolicData && this.settings.abstract === true) return this.constant(t);
    if (data instanceof SymbolicData) {
      throw new TraceError(
        `trace: a symbolic tensor of another trace (shape [${t.shape.join(',')}]) was used while tracing '${this.settings.functionName}'; ` +
          'tensors made inside a traced function cannot leave it: return them instead',
      );
    }
    return this.constant(t);
  }

  /** The value a tensor's graph value was recorded with (symbolic dims as {@link SYMBOLIC_SIZE}). */
  recordedShape(valueId: number): Shape {
    return this.recordedShapes.get(valueId)!;
  }

  /**
   * A reshape whose requested shape holds exactly one size derived from a symbolic dimension (the
   * `-1` the op function resolved) is recorded with that `-1` kept, resolved again on every run.
   */
  private symbolicReshape(input: number, shape: Shape): { shape: number[]; probe: number[] } | undefined {
    const derived = shape.map((d, i) => (isSizeMultiple(d) ? i : -1)).filter((i) => i >= 0);
    if (derived.length !== 1) return undefined;
    const known = shape.reduce((p, d, i) => (i === derived[0] ? p : p * d), 1);
    const probeSize = this.probeShapes.get(input)!.reduce((p, d) => p * d, 1);
    if (known === 0 || probeSize % known !== 0) return undefined;
    return {
      shape: shape.map((d, i) => (i === derived[0] ? -1 : d)),
      probe: shape.map((d, i) => (i === derived[0] ? probeSize / known : d)),
    };
  }

  // ---- the interpreter --------------------------------------------------------------------------

  runOp(op: OpDef, inputs: readonly Tensor[], attrs: object, outputs: readonly TensorInfo[], _lower: Lower): Tensor[] {
    const ids = inputs.map((t) => this.valueOf(t));
    let probes: readonly Shape[] = outputs.map((o) => o.shape);
    const symbolicReshape = this.symbolicDims && op.name === 'reshape' ? this.symbolicReshape(ids[0], (attrs as { shape: Shape }).shape) : undefined;
    if (symbolicReshape !== undefined) {
      const outIds = this.builder.addNode(op.name, op.kind, ids, outputs, { shape: symbolicReshape.shape });
      this.note(outIds[0], outputs[0].shape, symbolicReshape.probe);
      return outIds.map((id) => this.tensorFor(id));
    }
    if (this.symbolicDims) {
      if (ids.some((id) => this.probeShapes.get(id) !== this.recordedShapes.get(id))) {
        try {
          probes = op.infer(
            ids.map((id) => ({ shape: this.probeShapes.get(id)!, dtype: this.builder.value(id).dtype })),
            attrs,
          ).map((o) => o.shape);
        } catch (error) {
          this.markSizeDependent(`${op.name} accepts only the traced size (${(error as Error).message})`);
        }
      }
      if (mentionsSymbolicSize(attrs)) this.markSizeDependent(`${op.name}'s attributes hold a symbolic dimension's size`);
      const farIndex = farIntoSymbolicAxis(op.name, attrs, this.recordedShapes.get(ids[0]), this.probeShapes.get(ids[0]));
      if (farIndex !== undefined) {
        this.markSizeDependent(`${op.name} starts at index ${farIndex} of a symbolic dimension, an index only the traced size has (a loop over x.shape[0]?)`);
      }
      outputs.forEach((o, i) => {
        const fixed = o.shape.findIndex((d, k) => isSizeMultiple(d) && probes[i]?.[k] === d);
        if (fixed >= 0) {
          this.markSizeDependent(`${op.name} made a dimension of ${o.shape[fixed]} that does not follow the symbolic dimension (the JavaScript used its size, e.g. one op per row of x.shape[0])`);
        }
      });
    }
    const outIds = this.builder.addNode(op.name, op.kind, ids, outputs, { ...attrs });
    outIds.forEach((id, i) => this.note(id, outputs[i].shape, probes[i] ?? outputs[i].shape));
    return outIds.map((id) => this.tensorFor(id));
  }

  makeTensor(values: TypedArray, shape: Shape, dtype: DType): Tensor {
    if (this.symbolicDims && (mentionsSymbolicSize(shape) || (values.length <= 64 && mentionsSymbolicSize([...values])))) {
      this.markSizeDependent('a constant was computed from a symbolic dimension');
    }
    return this.tensorFor(this.addConstant(values.slice(), shape, dtype));
  }

  assign(variable: Variable, value: Tensor): void {
    const id = this.valueOf(value);
    this.variableValues.set(variable, id);
    if (!this.assignedVariables.includes(variable)) this.assignedVariables.push(variable);
    if (this.settings.parent === undefined) this.builder.addNode('assignVariable', 'effect', [id], [], { variable });
  }

  /** Records an assignment whose value the parent computes (a cond or loop output). */
  assignValue(variable: Variable, valueId: number): void {
    this.variableValues.set(variable, valueId);
    if (!this.assignedVariables.includes(variable)) this.assignedVariables.push(variable);
    if (this.settings.parent === undefined) this.builder.addNode('assignVariable', 'effect', [valueId], [], { variable });
  }

  /** The value `variable` has at the end of this trace, if it was read or assigned here. */
  currentVariableValue(variable: Variable): number | undefined {
    return this.variableValues.get(variable);
  }

  createVariable(initial: Tensor, name: string, trainable: boolean, lower: Lower): Variable {
    const fn = this.settings.functionName;
    if (this.settings.parent !== undefined) {
      throw new TraceError(`variable: '${name}' was created inside a cond branch or loop body of '${fn}'; create variables outside control flow`);
    }
    if (!this.settings.allowVariableCreation) {
      throw new TraceError(
        `variable: '${name}' was created while tracing '${fn}' again (for a new input signature); ` +
          "variables may be created only during a function's first trace: create them outside the function, or once (`v ??= variable(...)`)",
      );
    }
    if (this.settings.abstract === true) return this.symbolicVariable(initial, name, trainable);
    let concrete = initial;
    if (initial.dataId instanceof SymbolicData) {
      if (this.settings.evaluateNow === undefined) throw new TraceError(`variable: '${name}' cannot be initialized here`);
      concrete = this.settings.evaluateNow(this, this.valueOf(initial));
    }
    try {
      const created = lower.createVariable(concrete, name, trainable);
      this.createdVariables.push(created);
      return created;
    } finally {
      if (concrete !== initial) concrete.dispose();
    }
  }

  // ---- the data owner of symbolic tensors ---------------------------------------------------------

  assertReadable(what: string, tensor: TensorInfo): void {
    throw new TraceError(
      `${what}: the tensor (shape [${tensor.shape.join(',')}], ${tensor.dtype}) is symbolic while '${this.settings.functionName}' is being traced: ` +
        'it gets values only when the graph runs, so it cannot be read or compared in JavaScript. ' +
        'Branch with cond(pred, thenFn, elseFn), loop with whileLoop(condFn, bodyFn, loopVars), select elementwise with where(condition, a, b), ' +
        'or run the function eagerly while debugging with config.runFunctionsEagerly(true)',
    );
  }

  async read(): Promise<TypedArray> {
    return this.readSync();
  }

  readSync(): TypedArray {
    throw new TraceError(`read: symbolic tensors of '${this.settings.functionName}' have no values while it is traced`);
  }

  free(): void {
    // Graph values live as long as the graph; there is no storage to release.
  }

  /** Releases the references of {@link capturedInputs} (a trace whose graph is not kept). */
  releaseCaptures(): void {
    for (const t of this.capturedInputs) t.dispose();
    this.capturedInputs.length = 0;
  }

  /** Releases every symbolic tensor made during the trace (the graph keeps what it needs). */
  close(): void {
    for (const t of this.tensors) {
      t.dispose();
      while (t.isAlive) t.release();
    }
    this.tensors.length = 0;
  }

  /**
   * A variable that exists only in this trace: its value is the graph value of `initial`, it has no
   * storage, and `close` disposes it.
   */
  private symbolicVariable(initial: Tensor, name: string, trainable: boolean): Variable {
    const id = this.valueOf(initial);
    if (this.probeShapes.get(id) !== this.recordedShapes.get(id)) {
      this.markSizeDependent(`variable '${name}' has a shape that depends on a symbolic dimension`);
    }
    const created = new Variable({ shape: initial.shape, dtype: initial.dtype }, this, new SymbolicData(this, id), name, trainable);
    this.tensors.push(created);
    this.createdVariables.push(created);
    return created;
  }

  /**
   * The shape abstract evaluation reports for a value: `null` where the dimension follows a symbolic
   * input dimension. When a number derived from the placeholder size was baked in (see
   * {@link SYMBOLIC_SIZE}), a dimension that is a multiple of it is reported unknown as well.
   */
  abstractShape(valueId: number): Dim[] {
    return this.finalShape(valueId).map((d) => (d !== null && this.sizeDependence !== undefined && isSizeMultiple(d) ? null : d));
  }

  /** True when some dimension of some input is symbolic. */
  get hasSymbolicDims(): boolean {
    return this.symbolicDims;
  }

  /** The graph's shape of each value: a dimension is `null` where the probe inference moved it. */
  finalShape(valueId: number): Dim[] {
    const recorded = this.recordedShapes.get(valueId)!;
    const probe = this.probeShapes.get(valueId)!;
    return recorded.map((d, i) => (probe[i] !== d ? null : d));
  }

  // ---- internals ----------------------------------------------------------------------------------

  private note(id: number, recorded: Shape, probe: Shape): void {
    this.recordedShapes.set(id, recorded);
    this.probeShapes.set(id, probe.length === recorded.length && probe.every((d, i) => d === recorded[i]) ? recorded : probe);
  }

  /** Records a node whose output shapes the caller worked out (control flow). */
  recordNode(
    op: string,
    inputs: readonly number[],
    outputs: readonly { recorded: Shape; probe: Shape; dtype: DType }[],
    attrs: Record<string, unknown>,
  ): Tensor[] {
    const ids = this.builder.addNode(op, 'opaque', inputs, outputs.map((o) => ({ shape: o.recorded, dtype: o.dtype })), attrs);
    ids.forEach((id, i) => this.note(id, outputs[i].recorded, outputs[i].probe));
    return ids.map((id) => this.tensorFor(id));
  }

  /** The shape a value was recorded with under the probe size. */
  probeShape(valueId: number): Shape {
    return this.probeShapes.get(valueId)!;
  }

  markSizeDependent(reason: string): void {
    this.sizeDependence ??= reason;
  }

  private addConstant(value: TypedArray, shape: Shape, dtype: DType): number {
    const [id] = this.builder.addNode('constant', 'creation', [], [{ shape, dtype }], { value });
    this.note(id, shape, shape);
    return id;
  }

  private constant(t: Tensor): number {
    let id = this.constants.get(t);
    if (id === undefined && this.settings.abstract === true) {
      // The graph never runs: stand for the tensor by a value of its shape, without reading it.
      id = this.builder.addDetachedValue(t.shape, t.dtype);
      this.note(id, t.shape, t.shape);
      this.constants.set(t, id);
    }
    if (id === undefined) {
      id = readsSynchronously(t.owner as Backend) ? this.addConstant(t.owner.readSync(t.dataId), t.shape, t.dtype) : this.captureByReference(t);
      this.constants.set(t, id);
    }
    return id;
  }

  /**
   * An outer eager tensor as a graph input after the arguments (all placeholders are added before
   * the function runs, so inputs stay in that order), bound to a clone sharing its storage.
   */
  private captureByReference(t: Tensor): number {
    const backend = t.owner as Backend;
    const id = this.builder.addInput(t.shape, t.dtype);
    this.note(id, t.shape, t.shape);
    // Made while no op runs (so no trace sees it) and kept out of any enclosing tidy scope: it lives
    // as long as the concrete function.
    const clone = new Tensor({ shape: t.shape, dtype: t.dtype }, backend, backend.share(t.dataId));
    this.capturedInputs.push(engine.keep(clone));
    return id;
  }

  private readVariable(variable: Variable): number {
    let id = this.variableValues.get(variable);
    if (id !== undefined) return id;
    if (this.settings.parent !== undefined) {
      id = this.capture(variable);
    } else {
      [id] = this.builder.addNode('readVariable', 'effect', [], [{ shape: variable.shape, dtype: variable.dtype }], { variable });
      this.note(id, variable.shape, variable.shape);
    }
    this.variableValues.set(variable, id);
    return id;
  }

  /** Makes an outer tensor an input of this subgraph. */
  private capture(t: Tensor): number {
    let id = this.captureIds.get(t);
    if (id !== undefined) return id;
    const parent = this.settings.parent!;
    const parentId = parent.valueOf(t);
    // Two tensors may stand for one outer value (a variable and the value last assigned to it).
    const known = this.captureParentIds.indexOf(parentId);
    if (known >= 0) {
      id = this.builder.inputIds[this.builder.inputIds.length - this.captureParentIds.length + known];
      this.captureIds.set(t, id);
      return id;
    }
    id = this.builder.addInput(parent.builder.value(parentId).shape, t.dtype);
    this.note(id, parent.recordedShapes.get(parentId)!, parent.probeShapes.get(parentId)!);
    if (parent.symbolicDims) this.symbolicDims = true;
    this.captureIds.set(t, id);
    this.captureParentIds.push(parentId);
    this.captureTensors.push(t);
    return id;
  }
}

/**
 * A slice's start along a symbolic axis that lies in the far half of the placeholder size: only a
 * start derived from the size gets there (each row of a loop over `x.shape[0]`, the last row as
 * `x.shape[0] - 1`), and at run time it would point past a smaller batch.
 */
function farIntoSymbolicAxis(op: string, attrs: object, recorded: Shape | undefined, probe: Shape | undefined): number | undefined {
  if ((op !== 'slice' && op !== 'stridedSlice') || recorded === undefined || probe === undefined) return undefined;
  const begin = (attrs as { begin?: readonly number[] }).begin ?? [];
  for (let axis = 0; axis < begin.length; axis++) {
    const symbolic = recorded[axis] !== probe[axis];
    if (symbolic && begin[axis] >= SYMBOLIC_SIZE / 2 && begin[axis] < recorded[axis]) return begin[axis];
  }
  return undefined;
}

/** True when `value` holds a number that is a multiple of the symbolic placeholder size, or its reciprocal. */
function mentionsSymbolicSize(value: unknown, depth = 0): boolean {
  if (typeof value === 'number') return isSizeMultiple(value) || (value !== 0 && isSizeMultiple(1 / value));
  if (depth > 4 || value === null || typeof value !== 'object') return false;
  if (ArrayBuffer.isView(value)) return false;
  if (Array.isArray(value)) return value.some((v) => mentionsSymbolicSize(v, depth + 1));
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value).some((v) => mentionsSymbolicSize(v, depth + 1));
}

function isSizeMultiple(x: number): boolean {
  if (!Number.isFinite(x) || Math.abs(x) < SYMBOLIC_SIZE * 0.999) return false;
  const ratio = Math.abs(x) / SYMBOLIC_SIZE;
  return Math.abs(ratio - Math.round(ratio)) < 1e-4 * ratio;
}

/** The innermost trace on the engine's stack, if a function is being traced. */
export function activeTrace(): Trace | undefined {
  const stack = engine.interpreters();
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i] instanceof Trace) return stack[i] as Trace;
  return undefined;
}
