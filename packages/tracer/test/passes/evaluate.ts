import type { FusedProgram, Graph, GraphNode, Tensor, TypedArray } from '@tessera/core';
import { broadcastTo, engine, getPrimitive, setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { isGraph } from '../../src/passes/graph-tools.js';

/** Selects core's reference backend (plain loops, the conformance oracle) for evaluating graphs. */
export async function useReferenceBackend(): Promise<void> {
  await setBackend(registerReferenceBackend());
}

export interface Evaluation {
  readonly outputs: TypedArray[];
  /** Variable state after the run, keyed by the variable object. */
  readonly variables: Map<unknown, TypedArray>;
}

/**
 * Runs a graph with core's eager ops: each primitive through the engine, fused programs and
 * epilogues instruction by instruction, variables from `variables` (not modified; the final state
 * is returned). A small independent oracle for "the pass preserved the results".
 */
export function evaluateGraph(graph: Graph, inputs: readonly TypedArray[], variables: ReadonlyMap<unknown, TypedArray> = new Map()): Evaluation {
  const state = new Map<unknown, TypedArray>(variables);
  const created: Tensor[] = [];
  const track = (t: Tensor): Tensor => (created.push(t), t);
  try {
    const outs = run(graph, inputs.map((data, i) => track(toTensor(graph, graph.inputs[i], data))), state, track);
    return { outputs: outs.map((t) => t.dataSync()), variables: state };
  } finally {
    for (const t of created) if (!t.isDisposed) t.dispose();
  }
}

function toTensor(graph: Graph, id: number, data: TypedArray): Tensor {
  const value = graph.values.get(id)!;
  const shape = value.shape.map((d) => d ?? -1);
  if (shape.includes(-1)) throw new Error(`evaluateGraph: %${id} has a symbolic shape; give concrete values through a static graph`);
  return tensor(data, shape, value.dtype);
}

function run(graph: Graph, inputs: readonly Tensor[], state: Map<unknown, TypedArray>, track: (t: Tensor) => Tensor): Tensor[] {
  const env = new Map<number, Tensor>();
  graph.inputs.forEach((id, i) => env.set(id, inputs[i]));
  const get = (id: number): Tensor => {
    const t = env.get(id);
    if (t === undefined) throw new Error(`evaluateGraph: %${id} used before it is defined`);
    return t;
  };
  for (const node of graph.nodes) {
    const args = node.inputs.map(get);
    const results = runNode(graph, node, args, state, track);
    node.outputs.forEach((id, i) => env.set(id, results[i]));
  }
  return graph.outputs.map(get);
}

function runNode(graph: Graph, node: GraphNode, args: readonly Tensor[], state: Map<unknown, TypedArray>, track: (t: Tensor) => Tensor): Tensor[] {
  const outputShape = (i: number): number[] => graph.values.get(node.outputs[i])!.shape.map((d) => d!);
  switch (node.op) {
    case 'constant':
      return [track(toTensor(graph, node.outputs[0], node.attrs.value as TypedArray))];
    case 'readVariable': {
      const data = state.get(node.attrs.variable);
      if (data === undefined) throw new Error('evaluateGraph: a variable read has no initial value');
      return [track(toTensor(graph, node.outputs[0], data))];
    }
    case 'assignVariable':
      state.set(node.attrs.variable, args[args.length - 1].dataSync());
      return [];
    case 'fused':
      return runProgram(node.program!, args, node.outputs.map((_, i) => outputShape(i)), track);
    case 'cond': {
      // inputs [pred, ...captures]; each branch takes the captures (IR-NOTES.md).
      const branch = (args[0].dataSync()[0] !== 0 ? node.attrs.thenBranch : node.attrs.elseBranch) as Graph;
      return run(branch, args.slice(1), state, track);
    }
    case 'while': {
      // inputs [...loopVars, ...captures]; condition and body take both, the body gives the next loopVars.
      const numLoopVars = node.attrs.numLoopVars as number;
      let loopVars = args.slice(0, numLoopVars);
      const captures = args.slice(numLoopVars);
      for (let i = 0; ; i++) {
        if (i > 10000) throw new Error('evaluateGraph: while ran over 10,000 iterations');
        const [keepGoing] = run(node.attrs.condition as Graph, [...loopVars, ...captures], state, track);
        if (keepGoing.dataSync()[0] === 0) return loopVars;
        loopVars = run(node.attrs.body as Graph, [...loopVars, ...captures], state, track);
      }
    }
    default: {
      if (Object.values(node.attrs).some(isGraph)) throw new Error(`evaluateGraph: unknown control flow ${node.op}`);
      const primitive = getPrimitive(node.op);
      if (primitive === undefined) throw new Error(`evaluateGraph: unknown op ${node.op}`);
      const { epilogue, prologue, prologueShape, ...attrs } = node.attrs as Record<string, unknown>;
      if (prologue !== undefined) {
        const [reduced] = runProgram(prologue as FusedProgram, args, [prologueShape as number[]], track);
        return engine.run(primitive, [reduced], attrs).map(track);
      }
      if (epilogue !== undefined) {
        const program = epilogue as FusedProgram;
        const arity = primitive.inputNames.length;
        const [raw] = engine.run(primitive, args.slice(0, arity), attrs).map(track);
        return runProgram(program, [raw, ...args.slice(arity)], node.outputs.map((_, i) => outputShape(i)), track);
      }
      return engine.run(primitive, args, attrs).map(track);
    }
  }
}

function runProgram(program: FusedProgram, inputs: readonly Tensor[], shapes: readonly number[][], track: (t: Tensor) => Tensor): Tensor[] {
  const registers = [...inputs];
  for (const ins of program.instructions) {
    const primitive = getPrimitive(ins.op)!;
    const [out] = engine.run(primitive, ins.args.map((r) => registers[r]), ins.attrs).map(track);
    if (out.dtype !== ins.dtype) throw new Error(`evaluateGraph: fused ${ins.op} gives ${out.dtype}, the program says ${ins.dtype}`);
    registers.push(out);
  }
  return program.outputs.map((r, k) => {
    const t = registers[r];
    const shape = shapes[k];
    return t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : track(broadcastTo(t, shape));
  });
}
