import type { FusedProgram, Graph, GraphNode } from '@tessera/core';
import { getPrimitive } from '@tessera/core';
import { consumersOf, sameShape } from './graph-tools.js';

/** Contractions that accept an epilogue. */
const CONTRACTIONS = new Set(['matMul', 'conv2d']);

export interface EpilogueFusionOptions {
  /** Most inputs of the fused node, the contraction's own two included (a backend's binding limit). Default 8. */
  readonly maxFusedInputs?: number;
}

const DEFAULT_MAX_FUSED_INPUTS = 8;

/**
 * Epilogue fusion: a matMul or conv2d whose result feeds exactly one elementwise consumer (a lone
 * elementwise op or a fused region, typically bias add then activation) becomes one node that
 * applies that elementwise program to each result element before writing it, saving a full write
 * and read of the contraction's result.
 *
 * Representation (see PASSES-NOTES.md): the node keeps the contraction's op, kind and attributes and
 * gains `attrs.epilogue`, a FusedProgram whose register 0 is the contraction's result and whose
 * registers 1..numInputs-1 are `node.inputs[arity..]` (the contraction's own `arity` inputs come
 * first), each broadcast to the result's shape. `node.outputs[k]` is register `epilogue.outputs[k]`.
 * It takes the consumer's place in the node order. Only when the consumer's shape is exactly the
 * contraction result's (an epilogue never broadcasts the result to a larger shape), its other
 * inputs have static shapes, the fused node reads at most `maxFusedInputs` values, and the result
 * is not itself a graph output or read anywhere else.
 */
export function fuseEpilogues(graph: Graph, options: EpilogueFusionOptions = {}): Graph {
  const maxInputs = options.maxFusedInputs ?? DEFAULT_MAX_FUSED_INPUTS;
  const consumers = consumersOf(graph);
  const outputs = new Set(graph.outputs);
  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  for (const node of graph.nodes) {
    if (!CONTRACTIONS.has(node.op) || node.attrs.epilogue !== undefined || node.outputs.length !== 1) continue;
    const result = node.outputs[0];
    const users = consumers.get(result) ?? [];
    if (outputs.has(result) || users.length !== 1) continue;
    const [user] = users;
    if (replaced.has(user) || removed.has(user)) continue;
    const program = programOf(graph, user);
    if (program === undefined) continue;
    const resultShape = graph.values.get(result)!.shape;
    if (!user.outputs.every((id) => sameShape(graph.values.get(id)!.shape, resultShape))) continue;
    const extra = user.inputs.filter((id) => id !== result);
    // The epilogue broadcasts its inputs to the result's shape; an input with a symbolic dimension
    // might be the larger one at run time (the result's batch 1 against its batch 5), so never.
    if (extra.some((id) => graph.values.get(id)!.shape.includes(null))) continue;
    const uniqueExtra = [...new Set(extra)];
    if (node.inputs.length + uniqueExtra.length > maxInputs) continue;
    const epilogue = remapInputs(program, user.inputs, [result, ...uniqueExtra]);
    removed.add(node);
    replaced.set(user, {
      id: user.id,
      op: node.op,
      kind: node.kind,
      inputs: [...node.inputs, ...uniqueExtra],
      outputs: user.outputs,
      attrs: { ...node.attrs, epilogue },
    });
  }
  if (removed.size === 0) return graph;
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes };
}

/** The elementwise program a node computes: its fused program, or one instruction for a lone elementwise op. */
export function programOf(graph: Graph, node: GraphNode): FusedProgram | undefined {
  if (node.op === 'fused') return node.program;
  const primitive = getPrimitive(node.op);
  if (primitive?.kind !== 'elementwise' || primitive.formula === undefined || node.outputs.length !== 1 || node.attrs.epilogue !== undefined) {
    return undefined;
  }
  return {
    numInputs: node.inputs.length,
    instructions: [{ op: node.op, args: node.inputs.map((_, i) => i), attrs: node.attrs, dtype: graph.values.get(node.outputs[0])!.dtype }],
    outputs: [node.inputs.length],
  };
}

/**
 * Rewrites a program whose inputs were `oldInputs` to read `newInputs` instead (every old input
 * must appear among the new ones; repeated old inputs collapse onto one register).
 */
export function remapInputs(program: FusedProgram, oldInputs: readonly number[], newInputs: readonly number[]): FusedProgram {
  const shift = newInputs.length - program.numInputs;
  const register = (r: number): number => (r < program.numInputs ? newInputs.indexOf(oldInputs[r]) : r + shift);
  return {
    numInputs: newInputs.length,
    instructions: program.instructions.map((ins) => ({ ...ins, args: ins.args.map(register) })),
    outputs: program.outputs.map(register),
  };
}
