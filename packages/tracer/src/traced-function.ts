import type { DType, Graph, KernelInput, Tensor } from '@tessera/core';
import { ArgumentError, GradientTape, Tensor as TensorClass, TraceError, engine } from '@tessera/core';
import { ConcreteFunction } from './concrete-function.js';
import type { InputSpec } from './concrete-function.js';
import { config } from './config.js';
import { GraphExecutor, sliceGraph } from './executor.js';
import type { Dim } from './graph-builder.js';
import { optimizeGraph } from './pipeline.js';
import type { OptimizeOptions } from './passes/index.js';
import type { Flattened } from './structure.js';
import { flatten, formatDims, makeTemplate, shapeFits, substitute, tensorsIn } from './structure.js';
import { Trace, activeTrace } from './trace-context.js';

/** A traced input's expected dtype and shape; `null` dimensions accept any size. `tf.TensorSpec`. */
export interface TensorSpec {
  readonly shape: readonly (number | null)[];
  readonly dtype?: DType;
}

export interface TraceOptions {
  /** Shown in graphs, warnings and errors (default: the function's name). */
  name?: string;
  /**
   * Fixes the traced signature up front (one spec per tensor argument, nested like the arguments):
   * the function traces once, and a call that does not fit is an error. `input_signature`.
   */
  inputSignature?: readonly unknown[];
  /** After a second distinct size in a dimension, trace that dimension as symbolic. Default true. */
  reduceRetracing?: boolean;
  /** Run the optimization passes on each traced graph (default true), or choose which. */
  optimize?: boolean | OptimizeOptions;
}

/** A function traced into graphs; call it like the original. TensorFlow's `tf.function` result. */
export interface TracedFunction<A extends unknown[], R> {
  (...args: A): R;
  /** How many times the JavaScript function ran to record a graph. */
  readonly traceCount: number;
  /** One per traced signature. */
  readonly concreteFunctions: readonly ConcreteFunction[];
  /** The concrete function these arguments run (tracing it if needed). */
  graphFor(...args: A): ConcreteFunction;
  /**
   * Traces for these arguments if needed and builds, without running the graph, what its first call
   * on the active backend would otherwise build on the spot: on WebGPU, every compute pipeline,
   * created asynchronously. Await it before a latency-sensitive first call (a page's first frame).
   */
  warmup(...args: A): Promise<ConcreteFunction>;
  /**
   * Releases every concrete function's compiled state (uploaded constants) and the tensors its
   * graphs captured by reference; a signature whose graph captured one cannot run afterwards.
   */
  dispose(): void;
}

/** Traces after which repeated retracing is worth a warning. */
const RETRACE_WARNING_THRESHOLD = 5;

interface CacheEntry {
  readonly structureKey: string;
  readonly spec: readonly (readonly Dim[])[];
  readonly concrete: ConcreteFunction;
}

function isTensorSpec(value: unknown): value is TensorSpec {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Array.isArray((value as TensorSpec).shape);
}

function flattenSignature(signature: readonly unknown[]): TensorSpec[] {
  const specs: TensorSpec[] = [];
  const visit = (v: unknown): void => {
    if (isTensorSpec(v)) specs.push(v);
    else if (Array.isArray(v)) v.forEach(visit);
    else if (typeof v === 'object' && v !== null) Object.keys(v).sort().forEach((k) => visit((v as Record<string, unknown>)[k]));
  };
  visit(signature);
  return specs;
}

function recordingTape(): boolean {
  return engine.interpreters().some((i) => i instanceof GradientTape && i.isRecording);
}

/**
 * Turns `fn` into a function that records a graph on its first call for each input signature
 * (argument structure, tensor shapes and dtypes, static values) and runs the optimized graph on
 * later calls. JavaScript side effects in `fn` happen once per trace. Corresponds to
 * `tf.function` (and `jax.jit`).
 *
 * @example
 * const f = trace((x: Tensor) => x.mul(2).add(1));
 * f(tensor([1, 2])); // traces, then runs the graph: [3, 5]
 * f(tensor([3, 4])); // runs the same graph: f.traceCount === 1
 */
export function trace<A extends unknown[], R>(fn: (...args: A) => R, options: TraceOptions = {}): TracedFunction<A, R> {
  if (typeof fn !== 'function') throw new ArgumentError(`trace: expected a function, got ${typeof fn}`);
  const name = options.name ?? (fn.name || 'anonymous');
  const reduceRetracing = options.reduceRetracing ?? true;
  const signature = options.inputSignature === undefined ? undefined : flattenSignature(options.inputSignature);
  const entries: CacheEntry[] = [];
  const sizeDependent = new Set<string>();
  let traceCount = 0;
  let warned = false;
  let previous: Flattened | undefined;
  let sizeDependenceReason = '';

  const describeChange = (before: Flattened | undefined, after: Flattened): string => {
    if (before === undefined) return 'its arguments changed';
    for (const [path, value] of after.statics) {
      const old = before.statics.get(path);
      if (old !== undefined && old !== value) return `argument ${path} changed from ${old} to ${value}`;
    }
    for (const leaf of after.leaves) {
      const old = before.leaves.find((l) => l.path === leaf.path);
      if (old !== undefined && (old.dtype !== leaf.dtype || formatDims(old.shape) !== formatDims(leaf.shape))) {
        return `argument ${leaf.path} changed from ${old.dtype}${formatDims(old.shape)} to ${leaf.dtype}${formatDims(leaf.shape)}`;
      }
    }
    return 'the structure of its arguments changed';
  };

  const evaluateNow = (actual: readonly Tensor[]) => (t: Trace, valueId: number): Tensor => {
    const graph: Graph = sliceGraph(t.builder.build([valueId]), [valueId]);
    const backend = engine.backend;
    const executor = new GraphExecutor(graph, backend);
    try {
      const inputs = [...actual, ...t.capturedInputs].map((x): KernelInput => ({ id: x.dataId, shape: x.shape, dtype: x.dtype }));
      const [out] = executor.run(inputs);
      return new TensorClass({ shape: out.shape, dtype: out.dtype }, backend, out.id);
    } finally {
      executor.dispose();
    }
  };

  /** Records one graph; `undefined` when a symbolic trace turned out to depend on a symbolic size. */
  const traceWith = (args: A, flat: Flattened, spec: readonly (readonly Dim[])[]): ConcreteFunction | undefined => {
    // Until a trace succeeds, each attempt counts as the first (a first trace that threw may be retried).
    const firstTrace = entries.length === 0;
    traceCount++;
    const t = new Trace({ functionName: name, allowVariableCreation: firstTrace, evaluateNow: evaluateNow(flat.tensors) });
    let outputIds: number[];
    let template: unknown;
    try {
      const placeholders = spec.map((dims, i) => t.placeholder(dims, flat.leaves[i].dtype));
      const result = t.record(() => fn(...(substitute(args, placeholders) as A)));
      if (result instanceof Promise) {
        throw new TraceError(`trace: '${name}' returned a Promise; traced functions must be synchronous`);
      }
      outputIds = tensorsIn(result).map((x) => t.valueOf(x));
      template = makeTemplate(result);
    } catch (error) {
      t.releaseCaptures();
      throw error;
    } finally {
      t.close();
    }
    if (t.sizeDependence !== undefined && spec.some((dims) => dims.includes(null))) {
      sizeDependenceReason = t.sizeDependence;
      t.releaseCaptures();
      return undefined;
    }
    try {
      t.builder.reshapeValues((v) => t.finalShape(v.id));
      const graph = t.builder.build(outputIds);
      const { graph: optimized, schedule } = optimizeGraph(graph, options.optimize ?? true);
      const inputSpec: InputSpec[] = flat.leaves.map((leaf, i) => ({ path: leaf.path, dtype: leaf.dtype, shape: spec[i] }));
      return new ConcreteFunction(name, inputSpec, graph, optimized, template, t.createdVariables, schedule, t.capturedInputs);
    } catch (error) {
      t.releaseCaptures();
      throw error;
    }
  };

  const concreteFor = (args: A, flat: Flattened): ConcreteFunction => {
    let best: CacheEntry | undefined;
    for (const entry of entries) {
      if (entry.structureKey !== flat.structureKey) continue;
      if (!entry.spec.every((dims, i) => shapeFits(dims, flat.leaves[i].shape))) continue;
      const nulls = entry.spec.reduce((n, dims) => n + dims.filter((d) => d === null).length, 0);
      const bestNulls = best?.spec.reduce((n, dims) => n + dims.filter((d) => d === null).length, 0) ?? Infinity;
      if (nulls < bestNulls) best = entry;
    }
    if (best !== undefined) return best.concrete;

    let spec: (readonly Dim[])[];
    if (signature !== undefined) {
      if (signature.length !== flat.leaves.length) {
        throw new ArgumentError(`${name}: the inputSignature has ${signature.length} tensor specs but the call passes ${flat.leaves.length} tensors`);
      }
      flat.leaves.forEach((leaf, i) => {
        const expected = signature[i];
        if ((expected.dtype !== undefined && expected.dtype !== leaf.dtype) || !shapeFits(expected.shape, leaf.shape)) {
          throw new ArgumentError(
            `${name}: ${leaf.path} must be ${expected.dtype ?? leaf.dtype}${formatDims(expected.shape)} (inputSignature), got ${leaf.dtype}${formatDims(leaf.shape)}`,
          );
        }
      });
      if (entries.some((e) => e.structureKey !== flat.structureKey)) {
        throw new ArgumentError(`${name}: with an inputSignature the non-tensor arguments cannot change (${describeChange(previous, flat)})`);
      }
      spec = sizeDependent.has(flat.structureKey) ? flat.leaves.map((leaf) => [...leaf.shape]) : signature.map((s) => [...s.shape]);
    } else {
      const last = [...entries].reverse().find((e) => e.structureKey === flat.structureKey);
      const relax = reduceRetracing && last !== undefined && !sizeDependent.has(flat.structureKey);
      spec = flat.leaves.map((leaf, i) => (relax ? leaf.shape.map((d, k) => (last!.spec[i][k] === d ? d : null)) : [...leaf.shape]));
    }
    let concrete = traceWith(args, flat, spec);
    if (concrete === undefined) {
      // The graph depends on a symbolic size (a baked-in x.shape[0], a mean's 1/n): trace this size as it is.
      sizeDependent.add(flat.structureKey);
      if (signature !== undefined) {
        console.warn(
          `trace: '${name}' depends on the size of a dimension its inputSignature leaves open (${sizeDependenceReason}); ` +
            'it is traced once per size instead',
        );
      }
      spec = flat.leaves.map((leaf) => [...leaf.shape]);
      concrete = traceWith(args, flat, spec)!;
    }
    entries.push({ structureKey: flat.structureKey, spec, concrete });
    if (traceCount >= RETRACE_WARNING_THRESHOLD && !warned) {
      warned = true;
      console.warn(
        `trace: '${name}' was traced ${traceCount} times; the last retrace happened because ${describeChange(previous, flat)}. ` +
          'Each trace runs the JavaScript again and builds a new graph: pass values that change as tensors, ' +
          'or give an inputSignature with null dimensions',
      );
    }
    previous = flat;
    return concrete;
  };

  const traced = ((...args: A): R => {
    if (config.functionsRunEagerly() || activeTrace() !== undefined) return fn(...args);
    const flat = flatten(args);
    const concrete = concreteFor(args, flat);
    if (recordingTape()) return concrete.replay(flat.tensors) as R;
    return concrete.call(flat.tensors) as R;
  }) as TracedFunction<A, R>;

  Object.defineProperties(traced, {
    traceCount: { get: () => traceCount },
    concreteFunctions: { get: () => entries.map((e) => e.concrete) },
    name: { value: name },
  });
  traced.graphFor = (...args: A) => concreteFor(args, flatten(args));
  traced.warmup = async (...args: A) => {
    const flat = flatten(args);
    const concrete = concreteFor(args, flat);
    if (!config.functionsRunEagerly()) await concrete.prepare(flat.tensors);
    return concrete;
  };
  traced.dispose = () => entries.forEach((e) => e.concrete.dispose());
  return traced;
}
