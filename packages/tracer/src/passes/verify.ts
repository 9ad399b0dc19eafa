import type { Graph, GraphNode } from '@tessera/core';
import { getPrimitive } from '@tessera/core';
import { isEffect, variableOf } from './graph-tools.js';

/** A graph that breaks an IR invariant; the message names the node and what is wrong. */
export class GraphVerificationError extends Error {
  override readonly name = 'GraphVerificationError';
}

function describe(node: GraphNode): string {
  return `node #${node.id} (${node.op})`;
}

function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/**
 * Checks a graph's invariants and throws a GraphVerificationError at the first broken one:
 * every value used is defined before its use (topological order), defined once, and present in
 * `values`; node ids are unique; each primitive's recorded outputs agree with its shape/dtype
 * inference where the shapes are static; fused programs only read registers defined before them.
 * Run after every pass in tests.
 */
export function verifyGraph(graph: Graph): void {
  const defined = new Set<number>();
  const nodeIds = new Set<number>();
  const define = (id: number, where: string): void => {
    if (!graph.values.has(id)) throw new GraphVerificationError(`${where} defines %${id}, which is missing from values`);
    if (defined.has(id)) throw new GraphVerificationError(`${where} defines %${id} a second time`);
    defined.add(id);
  };
  graph.inputs.forEach((id) => define(id, 'graph input'));
  for (const node of graph.nodes) {
    if (nodeIds.has(node.id)) throw new GraphVerificationError(`${describe(node)}: node id used twice`);
    nodeIds.add(node.id);
    node.inputs.forEach((id, i) => {
      if (!defined.has(id)) {
        throw new GraphVerificationError(`${describe(node)}: input ${i} is %${id}, which is not defined before it (nodes out of topological order?)`);
      }
    });
    node.outputs.forEach((id) => define(id, describe(node)));
    checkNode(graph, node);
  }
  graph.outputs.forEach((id, i) => {
    if (!defined.has(id)) throw new GraphVerificationError(`graph output ${i} is %${id}, which no node defines`);
  });
}

function checkNode(graph: Graph, node: GraphNode): void {
  if (node.program !== undefined) checkProgram(node, node.program.numInputs, node.program, node.inputs.length);
  const epilogue = node.attrs.epilogue as { program?: unknown } | undefined;
  if (node.op === 'fused' && node.program === undefined) throw new GraphVerificationError(`${describe(node)}: a fused node needs a program`);
  if (node.op === 'assignVariable' || node.op === 'readVariable') {
    if (variableOf(node) === undefined) throw new GraphVerificationError(`${describe(node)}: attrs.variable is missing`);
  }
  const primitive = getPrimitive(node.op);
  if (primitive === undefined || node.op === 'fused' || epilogue !== undefined || node.attrs.prologue !== undefined) return;
  const infos = node.inputs.map((id) => graph.values.get(id)!);
  if (infos.some((v) => v.shape.includes(null))) return;
  let inferred;
  try {
    inferred = primitive.infer(
      infos.map((v) => ({ shape: v.shape as number[], dtype: v.dtype })),
      node.attrs,
    );
  } catch (error) {
    throw new GraphVerificationError(`${describe(node)}: its inputs do not type-check: ${(error as Error).message}`);
  }
  if (inferred.length !== node.outputs.length) {
    throw new GraphVerificationError(`${describe(node)}: ${node.outputs.length} outputs recorded, inference gives ${inferred.length}`);
  }
  inferred.forEach((info, i) => {
    const value = graph.values.get(node.outputs[i])!;
    const same = value.dtype === info.dtype && value.shape.length === info.shape.length && value.shape.every((d, j) => d === null || d === info.shape[j]);
    if (!same) {
      throw new GraphVerificationError(
        `${describe(node)}: output %${value.id} is recorded as ${value.dtype}${formatShape(value.shape)}, inference gives ${info.dtype}${formatShape(info.shape)}`,
      );
    }
  });
}

interface ProgramLike {
  readonly numInputs: number;
  readonly instructions: readonly { readonly op: string; readonly args: readonly number[] }[];
  readonly outputs: readonly number[];
}

/** A register program reads only earlier registers, and its inputs match the node's. */
export function checkProgram(node: GraphNode, numInputs: number, program: ProgramLike, expectedInputs: number): void {
  if (numInputs !== expectedInputs) {
    throw new GraphVerificationError(`${describe(node)}: program has ${numInputs} inputs, the node passes ${expectedInputs}`);
  }
  program.instructions.forEach((instruction, i) => {
    const register = numInputs + i;
    const primitive = getPrimitive(instruction.op);
    if (primitive === undefined || primitive.kind !== 'elementwise') {
      throw new GraphVerificationError(`${describe(node)}: instruction ${i} (${instruction.op}) is not an elementwise primitive`);
    }
    instruction.args.forEach((arg) => {
      if (!Number.isInteger(arg) || arg < 0 || arg >= register) {
        throw new GraphVerificationError(`${describe(node)}: instruction ${i} (${instruction.op}) reads register r${arg}, defined only below r${register}`);
      }
    });
  });
  const registers = numInputs + program.instructions.length;
  program.outputs.forEach((r) => {
    if (!Number.isInteger(r) || r < 0 || r >= registers) throw new GraphVerificationError(`${describe(node)}: program output r${r} does not exist`);
  });
}

/** The effects in program order: op and variable, or the node's id for control flow. */
function effectTrace(graph: Graph): { op: string; variable: unknown; readsBefore: number }[] {
  return graph.nodes.filter(isEffect).map((node) => ({ op: node.op, variable: variableOf(node), readsBefore: 0 }));
}

/**
 * Checks that a pass kept the effects of `before` in `after`: the same assigns (and effectful
 * control flow) in the same order, and every variable read still between the same two writes of
 * its variable. Reads may disappear (dead) or merge (CSE), but never cross a write.
 */
export function verifyEffectsPreserved(before: Graph, after: Graph): void {
  const a = effectTrace(before);
  const b = effectTrace(after);
  const describeTrace = (t: typeof a): string => t.map((e) => e.op).join(', ');
  if (a.length !== b.length || a.some((e, i) => e.op !== b[i].op || e.variable !== b[i].variable)) {
    throw new GraphVerificationError(`effects changed: before [${describeTrace(a)}], after [${describeTrace(b)}]`);
  }
  const epochs = (graph: Graph): Map<number, number> => {
    // For each read's output value: how many writes of any kind came before it.
    const result = new Map<number, number>();
    let writes = 0;
    for (const node of graph.nodes) {
      if (isEffect(node)) writes++;
      else if (node.op === 'readVariable') result.set(node.outputs[0], writes);
    }
    return result;
  };
  const beforeEpochs = epochs(before);
  const afterEpochs = epochs(after);
  for (const [value, epoch] of afterEpochs) {
    const original = beforeEpochs.get(value);
    if (original !== undefined && original !== epoch) {
      throw new GraphVerificationError(`the read defining %${value} moved across a write: after ${original} effects before, after ${epoch} now`);
    }
  }
}
