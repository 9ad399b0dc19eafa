import type { Backend, DType, Executable, Graph, GraphNode, KernelInput, Shape } from '@tessera/core';
import { BackendError, DisposedError, Tensor, Variable, engine } from '@tessera/core';
import type { FreeSchedule } from './executor.js';
import { GraphExecutor } from './executor.js';
import { formatGraph, graphToDot } from './format.js';
import type { Dim } from './graph-builder.js';
import { replayGraph } from './replay.js';
import { hasSymbolicShapes, resolveShapes } from './shapes.js';
import { fillTemplate, formatDims } from './structure.js';

/** One traced input of a concrete function: its dtype and shape, `null` where the dimension is symbolic. */
export interface InputSpec {
  readonly path: string;
  readonly shape: readonly Dim[];
  readonly dtype: DType;
}

/**
 * A graph with variables as resources turned into plain inputs and outputs, the form handed to
 * `backend.compile`: each `readVariable` becomes an input after the graph's own, each
 * `assignVariable` an output after the graph's own, in order.
 */
export interface LoweredGraph {
  readonly graph: Graph;
  readonly reads: readonly Variable[];
  readonly writes: readonly Variable[];
}

export function lowerVariables(graph: Graph): LoweredGraph {
  const reads: Variable[] = [];
  const writes: Variable[] = [];
  const inputs = [...graph.inputs];
  const outputs = [...graph.outputs];
  const nodes: GraphNode[] = [];
  for (const node of graph.nodes) {
    if (node.op === 'readVariable') {
      reads.push(node.attrs.variable as Variable);
      inputs.push(node.outputs[0]);
    } else if (node.op === 'assignVariable') {
      writes.push(node.attrs.variable as Variable);
      outputs.push(node.inputs[0]);
    } else {
      nodes.push(node);
    }
  }
  return { graph: { values: graph.values, nodes, inputs, outputs }, reads, writes };
}

/**
 * Runs a graph through `backend.compile`'s executable, variables passed in and written back. The
 * backend gets the generic executor over the lowered graph as its interpreter, to build on.
 */
class CompiledRunner {
  private readonly lowered: LoweredGraph;
  private readonly interpreter: GraphExecutor;
  private readonly executable: Executable;
  /**
   * While `prepare` runs: a throwaway executor, so that preparing leaves the real one as if it had
   * never run (its first run uses the seed drawn while tracing, as an eager call would).
   */
  private preparing: GraphExecutor | undefined;

  constructor(
    graph: Graph,
    private readonly backend: Backend,
  ) {
    this.lowered = lowerVariables(graph);
    const interpreter = new GraphExecutor(this.lowered.graph, backend);
    this.interpreter = interpreter;
    this.executable = backend.compile!(this.lowered.graph, (inputs) => (this.preparing ?? interpreter).run(inputs).map((o) => o.id));
  }

  run(inputs: readonly KernelInput[], outputShapes: (inputs: readonly KernelInput[]) => Shape[]): KernelInput[] {
    const { graph, writes } = this.lowered;
    const shapes = outputShapes(inputs);
    const handles = this.executable.run(this.withVariables(inputs));
    const numOutputs = graph.outputs.length - writes.length;
    writes.forEach((v, i) => v.replaceData(handles[numOutputs + i]));
    return shapes.map((shape, i) => ({ id: handles[i], shape, dtype: graph.values.get(graph.outputs[i])!.dtype }));
  }

  async prepare(inputs: readonly KernelInput[]): Promise<void> {
    if (this.executable.prepare === undefined) return;
    const preparing = new GraphExecutor(this.lowered.graph, this.backend);
    this.preparing = preparing;
    try {
      await this.executable.prepare(this.withVariables(inputs));
    } finally {
      this.preparing = undefined;
      preparing.dispose();
    }
  }

  dispose(): void {
    this.executable.dispose();
    this.interpreter.dispose();
  }

  private withVariables(inputs: readonly KernelInput[]): KernelInput[] {
    return [...inputs, ...this.lowered.reads.map((v) => ({ id: v.dataId, shape: v.shape, dtype: v.dtype }))];
  }
}

/**
 * One trace of a function: the graph recorded for one input signature, optimized, and run on each
 * call. `toString()` prints the graph, `toDot()` draws it. TensorFlow's `ConcreteFunction`.
 */
export class ConcreteFunction {
  private readonly runners = new Map<Backend, GraphExecutor | CompiledRunner>();
  private readonly symbolic: boolean;

  constructor(
    readonly name: string,
    readonly inputSpec: readonly InputSpec[],
    /** The graph as traced, before optimization. */
    readonly tracedGraph: Graph,
    /** The optimized graph that runs. */
    readonly graph: Graph,
    private readonly outputTemplate: unknown,
    /** Variables this trace created (only a function's first trace may). */
    readonly createdVariables: readonly Variable[],
    private readonly freeSchedule?: FreeSchedule,
    /**
     * Outer tensors the graph captured by reference (its inputs after the arguments), where their
     * backend could not read them into constants while tracing. The function owns these references
     * and releases them in `dispose`. TensorFlow's `captured_inputs`.
     */
    readonly capturedInputs: readonly Tensor[] = [],
  ) {
    this.symbolic = hasSymbolicShapes(graph);
  }

  /** Runs the optimized graph on the active backend; returns the function's result tree. */
  call(inputs: readonly Tensor[]): unknown {
    const backend = engine.backend;
    const kernelInputs = this.kernelInputs(inputs, backend);
    const runner = this.runner(backend);
    const outputs = runner instanceof GraphExecutor ? runner.run(kernelInputs) : runner.run(kernelInputs, (given) => this.outputShapes(given));
    return fillTemplate(
      this.outputTemplate,
      outputs.map((o) => new Tensor({ shape: o.shape, dtype: o.dtype }, backend, o.id)),
    );
  }

  /**
   * Builds, without running, what the first call on the active backend would build on the spot: on a
   * backend that compiles graphs (WebGPU), every GPU pipeline the graph needs, created asynchronously,
   * so that first call does not stall on shader compilation. Elsewhere it does nothing more.
   */
  async prepare(inputs: readonly Tensor[]): Promise<void> {
    const backend = engine.backend;
    const kernelInputs = this.kernelInputs(inputs, backend);
    const runner = this.runner(backend);
    if (runner instanceof CompiledRunner) await runner.prepare(kernelInputs);
  }

  /** Runs the traced graph op by op through the engine, so enclosing tapes record it. */
  replay(inputs: readonly Tensor[]): unknown {
    return fillTemplate(this.outputTemplate, replayGraph(this.tracedGraph, this.withCaptures(inputs)));
  }

  /** The optimized graph as text. */
  toString(): string {
    const captured = this.capturedInputs.map((t, i) => `captured[${i}]: ${t.dtype}${formatDims(t.shape)}`);
    const signature = [...this.inputSpec.map((s) => `${s.path}: ${s.dtype}${formatDims(s.shape)}`), ...captured].join(', ');
    return `ConcreteFunction ${this.name}(${signature})\n${formatGraph(this.graph)}`;
  }

  /** The optimized graph in Graphviz DOT. */
  toDot(): string {
    return graphToDot(this.graph, this.name);
  }

  /**
   * Releases what the compiled forms hold on each backend (uploaded constants) and the captured
   * tensors; a function that captured any cannot run afterwards.
   */
  dispose(): void {
    for (const runner of this.runners.values()) runner.dispose();
    this.runners.clear();
    for (const t of this.capturedInputs) t.dispose();
  }

  /** The graph's inputs for a call on `backend`, checked: the arguments, then the captured tensors. */
  private kernelInputs(inputs: readonly Tensor[], backend: Backend): KernelInput[] {
    return this.withCaptures(inputs).map((t, i): KernelInput => {
      const what = i < this.inputSpec.length ? this.inputSpec[i].path : `the tensor captured as input ${i}`;
      engine.assertUsable(this.name, what, t);
      if (t.owner !== backend) {
        throw new BackendError(`${this.name}: ${what} lives on backend '${t.owner.name}' but the active backend is '${backend.name}'`);
      }
      return { id: t.dataId, shape: t.shape, dtype: t.dtype };
    });
  }

  /** The graph's inputs for a call: the arguments, then the captured tensors. */
  private withCaptures(inputs: readonly Tensor[]): readonly Tensor[] {
    if (this.capturedInputs.length === 0) return inputs;
    if (this.capturedInputs.some((t) => t.isDisposed)) {
      throw new DisposedError(
        `${this.name}: the traced function was disposed, and with it the outer tensors its graph captured; trace the function anew (trace(fn)) to run it again`,
      );
    }
    return [...inputs, ...this.capturedInputs];
  }

  private runner(backend: Backend): GraphExecutor | CompiledRunner {
    let runner = this.runners.get(backend);
    if (runner === undefined) {
      runner = backend.compile !== undefined ? new CompiledRunner(this.graph, backend) : new GraphExecutor(this.graph, backend, this.freeSchedule);
      this.runners.set(backend, runner);
    }
    return runner;
  }

  private outputShapes(inputs: readonly KernelInput[]): Shape[] {
    const graph = this.graph;
    if (!this.symbolic) return graph.outputs.map((id) => graph.values.get(id)!.shape as Shape);
    const shapes = resolveShapes(graph, inputs.map((i) => i.shape));
    return graph.outputs.map((id) => shapes.get(id)!);
  }
}
