import type { Graph, GraphNode } from '@tessera/core';
import { isEffect, rebuildGraph } from './graph-tools.js';

/**
 * Dead-code elimination: drops every node none of whose outputs reaches a graph output or an
 * effect. Effects (variable assigns, control flow whose branches assign) always stay, in order,
 * together with everything they read.
 */
export function eliminateDeadCode(graph: Graph): Graph {
  const needed = new Set<number>(graph.outputs);
  const kept: GraphNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i];
    if (isEffect(node) || node.outputs.some((id) => needed.has(id))) {
      kept.push(node);
      node.inputs.forEach((id) => needed.add(id));
    }
  }
  kept.reverse();
  if (kept.length === graph.nodes.length) return graph;
  return rebuildGraph(graph, kept);
}
