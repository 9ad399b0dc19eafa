import type { DType, FusedProgram, Graph, GraphNode, TensorInfo } from '@tessera/core';
import { broadcastShapes, getPrimitive } from '@tessera/core';
import { isEffect, isGraph, variableOf } from './graph-tools.js';

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
  const state: VariableState = { assigned: new Set() };
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
    checkNode(graph, node, state);
  }
  graph.outputs.forEach((id, i) => {
    if (!defined.has(id)) throw new GraphVerificationError(`graph output ${i} is %${id}, which no node defines`);
  });
}

interface VariableState {
  /** Variables assigned so far, in node order. */
  readonly assigned: Set<unknown>;
}

function checkNode(graph: Graph, node: GraphNode, state: VariableState): void {
  const info = (id: number): TensorInfo => graph.values.get(id)! as TensorInfo;
  const staticInputs = node.inputs.every((id) => !graph.values.get(id)!.shape.includes(null));
  switch (node.op) {
    case 'fused': {
      if (node.program === undefined) throw new GraphVerificationError(`${describe(node)}: a fused node needs a program`);
      checkProgram(node, node.program.numInputs, node.program, node.inputs.length);
      if (staticInputs) checkRegion(graph, node, node.program, node.inputs.map(info), node.outputs, regionShape(node, node.inputs.map(info)));
      return;
    }
    case 'readVariable':
    case 'assignVariable':
      checkVariableNode(graph, node, state);
      return;
    case 'cond':
    case 'while':
      checkControlFlow(graph, node);
      return;
    case 'constant': {
      const value = node.attrs.value as ArrayLike<number> | undefined;
      const out = graph.values.get(node.outputs[0]);
      const size = out === undefined ? undefined : out.shape.reduce<number>((p, d) => p * (d ?? NaN), 1);
      if (!ArrayBuffer.isView(value) || out === undefined || value.length !== size || value.constructor.name !== TYPED_ARRAY[out.dtype].name) {
        throw new GraphVerificationError(`${describe(node)}: attrs.value must be a ${out === undefined ? 'typed array' : `${TYPED_ARRAY[out.dtype].name} of ${size} elements`}`);
      }
      return;
    }
  }
  const primitive = getPrimitive(node.op);
  if (primitive === undefined || !staticInputs) return;
  const epilogue = node.attrs.epilogue as FusedProgram | undefined;
  const prologue = node.attrs.prologue as FusedProgram | undefined;
  const { epilogue: _e, prologue: _p, prologueShape, ...attrs } = node.attrs as Record<string, unknown>;
  if (epilogue !== undefined) {
    const arity = primitive.inputNames.length;
    checkProgram(node, epilogue.numInputs, epilogue, node.inputs.length - arity + 1);
    const [result] = inferNode(node, primitive.infer.bind(primitive), node.inputs.slice(0, arity).map(info), attrs);
    checkRegion(graph, node, epilogue, [result, ...node.inputs.slice(arity).map(info)], node.outputs, result.shape);
    return;
  }
  let inputs = node.inputs.map(info);
  if (prologue !== undefined) {
    checkProgram(node, prologue.numInputs, prologue, node.inputs.length);
    if (prologue.outputs.length !== 1) throw new GraphVerificationError(`${describe(node)}: a prologue has exactly one output`);
    const registers = programRegisters(node, prologue, inputs);
    inputs = [registers[prologue.outputs[0]]];
    const expected = prologueShape as readonly number[];
    if (!sameDims(inputs[0].shape, expected)) {
      throw new GraphVerificationError(`${describe(node)}: the prologue computes ${formatShape(inputs[0].shape)}, attrs.prologueShape says ${formatShape(expected)}`);
    }
  }
  const inferred = inferNode(node, primitive.infer.bind(primitive), inputs, attrs);
  if (inferred.length !== node.outputs.length) {
    throw new GraphVerificationError(`${describe(node)}: ${node.outputs.length} outputs recorded, inference gives ${inferred.length}`);
  }
  inferred.forEach((inferredInfo, i) => expectRecorded(graph, node, node.outputs[i], inferredInfo));
}

const TYPED_ARRAY: Readonly<Record<DType, { readonly name: string }>> = { float32: Float32Array, int32: Int32Array, bool: Uint8Array };

function inferNode(node: GraphNode, infer: (inputs: readonly TensorInfo[], attrs: never) => TensorInfo[], inputs: readonly TensorInfo[], attrs: object): TensorInfo[] {
  try {
    return infer(inputs, attrs as never);
  } catch (error) {
    throw new GraphVerificationError(`${describe(node)}: its inputs do not type-check: ${(error as Error).message}`);
  }
}

function sameDims(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === null || b[i] === null || d === b[i]);
}

function expectRecorded(graph: Graph, node: GraphNode, id: number, inferred: TensorInfo): void {
  const value = graph.values.get(id)!;
  if (value.dtype !== inferred.dtype || !sameDims(value.shape, inferred.shape)) {
    throw new GraphVerificationError(
      `${describe(node)}: output %${value.id} is recorded as ${value.dtype}${formatShape(value.shape)}, inference gives ${inferred.dtype}${formatShape(inferred.shape)}`,
    );
  }
}

/** The broadcast of a region's input shapes: the shape every fused output has. */
function regionShape(node: GraphNode, inputs: readonly TensorInfo[]): number[] {
  let shape: number[] = [];
  for (const input of inputs) {
    try {
      shape = broadcastShapes('fused', shape, input.shape);
    } catch (error) {
      throw new GraphVerificationError(`${describe(node)}: its inputs do not broadcast together: ${(error as Error).message}`);
    }
  }
  return shape;
}

/** Infers every register of a program from its inputs, checking each instruction's recorded dtype. */
function programRegisters(node: GraphNode, program: FusedProgram, inputs: readonly TensorInfo[]): TensorInfo[] {
  const registers = [...inputs];
  program.instructions.forEach((instruction, k) => {
    const primitive = getPrimitive(instruction.op)!;
    const [result] = inferNode(node, primitive.infer.bind(primitive), instruction.args.map((r) => registers[r]), instruction.attrs);
    if (result.dtype !== instruction.dtype) {
      throw new GraphVerificationError(`${describe(node)}: instruction ${k} (${instruction.op}) gives ${result.dtype}, the program records ${instruction.dtype}`);
    }
    registers.push(result);
  });
  return registers;
}

/** A region's outputs all have its shape and their registers' dtypes, and every register fits in that shape. */
function checkRegion(graph: Graph, node: GraphNode, program: FusedProgram, inputs: readonly TensorInfo[], outputs: readonly number[], shape: readonly number[]): void {
  if (program.outputs.length !== outputs.length) {
    throw new GraphVerificationError(`${describe(node)}: program has ${program.outputs.length} outputs, the node ${outputs.length}`);
  }
  const registers = programRegisters(node, program, inputs);
  if (registers.some((r) => !sameDims(broadcastShapes(node.op, r.shape, shape), shape))) {
    throw new GraphVerificationError(`${describe(node)}: a register does not fit the region's shape ${formatShape(shape)}`);
  }
  outputs.forEach((id, k) => expectRecorded(graph, node, id, { shape, dtype: registers[program.outputs[k]].dtype }));
}

/** Branches and loop bodies line up with the node's inputs and outputs (IR-NOTES.md), and verify themselves. */
function checkControlFlow(graph: Graph, node: GraphNode): void {
  const expect = (name: string, sub: unknown, inputs: number, outputs: number): void => {
    if (!isGraph(sub)) throw new GraphVerificationError(`${describe(node)}: attrs.${name} must be a graph`);
    if (sub.inputs.length !== inputs || sub.outputs.length !== outputs) {
      throw new GraphVerificationError(
        `${describe(node)}: attrs.${name} takes ${sub.inputs.length} inputs and gives ${sub.outputs.length} outputs, expected ${inputs} and ${outputs}`,
      );
    }
    try {
      verifyGraph(sub);
    } catch (error) {
      throw new GraphVerificationError(`${describe(node)}: attrs.${name}: ${(error as Error).message}`);
    }
    sub.outputs.forEach((id, i) => {
      const inner = sub.values.get(id)!;
      const outer = i < node.outputs.length && name !== 'condition' ? graph.values.get(node.outputs[i]) : undefined;
      if (outer !== undefined && (outer.dtype !== inner.dtype || !sameDims(outer.shape, inner.shape))) {
        throw new GraphVerificationError(
          `${describe(node)}: attrs.${name} output ${i} is ${inner.dtype}${formatShape(inner.shape)}, the node's is ${outer.dtype}${formatShape(outer.shape)}`,
        );
      }
    });
  };
  if (node.op === 'cond') {
    expect('thenBranch', node.attrs.thenBranch, node.inputs.length - 1, node.outputs.length);
    expect('elseBranch', node.attrs.elseBranch, node.inputs.length - 1, node.outputs.length);
    return;
  }
  const numLoopVars = node.attrs.numLoopVars as number;
  if (node.outputs.length !== numLoopVars) {
    throw new GraphVerificationError(`${describe(node)}: gives ${node.outputs.length} outputs for ${numLoopVars} loop variables`);
  }
  expect('condition', node.attrs.condition, node.inputs.length, 1);
  expect('body', node.attrs.body, node.inputs.length, numLoopVars);
}

function checkVariableNode(graph: Graph, node: GraphNode, state: VariableState): void {
  const variable = variableOf(node) as { shape?: readonly number[]; dtype?: DType } | undefined;
  if (variable === undefined) throw new GraphVerificationError(`${describe(node)}: attrs.variable is missing`);
  const [inputs, outputs] = node.op === 'readVariable' ? [0, 1] : [1, 0];
  if (node.inputs.length !== inputs || node.outputs.length !== outputs) {
    throw new GraphVerificationError(`${describe(node)}: takes ${inputs} input(s) and gives ${outputs} output(s), has ${node.inputs.length} and ${node.outputs.length}`);
  }
  // Reads come before the first assign of their variable; later reads use the assigned value (IR-NOTES.md).
  if (node.op === 'readVariable' && state.assigned.has(variable)) {
    throw new GraphVerificationError(`${describe(node)}: reads a variable after it was assigned in the same graph`);
  }
  if (node.op === 'assignVariable') state.assigned.add(variable);
  const value = graph.values.get(node.op === 'readVariable' ? node.outputs[0] : node.inputs[0])!;
  if (variable.dtype !== undefined && Array.isArray(variable.shape)) {
    if (value.dtype !== variable.dtype || !sameDims(value.shape, variable.shape)) {
      throw new GraphVerificationError(
        `${describe(node)}: the variable is ${variable.dtype}${formatShape(variable.shape)}, the value ${value.dtype}${formatShape(value.shape)}`,
      );
    }
  }
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
