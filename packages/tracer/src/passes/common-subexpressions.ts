import type { Graph, GraphNode } from '@tessera/core';
import { attrKey, isEffect, readsState, rebuildGraph, resolve, variableOf } from './graph-tools.js';

/** Ops whose result does not depend on the order of their two inputs (exactly, in IEEE arithmetic too). */
const COMMUTATIVE = new Set(['add', 'mul', 'equal', 'notEqual', 'logicalAnd', 'logicalOr']);

/** Constants larger than this are not compared element by element (the key would cost more than it saves). */
const MAX_COMPARED_CONSTANT = 4096;

/**
 * Common-subexpression elimination: a node computing the same op on the same inputs with the same
 * attributes (and output types) as an earlier node is dropped and its outputs replaced by the
 * earlier node's. Effects are never merged. Two variable reads merge only when no write of that
 * variable (or effectful control flow) lies between them; stateless random ops merge only with
 * identical seeds, which the attribute comparison already requires.
 */
export function eliminateCommonSubexpressions(graph: Graph): Graph {
  const substitution = new Map<number, number>();
  const seen = new Map<string, GraphNode>();
  const identities = new Map<object, number>();
  const writesOf = new Map<unknown, number>();
  let opaqueWrites = 0;
  const kept: GraphNode[] = [];
  for (const original of graph.nodes) {
    const node = original.inputs.some((id) => substitution.has(id))
      ? { ...original, inputs: original.inputs.map((id) => resolve(substitution, id)) }
      : original;
    if (isEffect(node)) {
      if (node.op === 'assignVariable') writesOf.set(variableOf(node), (writesOf.get(variableOf(node)) ?? 0) + 1);
      else opaqueWrites++;
      kept.push(node);
      continue;
    }
    const key = nodeKey(graph, node, identities, () =>
      node.op === 'readVariable' ? `${attrKey(variableOf(node), identities)}@${writesOf.get(variableOf(node)) ?? 0}/${opaqueWrites}` : `*${totalWrites(writesOf) + opaqueWrites}`,
    );
    const earlier = key === undefined ? undefined : seen.get(key);
    if (earlier !== undefined) {
      node.outputs.forEach((id, i) => substitution.set(id, earlier.outputs[i]));
      continue;
    }
    if (key !== undefined) seen.set(key, node);
    kept.push(node);
  }
  if (kept.length === graph.nodes.length) return graph;
  return rebuildGraph(graph, kept, substitution);
}

function totalWrites(writesOf: ReadonlyMap<unknown, number>): number {
  let total = 0;
  for (const n of writesOf.values()) total += n;
  return total;
}

/** The node's identity for merging, or `undefined` when it must never merge. */
function nodeKey(graph: Graph, node: GraphNode, identities: Map<object, number>, stateEpoch: () => string): string | undefined {
  if (node.op === 'constant') {
    const value = node.attrs.value as ArrayLike<number> | undefined;
    if (value === undefined || value.length > MAX_COMPARED_CONSTANT) return undefined;
  }
  const inputs = COMMUTATIVE.has(node.op) && node.inputs.length === 2 ? [...node.inputs].sort((a, b) => a - b) : node.inputs;
  const types = node.outputs.map((id) => {
    const v = graph.values.get(id)!;
    return `${v.dtype}[${v.shape.join(',')}]`;
  });
  const state = readsState(node) ? stateEpoch() : '';
  return `${node.op}|${node.kind}|${inputs.join(',')}|${attrKey(node.attrs, identities)}|${node.program === undefined ? '' : attrKey(node.program)}|${types.join(';')}|${state}`;
}
