import type { Graph, GraphNode } from '@tessera/core';
import { programOf } from './epilogue-fusion.js';
import { consumersOf, producersOf } from './graph-tools.js';

/** Reductions that accept a prologue: each combines values that the prologue computes on the fly. */
const REDUCTIONS = new Set(['sum', 'max', 'min', 'prod']);

/**
 * Reduction fusion, for backends that say they support it (`optimize`'s `reductionFusion` option):
 * a sum/max/min/prod whose input is computed by an elementwise producer (a fused region or a lone
 * elementwise op) that nothing else reads becomes one node that computes the producer's values
 * while reducing them, never writing them to memory (`sum(square(x))` in one pass).
 *
 * Representation (see PASSES-NOTES.md): the reduction keeps its op, kind, `axes` and `keepDims`
 * and gains `attrs.prologue`, a FusedProgram with exactly one output register, the values to
 * reduce, and `attrs.prologueShape`, their shape; `node.inputs` become the prologue's inputs.
 * It stays at the reduction's place in the node order.
 */
export function fuseReductions(graph: Graph): Graph {
  const consumers = consumersOf(graph);
  const producers = producersOf(graph);
  const outputs = new Set(graph.outputs);
  const replaced = new Map<GraphNode, GraphNode>();
  const removed = new Set<GraphNode>();
  for (const node of graph.nodes) {
    if (!REDUCTIONS.has(node.op) || node.attrs.prologue !== undefined || node.inputs.length !== 1) continue;
    const [reduced] = node.inputs;
    const producer = producers.get(reduced);
    if (producer === undefined || removed.has(producer) || outputs.has(reduced) || producer.outputs.length !== 1) continue;
    if ((consumers.get(reduced) ?? []).length !== 1) continue;
    const program = programOf(graph, producer);
    if (program === undefined || program.outputs.length !== 1) continue;
    removed.add(producer);
    replaced.set(node, {
      ...node,
      inputs: producer.inputs,
      attrs: { ...node.attrs, prologue: program, prologueShape: graph.values.get(reduced)!.shape },
    });
  }
  if (removed.size === 0) return graph;
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes };
}
