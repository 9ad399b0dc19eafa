import type { DType, Tensor, Variable } from '@tessera/core';
import { ArgumentError, DTYPES, Tensor as TensorClass, TraceError } from '@tessera/core';
import type { Dim } from './graph-builder.js';
import { fillTemplate, makeTemplate, tensorsIn } from './structure.js';
import { SymbolicData, Trace } from './trace-context.js';

/** A tensor described by its shape and dtype alone; `null` dimensions are unknown. */
export interface ShapeSpec {
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

/**
 * What `evalShape` gives back for a result: the same tree with every tensor replaced by its spec
 * (typed to a depth of eight; deeper or recursive trees are `unknown` below that).
 */
export type EvalShapeResult<R, Depth extends unknown[] = []> = Depth['length'] extends 8
  ? unknown
  : R extends Tensor
    ? ShapeSpec
    : R extends readonly unknown[]
      ? { [K in keyof R]: EvalShapeResult<R[K], [...Depth, unknown]> }
      : R extends Record<string, unknown>
        ? { [K in keyof R]: EvalShapeResult<R[K], [...Depth, unknown]> }
        : R;

/** An argument of `fn` as `evalShape` takes it: specs where `fn` expects tensors. */
export type SpecArgs<A extends unknown[]> = { [K in keyof A]: SpecArg<A[K]> };
type SpecArg<T, Depth extends unknown[] = []> = Depth['length'] extends 8
  ? T
  : T extends Variable
    ? T
    : T extends Tensor
      ? { readonly shape: readonly Dim[]; readonly dtype?: DType } | T
      : T extends (...args: never[]) => unknown
        ? T
        : T extends object
          ? { [K in keyof T]: SpecArg<T[K], [...Depth, unknown]> }
          : T;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype;
}

/** A spec leaf: a plain object with a `shape` (a `{ shape, dtype }` as `trace`'s inputSignature takes). */
function isSpec(value: unknown): value is { shape: unknown; dtype?: unknown } {
  return isPlainObject(value) && 'shape' in value;
}

function checkSpec(fnName: string, path: string, spec: { shape: unknown; dtype?: unknown }): ShapeSpec {
  if (!Array.isArray(spec.shape)) {
    throw new ArgumentError(`evalShape(${fnName}): ${path}.shape must be an array of dimensions, got ${JSON.stringify(spec.shape) ?? String(spec.shape)}`);
  }
  const shape = spec.shape as unknown[];
  const bad = shape.findIndex((d) => d !== null && !(Number.isInteger(d) && (d as number) >= 0));
  if (bad >= 0) {
    throw new ArgumentError(
      `evalShape(${fnName}): ${path}.shape must hold non-negative integers or null, got ${JSON.stringify(shape[bad]) ?? String(shape[bad])} at dimension ${bad}`,
    );
  }
  const dtype = (spec.dtype ?? 'float32') as DType;
  if (!DTYPES.includes(dtype)) {
    throw new ArgumentError(`evalShape(${fnName}): ${path}.dtype must be one of ${DTYPES.map((d) => `'${d}'`).join(', ')}, got ${JSON.stringify(dtype)}`);
  }
  return { shape: shape as Dim[], dtype };
}

/**
 * The shapes and dtypes `fn` would return for inputs of the given specs, worked out without computing
 * anything: `fn` runs once under the tracer's interpreter with symbolic tensors, so no kernel runs and
 * no value is read. Each `{ shape, dtype }` in `args` (at any depth of arrays and plain objects)
 * becomes a symbolic tensor; `null` dimensions are unknown, and an output dimension that depends on
 * one is `null` too. Tensors and other values in `args` are passed on as they are.
 *
 * Nothing is left behind: the recorded graph is discarded, assignments to variables are not
 * performed, and variables `fn` creates are symbolic and disposed when it returns. As under `trace`,
 * `fn` cannot read tensor values, and JavaScript that branches on the size of a `null` dimension sees
 * a placeholder size. Corresponds to `jax.eval_shape` (and Keras's `compute_output_spec`).
 *
 * @example
 * evalShape((x: Tensor, w: Tensor) => x.matMul(w).relu(), { shape: [null, 784] }, { shape: [784, 10] });
 * // { shape: [null, 10], dtype: 'float32' }
 */
export function evalShape<A extends unknown[], R>(fn: (...args: A) => R, ...args: SpecArgs<A>): EvalShapeResult<R> {
  if (typeof fn !== 'function') throw new ArgumentError(`evalShape: expected a function, got ${fn === null ? 'null' : typeof fn}`);
  const name = fn.name || 'anonymous';
  const t = new Trace({ functionName: name, allowVariableCreation: true, abstract: true });
  try {
    const visit = (value: unknown, path: string): unknown => {
      if (value instanceof TensorClass) return value;
      if (isSpec(value)) {
        const spec = checkSpec(name, path, value);
        return t.placeholder(spec.shape, spec.dtype);
      }
      if (Array.isArray(value)) {
        const items = value.map((v, i) => visit(v, `${path}[${i}]`));
        return items.some((v, i) => v !== value[i]) ? items : value;
      }
      if (isPlainObject(value)) {
        const entries = Object.entries(value).map(([k, v]) => [k, visit(v, `${path}.${k}`)] as const);
        return entries.some(([k, v]) => v !== value[k]) ? Object.fromEntries(entries) : value;
      }
      return value;
    };
    const symbolicArgs = (args as unknown[]).map((a, i) => visit(a, `args[${i}]`)) as A;
    const result = t.record(() => fn(...symbolicArgs));
    if (result instanceof Promise) throw new TraceError(`evalShape: '${name}' returned a Promise; the function must be synchronous`);
    const specs = tensorsIn(result).map((out): ShapeSpec => {
      const data = out.dataId;
      if (data instanceof SymbolicData && data.trace === t) return { shape: t.abstractShape(data.valueId), dtype: out.dtype };
      return { shape: [...out.shape], dtype: out.dtype };
    });
    return fillTemplate(makeTemplate(result), specs) as EvalShapeResult<R>;
  } finally {
    t.close();
  }
}
