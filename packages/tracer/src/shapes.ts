import type { Graph, GraphNode, Shape, TensorInfo } from '@tessera/core';
import { ShapeError, broadcastShapes, getPrimitive } from '@tessera/core';

/** True when some value of the graph (or of a subgraph) has a symbolic dimension. */
export function hasSymbolicShapes(graph: Graph): boolean {
  for (const value of graph.values.values()) if (value.shape.includes(null)) return true;
  return false;
}

/** The static shapes of a graph without symbolic dimensions. */
export function staticShapes(graph: Graph): Map<number, Shape> {
  const shapes = new Map<number, Shape>();
  for (const [id, value] of graph.values) shapes.set(id, value.shape as Shape);
  return shapes;
}

/**
 * Works out every value's concrete shape from the actual input shapes: each op's own inference runs
 * again, so a symbolic (null) dimension takes the size of this call.
 */
export function resolveShapes(graph: Graph, inputShapes: readonly Shape[]): Map<number, Shape> {
  const shapes = new Map<number, Shape>();
  graph.inputs.forEach((id, i) => {
    const declared = graph.values.get(id)!.shape;
    const given = inputShapes[i];
    if (given.length !== declared.length || declared.some((d, k) => d !== null && d !== given[k])) {
      throw new ShapeError(`graph: input ${i} must have shape [${declared.map((d) => d ?? '?').join(',')}], got [${given.join(',')}]`);
    }
    shapes.set(id, given);
  });
  for (const node of graph.nodes) {
    const outputs = node.outputs.map((id) => graph.values.get(id)!);
    if (outputs.every((v) => !v.shape.includes(null))) {
      outputs.forEach((v) => shapes.set(v.id, v.shape as Shape));
      continue;
    }
    const inputs: TensorInfo[] = node.inputs.map((id) => ({ shape: shapes.get(id)!, dtype: graph.values.get(id)!.dtype }));
    const resolved = inferNode(node, inputs);
    node.outputs.forEach((id, i) => shapes.set(id, resolved[i]));
  }
  return shapes;
}

/**
 * The attributes a node runs with for these input shapes: a symbolic reshape's `-1` (see
 * IR-NOTES.md) becomes this call's size; every other node's attributes are used as recorded.
 */
export function concreteAttrs(node: GraphNode, inputs: readonly TensorInfo[]): Record<string, unknown> {
  if (node.op !== 'reshape') return node.attrs as Record<string, unknown>;
  const shape = node.attrs.shape as readonly number[];
  if (!shape.includes(-1)) return node.attrs as Record<string, unknown>;
  const size = inputs[0].shape.reduce((p, d) => p * d, 1);
  const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
  if (known === 0 || size % known !== 0) {
    throw new ShapeError(`reshape: cannot reshape [${inputs[0].shape.join(',')}] to [${shape.join(',')}] (node ${node.id})`);
  }
  return { ...node.attrs, shape: shape.map((d) => (d === -1 ? size / known : d)) };
}

function inferNode(node: GraphNode, inputs: readonly TensorInfo[]): Shape[] {
  switch (node.op) {
    case 'fused': {
      const shape = inputs.reduce<Shape>((acc, info) => broadcastShapes('fused', acc, info.shape), []);
      return node.outputs.map(() => shape);
    }
    case 'cond': {
      const branch = node.attrs.thenBranch as Graph;
      const inner = resolveShapes(branch, inputs.slice(1).map((i) => i.shape));
      return branch.outputs.map((id) => inner.get(id)!);
    }
    case 'while': {
      // Loop variables keep their shapes from one iteration to the next (checked when traced).
      const numLoopVars = node.attrs.numLoopVars as number;
      return inputs.slice(0, numLoopVars).map((i) => i.shape);
    }
    default: {
      const op = getPrimitive(node.op);
      if (op !== undefined && node.attrs.epilogue !== undefined) {
        const { epilogue: _epilogue, ...attrs } = node.attrs;
        const [result] = op.infer(inputs.slice(0, op.inputNames.length), attrs as never);
        return node.outputs.map(() => result.shape);
      }
      if (op !== undefined && node.attrs.prologue !== undefined) {
        const { prologue: _prologue, prologueShape: _shape, ...attrs } = node.attrs;
        const shape = inputs.reduce<Shape>((acc, info) => broadcastShapes(node.op, acc, info.shape), []);
        return op.infer([{ shape, dtype: inputs[0].dtype }], attrs as never).map((o) => o.shape);
      }
      if (op === undefined) throw new Error(`graph: cannot infer shapes of '${node.op}' (node ${node.id})`);
      return op.infer(inputs, concreteAttrs(node, inputs) as never).map((o) => o.shape);
    }
  }
}
