import type { Backend, Graph, Tensor, Variable } from '@tessera/core';
import { readsSynchronously } from './backend-reads.js';
import { ArgumentError, BackendError, DTypeError, GradientTape, ShapeError, Tensor as TensorClass, TraceError, add, engine, logicalAnd, mul, sum, where, zeros } from '@tessera/core';
import type { Dim } from './graph-builder.js';
import { flatten, fillTemplate, formatDims, makeTemplate, tensorsIn } from './structure.js';
import { SymbolicData, Trace, activeTrace } from './trace-context.js';

/** The branches' (or loop body's) results as recorded in a subgraph. */
interface Recorded {
  readonly trace: Trace;
  /** The returned tree with its tensors taken out. */
  readonly result: unknown;
  /** The returned tree as the function gave it (symbolic tensors, for structure checks). */
  readonly resultTree: unknown;
  readonly outputIds: number[];
}

function isSymbolic(t: unknown): t is Tensor {
  return t instanceof TensorClass && t.dataId instanceof SymbolicData;
}

function readPredicate(what: string, pred: Tensor | boolean): boolean {
  if (typeof pred === 'boolean') return pred;
  if (!(pred instanceof TensorClass)) throw new ArgumentError(`${what}: the predicate must be a bool tensor or a boolean, got ${typeof pred}`);
  if (pred.dtype !== 'bool') throw new DTypeError(`${what}: the predicate must be bool, got ${pred.dtype}; compare first, e.g. x.sum().greater(0)`);
  if (pred.size !== 1) throw new ShapeError(`${what}: the predicate must have one element, got shape [${pred.shape.join(',')}]`);
  if (!pred.isDisposed && !readsSynchronously(pred.owner as Backend)) {
    const inside =
      what === 'cond'
        ? 'inside a traced function (trace(fn)) cond runs both branches on the device and picks with where'
        : 'give whileLoop a maximumIterations: it then runs that many rounds on the device, each one after the condition turns false leaving the loop variables as they are';
    throw new BackendError(
      `${what}: eagerly on backend '${pred.owner.name}' the predicate cannot be read without waiting for the device; ` +
        `read it first and branch in JavaScript (\`if ((await pred.data())[0]) ...\`), or ${inside}`,
    );
  }
  return pred.dataSync()[0] !== 0;
}

function describeTree(value: unknown): string {
  const flat = flatten([value]);
  const leaves = flat.leaves.map((l) => `${l.path.replace(/^args\[0\]/, 'result')}: ${l.dtype}${formatDims(l.shape)}`);
  return leaves.length > 0 ? `${leaves.join(', ')} (structure ${flat.structureKey})` : `no tensors (structure ${flat.structureKey})`;
}

/** Runs `fn` in a subgraph of `parent`, recording its tensor results (and the variables it assigns). */
function recordSubgraph(parent: Trace, label: string, fn: () => unknown, placeholders?: (t: Trace) => void): Recorded {
  const sub = new Trace({ functionName: `${parent.settings.functionName}/${label}`, allowVariableCreation: false, parent });
  try {
    placeholders?.(sub);
    const result = sub.record(fn);
    const outputIds = tensorsIn(result).map((t) => sub.valueOf(t));
    return { trace: sub, result: makeTemplate(result), outputIds, resultTree: result };
  } finally {
    sub.close();
    if (sub.sizeDependence !== undefined) parent.markSizeDependent(sub.sizeDependence);
  }
}

/** Builds sibling subgraphs that share one input list: `leading` inputs first, then every capture of any of them. */
function buildAligned(parent: Trace, subs: readonly Recorded[], leading: number): { graphs: Graph[]; captureIds: number[]; captureTensors: Tensor[] } {
  const captureIds: number[] = [];
  const captureTensors: Tensor[] = [];
  for (const sub of subs) {
    sub.trace.captureParentIds.forEach((pid, i) => {
      if (!captureIds.includes(pid)) {
        captureIds.push(pid);
        captureTensors.push(sub.trace.captureTensors[i]);
      }
    });
  }
  const graphs = subs.map((sub) => {
    const t = sub.trace;
    const own = t.builder.inputIds;
    const byParent = new Map(t.captureParentIds.map((pid, i) => [pid, own[leading + i]]));
    t.builder.reshapeValues((v) => t.finalShape(v.id));
    const inputs = [
      ...own.slice(0, leading),
      ...captureIds.map((pid) => byParent.get(pid) ?? t.builder.addDetachedValue(parent.finalShape(pid), parent.builder.value(pid).dtype)),
    ];
    return t.builder.build(sub.outputIds, inputs);
  });
  return { graphs, captureIds, captureTensors };
}

function outputShapes(sub: Recorded): { recorded: readonly number[]; probe: readonly number[]; final: Dim[]; dtype: Tensor['dtype'] }[] {
  return sub.outputIds.map((id) => ({
    recorded: sub.trace.recordedShape(id),
    probe: sub.trace.probeShape(id),
    final: sub.trace.finalShape(id),
    dtype: sub.trace.builder.value(id).dtype,
  }));
}

function checkSameOutputs(what: string, names: [string, string], a: Recorded, b: Recorded): void {
  const keyA = flatten([a.resultTree]).structureKey;
  const keyB = flatten([b.resultTree]).structureKey;
  if (keyA !== keyB) {
    throw new ArgumentError(`${what}: ${names[0]} and ${names[1]} must return the same structure and dtypes: ${names[0]} gave ${describeTree(a.resultTree)}, ${names[1]} gave ${describeTree(b.resultTree)}`);
  }
  const sa = outputShapes(a);
  const sb = outputShapes(b);
  sa.forEach((o, i) => {
    if (formatDims(o.final) !== formatDims(sb[i].final)) {
      throw new ShapeError(`${what}: output ${i} has shape ${formatDims(o.final)} in ${names[0]} but ${formatDims(sb[i].final)} in ${names[1]}`);
    }
  });
}

/**
 * Runs `thenFn` when `pred` is true, else `elseFn`. Eagerly it is a plain JavaScript `if`; inside a
 * traced function, with a symbolic predicate, both branches are traced into subgraphs of one `cond`
 * node, and the branch that runs is chosen per call. Both must return the same structure, dtypes and
 * shapes. Gradients flow through the branch taken. Corresponds to `tf.cond` / `jax.lax.cond`.
 *
 * @example cond(x.sum().greater(0), () => x.mul(2), () => x.neg())
 */
export function cond<R>(pred: Tensor | boolean, thenFn: () => R, elseFn: () => R): R {
  if (typeof thenFn !== 'function' || typeof elseFn !== 'function') {
    throw new ArgumentError('cond: thenFn and elseFn must be functions');
  }
  const parent = activeTrace();
  if (parent === undefined || !isSymbolic(pred)) return readPredicate('cond', pred) ? thenFn() : elseFn();
  if (pred.dtype !== 'bool') throw new DTypeError(`cond: the predicate must be bool, got ${pred.dtype}; compare first, e.g. x.sum().greater(0)`);
  if (pred.size !== 1) throw new ShapeError(`cond: the predicate must have one element, got shape [${pred.shape.join(',')}]`);
  const predId = parent.valueOf(pred);

  const thenRec = recordSubgraph(parent, 'cond.then', thenFn);
  const elseRec = recordSubgraph(parent, 'cond.else', elseFn);
  checkSameOutputs('cond', ['thenFn', 'elseFn'], thenRec, elseRec);

  // A variable assigned in either branch becomes one more output of both (the other passes its value through).
  const assigned: Variable[] = [];
  for (const rec of [thenRec, elseRec]) for (const v of rec.trace.assignedVariables) if (!assigned.includes(v)) assigned.push(v);
  for (const v of assigned) {
    for (const rec of [thenRec, elseRec]) rec.outputIds.push(rec.trace.currentVariableValue(v) ?? rec.trace.valueOf(v));
  }
  const { graphs, captureIds, captureTensors } = buildAligned(parent, [thenRec, elseRec], 0);
  const outs = outputShapes(thenRec);
  const results = parent.recordNode('cond', [predId, ...captureIds], outs, { thenBranch: graphs[0], elseBranch: graphs[1] });
  const numResults = results.length - assigned.length;
  assigned.forEach((v, i) => parent.assignValue(v, parent.valueOf(results[numResults + i])));
  const tensorResults = results.slice(0, numResults);

  recordCondGradient(pred, captureTensors, tensorResults, thenFn, elseFn);
  return fillTemplate(thenRec.result, tensorResults) as R;
}

/**
 * Lets recording gradient tapes differentiate through a traced cond: the gradient is itself a cond
 * whose branches differentiate the matching forward branch (recomputing it).
 */
function recordCondGradient(pred: Tensor, captures: readonly Tensor[], outputs: readonly Tensor[], thenFn: () => unknown, elseFn: () => unknown): void {
  const tapes = engine.interpreters().filter((i): i is GradientTape => i instanceof GradientTape && i.isRecording);
  if (tapes.length === 0 || outputs.length === 0) return;
  const sources = captures.filter((t) => t.dtype === 'float32');
  const branchGradient = (fn: () => unknown, dys: readonly Tensor[]) => (): Tensor[] => {
    const tape = new GradientTape();
    try {
      // The target (the outputs weighted by their incoming gradients) is recorded too, so it connects to the sources.
      const target = tape.record(() => {
        tape.watch(...sources);
        let weighted: Tensor = zeros([]);
        tensorsIn(fn()).forEach((o, i) => {
          if (o.dtype === 'float32') weighted = add(weighted, sum(mul(o, dys[i])));
        });
        return weighted;
      });
      return tape.gradient(target, sources, { unconnected: 'zero' }) as Tensor[];
    } finally {
      tape.dispose();
    }
  };
  for (const tape of tapes) {
    tape.recordCustom([pred, ...sources], [...outputs], (dys) => {
      const grads = cond(pred, branchGradient(thenFn, dys), branchGradient(elseFn, dys));
      return [null, ...grads];
    });
  }
}

export interface WhileLoopOptions {
  /**
   * Stop after this many iterations even if `condFn` is still true (`tf.while_loop`'s
   * `maximum_iterations`). On a backend that cannot read the condition without waiting (WebGPU) it
   * is what lets the loop run at all: the body then runs this many times on the device and each
   * iteration after the condition first turns false keeps the loop variables as they were, so the
   * results are those of the loop as written; keep `bodyFn` free of side effects there.
   */
  maximumIterations?: number;
}

/**
 * Repeats `bodyFn` while `condFn` is true, threading the loop variables through. Eagerly a
 * JavaScript loop; inside a traced function, one `while` node with the condition and body as
 * subgraphs, so the number of iterations can depend on tensor values. The body must return loop
 * variables of the same dtypes and shapes. Corresponds to `tf.while_loop` / `jax.lax.while_loop`.
 *
 * @example whileLoop((i, x) => i.less(10), (i, x) => [i.add(1), x.mul(2)], [scalar(0, 'int32'), x])
 */
export function whileLoop(
  condFn: (...vars: Tensor[]) => Tensor | boolean,
  bodyFn: (...vars: Tensor[]) => Tensor[],
  loopVars: readonly Tensor[],
  options: WhileLoopOptions = {},
): Tensor[] {
  if (typeof condFn !== 'function' || typeof bodyFn !== 'function') throw new ArgumentError('whileLoop: condFn and bodyFn must be functions');
  const maximumIterations = options.maximumIterations;
  if (maximumIterations !== undefined && !(Number.isInteger(maximumIterations) && maximumIterations >= 0)) {
    throw new ArgumentError(`whileLoop: maximumIterations must be a non-negative integer, got ${String(maximumIterations)}`);
  }
  if (!Array.isArray(loopVars) || loopVars.some((v) => !(v instanceof TensorClass))) {
    throw new ArgumentError('whileLoop: loopVars must be an array of tensors');
  }
  const checkBody = (next: unknown, shapeOf: (i: number) => string): Tensor[] => {
    if (!Array.isArray(next) || next.length !== loopVars.length || next.some((v) => !(v instanceof TensorClass))) {
      throw new ArgumentError(`whileLoop: bodyFn must return an array of ${loopVars.length} tensors (one per loop variable), got ${describeTree(next)}`);
    }
    next.forEach((v: Tensor, i) => {
      if (v.dtype !== loopVars[i].dtype) throw new DTypeError(`whileLoop: loop variable ${i} is ${loopVars[i].dtype} but bodyFn returned ${v.dtype}`);
      const expected = shapeOf(i);
      const given = shapeOf(-1 - i);
      if (expected !== given) throw new ShapeError(`whileLoop: loop variable ${i} has shape ${expected} but bodyFn returned ${given}`);
    });
    return next;
  };
  const parent = activeTrace();
  if (parent === undefined) {
    if (maximumIterations !== undefined && loopVars.length > 0 && !readsSynchronously(loopVars[0].owner as Backend)) {
      return maskedWhile(condFn, bodyFn, loopVars, checkBody, maximumIterations);
    }
    return eagerWhile(condFn, bodyFn, loopVars, checkBody, maximumIterations ?? Infinity);
  }

  if (engine.interpreters().some((i) => i instanceof GradientTape && i.isRecording)) {
    throw new TraceError('whileLoop: gradients through a traced whileLoop are not supported; compute the loop outside the GradientTape or use a JavaScript loop over a static count (it unrolls)');
  }
  const loopIds = loopVars.map((v) => parent.valueOf(v));
  const placeholdersFor = (t: Trace): Tensor[] => loopIds.map((id) => t.placeholder(parent.finalShape(id), parent.builder.value(id).dtype));
  const condTrace = recordWith(parent, 'while.condition', placeholdersFor, (vars) => {
    return conditionTensor(condFn(...vars));
  });
  const bodyTrace = recordWith(parent, 'while.body', placeholdersFor, (vars) => bodyFn(...vars));
  const bodyShapes = outputShapes(bodyTrace);
  checkBody(bodyTrace.resultTree, (i) => (i >= 0 ? formatDims(parent.finalShape(loopIds[i])) : formatDims(bodyShapes[-1 - i].final)));
  for (const rec of [condTrace, bodyTrace]) {
    if (rec.trace.assignedVariables.length > 0) {
      throw new TraceError(`whileLoop: assigning variable '${rec.trace.assignedVariables[0].name}' inside a traced loop is not supported; return the value as a loop variable and assign after the loop`);
    }
  }
  const { graphs, captureIds } = buildAligned(parent, [condTrace, bodyTrace], loopVars.length);
  const outs = loopIds.map((id) => ({ recorded: parent.recordedShape(id), probe: parent.probeShape(id), dtype: parent.builder.value(id).dtype }));
  return parent.recordNode('while', [...loopIds, ...captureIds], outs, {
    condition: graphs[0],
    body: graphs[1],
    numLoopVars: loopVars.length,
    ...(maximumIterations !== undefined ? { maximumIterations } : {}),
  });
}

/** `condFn`'s result where it must be a tensor (traced, or masked on the device): one bool element. */
function conditionTensor(c: unknown): Tensor {
  if (!(c instanceof TensorClass) || c.dtype !== 'bool' || c.size !== 1) {
    throw new ArgumentError(`whileLoop: condFn must return a one-element bool tensor, got ${c instanceof TensorClass ? `${c.dtype}[${c.shape.join(',')}]` : typeof c}`);
  }
  return c;
}

function recordWith(
  parent: Trace,
  label: string,
  placeholders: (t: Trace) => Tensor[],
  fn: (vars: Tensor[]) => unknown,
): Recorded {
  let vars: Tensor[] = [];
  return recordSubgraph(parent, label, () => fn(vars), (t) => {
    vars = placeholders(t);
  });
}

function eagerWhile(
  condFn: (...vars: Tensor[]) => Tensor | boolean,
  bodyFn: (...vars: Tensor[]) => Tensor[],
  loopVars: readonly Tensor[],
  checkBody: (next: unknown, shapeOf: (i: number) => string) => Tensor[],
  maximumIterations: number,
): Tensor[] {
  let vars = [...loopVars];
  const initial = new Set(loopVars);
  for (let iteration = 0; iteration < maximumIterations; iteration++) {
    const go = engine.tidy(() => {
      const c = condFn(...vars);
      return readPredicate('whileLoop', c);
    });
    if (!go) break;
    const next = engine.tidy(() => bodyFn(...vars));
    checkBody(next, (i) => formatDims(i >= 0 ? loopVars[i].shape : next[-1 - i].shape));
    const kept = new Set(next);
    for (const v of vars) if (!initial.has(v) && !kept.has(v)) v.dispose();
    vars = next;
  }
  // Results are always fresh tensors, never the caller's own loopVars.
  return vars.map((v) => (initial.has(v) ? v.clone() : v));
}

/**
 * The eager loop where the condition cannot be read without waiting (WebGPU): `maximumIterations`
 * rounds on the device, each computing the condition and the body and keeping the new values only
 * while every condition so far held (`where` on a running `logicalAnd`). Nothing is read back.
 */
function maskedWhile(
  condFn: (...vars: Tensor[]) => Tensor | boolean,
  bodyFn: (...vars: Tensor[]) => Tensor[],
  loopVars: readonly Tensor[],
  checkBody: (next: unknown, shapeOf: (i: number) => string) => Tensor[],
  maximumIterations: number,
): Tensor[] {
  let vars = loopVars.map((v) => v.clone());
  let active: Tensor | undefined;
  try {
    for (let iteration = 0; iteration < maximumIterations; iteration++) {
      const [nextActive, ...next] = engine.tidy(() => {
        const c = condFn(...vars);
        if (typeof c === 'boolean') throw new ArgumentError('whileLoop: with maximumIterations on a device backend condFn must return a bool tensor, not a JavaScript boolean');
        conditionTensor(c);
        const holds = active === undefined ? c.reshape([]) : logicalAnd(active, c.reshape([]));
        const raw = bodyFn(...vars);
        const body = checkBody(raw, (i) => formatDims(i >= 0 ? loopVars[i].shape : (raw as Tensor[])[-1 - i].shape));
        return [holds, ...body.map((b, k) => where(holds, b, vars[k]))];
      });
      for (const v of vars) v.dispose();
      active?.dispose();
      vars = next;
      active = nextActive;
    }
    return vars;
  } catch (error) {
    for (const v of vars) v.dispose();
    throw error;
  } finally {
    active?.dispose();
  }
}
