import type { Backend, DataId, DType, FusedProgram, Graph, GraphNode, Kernel, KernelInput, Shape, TensorInfo, TypedArray } from '@tessera/core';
import { BackendError, DisposedError, ShapeError, Variable, broadcastShapes, drawSeed, getPrimitive, isUnsupported } from '@tessera/core';
import { readsSynchronously } from './backend-reads.js';
import { concreteAttrs, hasSymbolicShapes, resolveShapes, staticShapes } from './shapes.js';

/** One graph output of a run: its data handle on the backend and its concrete shape. */
export type RunOutput = KernelInput;

/**
 * When each value's buffer may be released: after the node at that index, counting from 0.
 * Graph inputs, constants and outputs are never in it.
 */
export type FreeSchedule = ReadonlyMap<number, readonly number[]>;

/** The values whose last use is each node (the liveness half of memory planning). */
export function lastUseSchedule(graph: Graph): Map<number, number[]> {
  const lastUse = new Map<number, number>();
  const producedAt = new Map<number, number>();
  graph.nodes.forEach((node, index) => {
    node.inputs.forEach((id) => lastUse.set(id, index));
    node.outputs.forEach((id) => producedAt.set(id, index));
  });
  const kept = new Set(graph.outputs);
  const schedule = new Map<number, number[]>();
  for (const [id, at] of producedAt) {
    if (kept.has(id)) continue;
    const index = lastUse.get(id) ?? at;
    const list = schedule.get(index);
    if (list === undefined) schedule.set(index, [id]);
    else list.push(id);
  }
  return schedule;
}

/** What a run needs per node that the graph alone fixes, worked out on the first run. */
interface NodeLayout {
  /** One more than the largest value id. */
  readonly size: number;
  readonly dtypes: DType[];
  /** Per node: its outputs' shapes and dtypes (static graphs). */
  readonly outputInfos: readonly (readonly TensorInfo[])[];
  /** Per node: the values whose last use it is. */
  readonly frees: readonly (readonly number[])[];
}

function nodeLayout(graph: Graph, schedule: FreeSchedule): NodeLayout {
  let size = 0;
  for (const id of graph.values.keys()) size = Math.max(size, id + 1);
  const dtypes = new Array<DType>(size);
  for (const [id, value] of graph.values) dtypes[id] = value.dtype;
  const outputInfos = graph.nodes.map((node) => node.outputs.map((id) => ({ shape: graph.values.get(id)!.shape as Shape, dtype: dtypes[id] })));
  const frees = graph.nodes.map((_, index) => schedule.get(index) ?? []);
  return { size, dtypes, outputInfos, frees };
}

/**
 * The generic executor: runs an optimized graph node by node on a backend's eager kernels. It owns
 * every intermediate buffer and frees each right after its last use, so a warm call holds no more
 * memory than its live values; constants are uploaded once per executor.
 */
export class GraphExecutor {
  private readonly symbolic: boolean;
  private readonly shapes?: Map<number, Shape>;
  private readonly schedule: FreeSchedule;
  private readonly constants = new Map<number, DataId>();
  private readonly subExecutors = new Map<Graph, GraphExecutor>();
  private readonly seededOnce = new Set<GraphNode>();
  private disposed = false;
  private layout?: NodeLayout;

  constructor(
    readonly graph: Graph,
    readonly backend: Backend,
    schedule?: FreeSchedule,
  ) {
    this.symbolic = hasSymbolicShapes(graph);
    if (!this.symbolic) this.shapes = staticShapes(graph);
    this.schedule = schedule ?? lastUseSchedule(graph);
  }

  /** Runs the graph on inputs living on this executor's backend. The caller owns the returned handles. */
  run(inputs: readonly KernelInput[]): RunOutput[] {
    if (this.disposed) throw new DisposedError('graph executor: used after dispose');
    const { graph, backend } = this;
    if (inputs.length !== graph.inputs.length) {
      throw new ShapeError(`graph: expected ${graph.inputs.length} inputs, got ${inputs.length}`);
    }
    const layout = this.layout ??= nodeLayout(graph, this.schedule);
    const shapes = this.symbolic ? resolveShapes(graph, inputs.map((i) => i.shape)) : this.shapes!;
    // Values by id in flat arrays (ids are small integers): a warm call of a small graph is mostly
    // this bookkeeping, so it avoids maps and per-node closures.
    const data: (DataId | undefined)[] = new Array(layout.size);
    const owned = new Uint8Array(layout.size);
    graph.inputs.forEach((id, i) => (data[id] = inputs[i].id));
    const info = (id: number): KernelInput => ({ id: data[id]!, shape: shapes.get(id)!, dtype: layout.dtypes[id] });
    try {
      const nodes = graph.nodes;
      for (let index = 0; index < nodes.length; index++) {
        const node = nodes[index];
        const ids = node.inputs;
        const nodeInputs = new Array<KernelInput>(ids.length);
        for (let k = 0; k < ids.length; k++) nodeInputs[k] = info(ids[k]);
        const outputs = this.symbolic ? node.outputs.map((id) => ({ shape: shapes.get(id)!, dtype: layout.dtypes[id] })) : layout.outputInfos[index];
        const results = this.runNode(node, nodeInputs, outputs);
        const outIds = node.outputs;
        for (let k = 0; k < outIds.length; k++) {
          data[outIds[k]] = results[k];
          if (node.op !== 'constant') owned[outIds[k]] = 1;
        }
        for (const id of layout.frees[index]) {
          if (owned[id] === 1) {
            owned[id] = 0;
            backend.free(data[id]!);
          }
          data[id] = undefined;
        }
      }
      const seen = new Set<number>();
      const results = graph.outputs.map((id) => {
        const handle = owned[id] === 1 && !seen.has(id) ? data[id]! : backend.share(data[id]!);
        if (owned[id] === 1) owned[id] = 0;
        seen.add(id);
        return { ...info(id), id: handle };
      });
      // Whatever the release schedule did not name is released now, so no plan can make a run leak.
      for (let id = 0; id < owned.length; id++) if (owned[id] === 1) backend.free(data[id]!);
      return results;
    } catch (error) {
      for (let id = 0; id < owned.length; id++) if (owned[id] === 1) backend.free(data[id]!);
      throw error;
    }
  }

  /** Releases the uploaded constants. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const id of this.constants.values()) this.backend.free(id);
    this.constants.clear();
    for (const sub of this.subExecutors.values()) sub.dispose();
  }

  private runNode(node: GraphNode, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    const backend = this.backend;
    switch (node.op) {
      case 'constant': {
        let id = this.constants.get(node.outputs[0]);
        if (id === undefined) {
          id = backend.write(node.attrs.value as TypedArray, outputs[0].shape, outputs[0].dtype);
          this.constants.set(node.outputs[0], id);
        }
        return [id];
      }
      case 'readVariable': {
        const variable = this.variableOf(node);
        return [backend.share(variable.dataId)];
      }
      case 'assignVariable': {
        const variable = this.variableOf(node);
        variable.replaceData(backend.share(inputs[0].id));
        return [];
      }
      case 'fused':
        return this.runFused(node.program!, inputs, outputs);
      case 'cond':
        return this.runCond(node, inputs, outputs);
      case 'while':
        return this.runWhile(node, inputs);
      default:
        if (node.attrs.epilogue !== undefined) return this.runWithEpilogue(node, inputs, outputs);
        if (node.attrs.prologue !== undefined) return this.runWithPrologue(node, inputs, outputs);
        return this.kernel(node.op)(inputs, this.runAttrs(node, inputs), outputs);
    }
  }

  /**
   * The attributes for this run: a symbolic reshape's size, and for an unseeded (stateful) random op
   * a fresh seed on every run after the first, which uses the seed drawn while tracing; so a traced
   * function draws the numbers the same calls would draw eagerly.
   */
  private runAttrs(node: GraphNode, inputs: readonly KernelInput[]): Record<string, unknown> {
    if (node.op === 'random' && node.attrs.stateful === true) {
      if (!this.seededOnce.has(node)) {
        this.seededOnce.add(node);
        return node.attrs as Record<string, unknown>;
      }
      return { ...node.attrs, seed: drawSeed() };
    }
    return concreteAttrs(node, inputs);
  }

  /** A contraction followed by its fused elementwise epilogue (register 0 is the contraction's result). */
  private runWithEpilogue(node: GraphNode, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    const { epilogue, ...attrs } = node.attrs;
    if ((node.op === 'matMul' || node.op === 'conv2d') && this.backend.runContractionWithEpilogue !== undefined) {
      const fused = this.backend.runContractionWithEpilogue(node.op, inputs, attrs as never, epilogue as FusedProgram, outputs);
      if (fused !== undefined) return fused;
    }
    const op = getPrimitive(node.op)!;
    const arity = op.inputNames.length;
    const [resultInfo] = op.infer(inputs.slice(0, arity), attrs as never);
    const [result] = this.kernel(node.op)(inputs.slice(0, arity), attrs, [resultInfo]);
    try {
      return this.runFused(epilogue as FusedProgram, [{ ...resultInfo, id: result }, ...inputs.slice(arity)], outputs);
    } finally {
      this.backend.free(result);
    }
  }

  /** A reduction over the single output of its fused elementwise prologue. */
  private runWithPrologue(node: GraphNode, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    const { prologue, prologueShape: _shape, ...attrs } = node.attrs;
    const program = prologue as FusedProgram;
    const shape = inputs.reduce<Shape>((acc, i) => broadcastShapes(node.op, acc, i.shape), []);
    const dtype = program.instructions.length > 0 ? program.instructions[program.instructions.length - 1].dtype : inputs[0].dtype;
    const reducedDtype = program.outputs[0] < program.numInputs ? inputs[program.outputs[0]].dtype : program.instructions[program.outputs[0] - program.numInputs].dtype;
    const [values] = this.runFused(program, inputs, [{ shape, dtype: reducedDtype ?? dtype }]);
    try {
      return this.kernel(node.op)([{ id: values, shape, dtype: reducedDtype ?? dtype }], attrs, outputs);
    } finally {
      this.backend.free(values);
    }
  }

  private kernel(op: string): Kernel {
    const kernel = this.backend.kernels[op as keyof Backend['kernels']];
    if (kernel === undefined || isUnsupported(kernel)) {
      const why = kernel === undefined ? 'it has no kernel' : kernel.unsupported;
      throw new BackendError(`${op}: not supported on backend '${this.backend.name}': ${why}`);
    }
    return kernel;
  }

  private variableOf(node: GraphNode): Variable {
    const variable = node.attrs.variable;
    if (!(variable instanceof Variable)) throw new Error(`graph: ${node.op} node ${node.id} has no variable`);
    if (variable.isDisposed) throw new DisposedError(`${node.op}: variable '${variable.name}' was disposed`);
    if (variable.owner !== this.backend) {
      throw new BackendError(
        `${node.op}: variable '${variable.name}' lives on backend '${variable.owner.name}' but the graph runs on '${this.backend.name}'`,
      );
    }
    return variable;
  }

  /**
   * A fused elementwise region: by the backend's own `runFused` when it has one, else one
   * instruction at a time on the eager kernels, each temporary freed after its last use inside the
   * program, outputs broadcast to the region.
   */
  private runFused(program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    if (this.backend.runFused !== undefined) return this.backend.runFused(program, inputs.slice(0, program.numInputs), outputs);
    const registers: KernelInput[] = inputs.slice(0, program.numInputs);
    const lastUse = new Map<number, number>();
    program.instructions.forEach((instruction, k) => instruction.args.forEach((r) => lastUse.set(r, k)));
    const kept = new Set(program.outputs);
    const temporaries = new Set<number>();
    const results: DataId[] = [];
    const handedOut = new Set<number>();
    try {
      program.instructions.forEach((instruction, k) => {
        const op = getPrimitive(instruction.op);
        if (op === undefined) throw new Error(`fused: unknown instruction '${instruction.op}'`);
        const args = instruction.args.map((r) => registers[r]);
        const [out] = op.infer(args, instruction.attrs as never);
        const [id] = this.kernel(instruction.op)(args, instruction.attrs, [out]);
        const register = registers.length;
        registers.push({ id, shape: out.shape, dtype: out.dtype });
        temporaries.add(register);
        for (const r of new Set(instruction.args)) {
          if (lastUse.get(r) === k && temporaries.has(r) && !kept.has(r)) {
            this.backend.free(registers[r].id);
            temporaries.delete(r);
          }
        }
      });
      program.outputs.forEach((r, i) => {
        const register = registers[r];
        const target = outputs[i];
        if (!sameShape(register.shape, target.shape)) {
          results.push(this.kernel('broadcastTo')([register], { shape: target.shape }, [target])[0]);
        } else if (temporaries.has(r) && !handedOut.has(r)) {
          handedOut.add(r);
          results.push(register.id);
        } else {
          results.push(this.backend.share(register.id));
        }
      });
      return results;
    } catch (error) {
      const handedIds = new Set([...handedOut].map((r) => registers[r].id));
      for (const id of results) if (!handedIds.has(id)) this.backend.free(id);
      handedOut.clear();
      throw error;
    } finally {
      for (const r of temporaries) if (!handedOut.has(r)) this.backend.free(registers[r].id);
    }
  }

  private subExecutor(graph: Graph): GraphExecutor {
    let sub = this.subExecutors.get(graph);
    if (sub === undefined) {
      sub = new GraphExecutor(graph, this.backend);
      this.subExecutors.set(graph, sub);
    }
    return sub;
  }

  private readScalar(input: KernelInput, what: string): number {
    if (input.shape.reduce((a, b) => a * b, 1) !== 1) {
      throw new ShapeError(`${what}: the predicate must be a one-element bool tensor, got shape [${input.shape.join(',')}]`);
    }
    try {
      return this.backend.readSync(input.id)[0];
    } catch (error) {
      if (readsSynchronously(this.backend)) throw error;
      throw new BackendError(
        `${what}: backend '${this.backend.name}' cannot read the loop condition without waiting for the device; give the whileLoop a maximumIterations (it then runs that many rounds on the device, masking those after the condition turns false), use a backend with synchronous reads (wasm), or a JavaScript loop with a fixed count (it unrolls into the graph)`,
      );
    }
  }

  private runCond(node: GraphNode, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    if (!readsSynchronously(this.backend)) return this.runCondOnDevice(node, inputs, outputs);
    const branch = this.readScalar(inputs[0], 'cond') !== 0 ? node.attrs.thenBranch : node.attrs.elseBranch;
    return this.subExecutor(branch as Graph).run(inputs.slice(1)).map((o) => o.id);
  }

  /**
   * `cond` on a backend that cannot read the predicate without waiting (WebGPU): both branches run
   * and `where` picks each output on the device, so the call stays synchronous and the GPU queue
   * full. Branches are pure (a branch's variable writes are outputs the parent assigns), so running
   * the one not taken changes nothing but the time it costs.
   */
  private runCondOnDevice(node: GraphNode, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
    const [pred, ...operands] = inputs;
    if (pred.shape.reduce((a, b) => a * b, 1) !== 1) {
      throw new ShapeError(`cond: the predicate must be a one-element bool tensor, got shape [${pred.shape.join(',')}]`);
    }
    const taken = this.subExecutor(node.attrs.thenBranch as Graph).run(operands);
    let other: RunOutput[] = [];
    try {
      other = this.subExecutor(node.attrs.elseBranch as Graph).run(operands);
      taken.forEach((t, k) => {
        if (!sameShape(t.shape, other[k].shape)) {
          throw new ShapeError(
            `cond: on backend '${this.backend.name}' both branches run and their outputs must have one shape; output ${k} is [${t.shape.join(',')}] in the then branch and [${other[k].shape.join(',')}] in the else branch`,
          );
        }
      });
      const where = this.kernel('where');
      const scalarPred: KernelInput = { ...pred, shape: [] };
      const picked: DataId[] = [];
      try {
        for (let k = 0; k < taken.length; k++) {
          picked.push(where([scalarPred, taken[k], other[k]], {}, [{ shape: taken[k].shape, dtype: outputs[k]?.dtype ?? taken[k].dtype }])[0]);
        }
      } catch (error) {
        for (const id of picked) this.backend.free(id);
        throw error;
      }
      return picked;
    } finally {
      for (const o of [...taken, ...other]) this.backend.free(o.id);
    }
  }

  private runWhile(node: GraphNode, inputs: readonly KernelInput[]): DataId[] {
    const numLoopVars = node.attrs.numLoopVars as number;
    const condition = this.subExecutor(node.attrs.condition as Graph);
    const body = this.subExecutor(node.attrs.body as Graph);
    const captures = inputs.slice(numLoopVars);
    const maximumIterations = (node.attrs.maximumIterations as number | undefined) ?? Infinity;
    if (maximumIterations !== Infinity && !readsSynchronously(this.backend)) {
      return this.runWhileOnDevice(condition, body, inputs.slice(0, numLoopVars), captures, maximumIterations);
    }
    let vars: KernelInput[] = inputs.slice(0, numLoopVars).map((i) => ({ ...i, id: this.backend.share(i.id) }));
    try {
      for (let iteration = 0; iteration < maximumIterations; iteration++) {
        const [pred] = condition.run([...vars, ...captures]);
        let go: number;
        try {
          go = this.readScalar(pred, 'whileLoop');
        } finally {
          this.backend.free(pred.id);
        }
        if (go === 0) break;
        const next = body.run([...vars, ...captures]);
        for (const v of vars) this.backend.free(v.id);
        vars = next;
      }
      return vars.map((v) => v.id);
    } catch (error) {
      for (const v of vars) this.backend.free(v.id);
      throw error;
    }
  }

  /**
   * A whileLoop with a maximumIterations on a backend that cannot read the condition without
   * waiting (WebGPU): that many rounds, each running the condition and the body and keeping the
   * body's values only while every condition so far held (a running `logicalAnd`, then `where`).
   * All of it stays on the device, so the call stays synchronous.
   */
  private runWhileOnDevice(condition: GraphExecutor, body: GraphExecutor, initial: readonly KernelInput[], captures: readonly KernelInput[], rounds: number): DataId[] {
    const backend = this.backend;
    const logicalAnd = this.kernel('logicalAnd');
    const where = this.kernel('where');
    let vars: KernelInput[] = initial.map((i) => ({ ...i, id: backend.share(i.id) }));
    let active: KernelInput | undefined;
    const scalar: TensorInfo = { shape: [], dtype: 'bool' };
    try {
      for (let round = 0; round < rounds; round++) {
        const [pred] = condition.run([...vars, ...captures]);
        if (pred.shape.reduce((a, b) => a * b, 1) !== 1) {
          backend.free(pred.id);
          throw new ShapeError(`whileLoop: the condition must be a one-element bool tensor, got shape [${pred.shape.join(',')}]`);
        }
        let holds: KernelInput = { ...pred, shape: [] };
        if (active !== undefined) {
          try {
            holds = { ...scalar, id: logicalAnd([active, holds], {}, [scalar])[0] };
          } finally {
            backend.free(pred.id);
          }
          backend.free(active.id);
        }
        active = holds;
        const next = body.run([...vars, ...captures]);
        const picked: KernelInput[] = [];
        try {
          for (let k = 0; k < next.length; k++) {
            const info: TensorInfo = { shape: vars[k].shape, dtype: vars[k].dtype };
            picked.push({ ...info, id: where([active, next[k], vars[k]], {}, [info])[0] });
          }
        } catch (error) {
          for (const p of picked) backend.free(p.id);
          throw error;
        } finally {
          for (const n of next) backend.free(n.id);
        }
        for (const v of vars) backend.free(v.id);
        vars = picked;
      }
      return vars.map((v) => v.id);
    } catch (error) {
      for (const v of vars) backend.free(v.id);
      throw error;
    } finally {
      if (active !== undefined) backend.free(active.id);
    }
  }
}

function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** The part of a graph that computes `outputs`, without assignments (to evaluate a value mid-trace). */
export function sliceGraph(graph: Graph, outputs: readonly number[]): Graph {
  const needed = new Set(outputs);
  const kept: GraphNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (node.op === 'assignVariable' || !node.outputs.some((id) => needed.has(id))) continue;
    kept.unshift(node);
    node.inputs.forEach((id) => needed.add(id));
  }
  return { values: graph.values, nodes: kept, inputs: graph.inputs, outputs };
}
