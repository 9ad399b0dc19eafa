import type { DType, Graph, GraphNode, TypedArray } from '@tessera/core';
import { broadcastsInto, rebuildGraph, resolve, sameShape } from './graph-tools.js';

/**
 * Algebraic simplification: rewrites that make a node disappear or a chain shorter, each exact.
 *
 * - `x*1`, `1*x`, `x+0`, `0+x`, `x-0`, `x/1` → `x`, when the constant broadcasts into x without
 *   growing it and the result keeps x's dtype (so nothing changes shape or type). `x+0` turns a
 *   -0 into +0, which compares equal; TensorFlow's optimizer makes the same trade.
 * - `neg(neg(x))` → `x`.
 * - `transpose(transpose(x, p), q)` → `transpose(x, p∘q)`, and an identity permutation → `x`.
 * - `reshape(reshape(x, a), b)` → `reshape(x, b)`, and a reshape to x's own static shape → `x`;
 *   likewise a `broadcastTo` x's own static shape.
 * - `cast(x, dtype of x)` → `x`; `cast(cast(x, a), b)` → `cast(x, b)` (or `x` when b is x's dtype)
 *   only when the first cast loses nothing (from bool), so every value survives both ways.
 *
 * The producers that become unused are left for dead-code elimination.
 */
export function simplifyAlgebra(graph: Graph): Graph {
  const substitution = new Map<number, number>();
  const producers = new Map<number, GraphNode>();
  const nodes: GraphNode[] = [];
  let changed = false;
  for (const original of graph.nodes) {
    let node = original.inputs.some((id) => substitution.has(id))
      ? { ...original, inputs: original.inputs.map((id) => resolve(substitution, id)) }
      : original;
    const rewrite = simplifyNode(graph, node, producers);
    if (rewrite !== node) changed = true;
    if (typeof rewrite === 'number') {
      substitution.set(node.outputs[0], rewrite);
      continue;
    }
    node = rewrite;
    node.outputs.forEach((id) => producers.set(id, node));
    nodes.push(node);
  }
  if (!changed && substitution.size === 0) return graph;
  return rebuildGraph(graph, nodes, substitution);
}

/** The simplified node, or the id of an existing value that replaces the node's single output. */
function simplifyNode(graph: Graph, node: GraphNode, producers: ReadonlyMap<number, GraphNode>): GraphNode | number {
  const producer = (id: number): GraphNode | undefined => producers.get(id);
  const out = node.outputs.length === 1 ? graph.values.get(node.outputs[0])! : undefined;
  if (out === undefined || node.program !== undefined || node.attrs.epilogue !== undefined) return node;
  const keepsType = (id: number): boolean => {
    const x = graph.values.get(id)!;
    return x.dtype === out.dtype && sameShape(x.shape, out.shape);
  };
  const isIdentityOperand = (constant: number, other: number, identity: number): boolean => {
    const value = constantValue(producer(constant));
    return value !== undefined && value.every((v) => v === identity) && broadcastsInto(graph.values.get(constant)!.shape, graph.values.get(other)!.shape) && keepsType(other);
  };
  const [a, b] = node.inputs;
  switch (node.op) {
    case 'mul':
      if (isIdentityOperand(b, a, 1)) return a;
      if (isIdentityOperand(a, b, 1)) return b;
      return node;
    case 'add':
      if (isIdentityOperand(b, a, 0)) return a;
      if (isIdentityOperand(a, b, 0)) return b;
      return node;
    case 'sub':
      return isIdentityOperand(b, a, 0) ? a : node;
    case 'div':
      return isIdentityOperand(b, a, 1) ? a : node;
    case 'neg': {
      const inner = producer(a);
      return inner?.op === 'neg' && keepsType(inner.inputs[0]) ? inner.inputs[0] : node;
    }
    case 'transpose': {
      const perm = node.attrs.perm as readonly number[];
      const inner = producer(a);
      if (inner?.op === 'transpose') {
        const innerPerm = inner.attrs.perm as readonly number[];
        const composed = perm.map((p) => innerPerm[p]);
        return isIdentity(composed) ? inner.inputs[0] : { ...node, inputs: [inner.inputs[0]], attrs: { ...node.attrs, perm: composed } };
      }
      return isIdentity(perm) ? a : node;
    }
    case 'reshape': {
      const inner = producer(a);
      const source = inner?.op === 'reshape' ? inner.inputs[0] : a;
      const sourceShape = graph.values.get(source)!.shape;
      if (!sourceShape.includes(null) && keepsType(source)) return source;
      return source === a ? node : { ...node, inputs: [source] };
    }
    case 'broadcastTo':
      return keepsType(a) && !graph.values.get(a)!.shape.includes(null) ? a : node;
    case 'cast': {
      if (keepsType(a)) return a;
      const inner = producer(a);
      if (inner?.op !== 'cast') return node;
      const source = inner.inputs[0];
      if (!isLossless(graph.values.get(source)!.dtype, inner.attrs.dtype as DType)) return node;
      return keepsType(source) ? source : { ...node, inputs: [source] };
    }
    default:
      return node;
  }
}

function isIdentity(perm: readonly number[]): boolean {
  return perm.every((p, i) => p === i);
}

/** A cast that every value survives, so casting onwards from its result equals casting from its input. */
function isLossless(from: DType, to: DType): boolean {
  return from === to || from === 'bool';
}

function constantValue(node: GraphNode | undefined): TypedArray | undefined {
  return node?.op === 'constant' ? (node.attrs.value as TypedArray) : undefined;
}
