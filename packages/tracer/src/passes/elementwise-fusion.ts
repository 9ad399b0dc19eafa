import type { FusedInstruction, FusedProgram, Graph, GraphNode, GraphValue } from '@tessera/core';
import { getPrimitive } from '@tessera/core';
import { broadcastsInto, sameShape } from './graph-tools.js';

export interface ElementwiseFusionOptions {
  /**
   * Most distinct inputs one fused region may read (a backend's binding limit: WebGPU guarantees 8
   * storage buffers per shader stage, and the region's outputs need some of them). Default 8.
   */
  readonly maxFusedInputs?: number;
  /** Most outputs of one fused region, the root's included (bindings again). Default unlimited. */
  readonly maxFusedOutputs?: number;
}

const DEFAULT_MAX_FUSED_INPUTS = 8;

/** Ops that take an epilogue (epilogue-fusion.ts): their results are better left to a single consumer. */
const CONTRACTIONS = new Set(['matMul', 'conv2d']);

/**
 * Ops cheap enough to compute twice rather than write to memory and read back: one arithmetic
 * instruction each. A producer with consumers outside a region is recomputed inside it when it is
 * one of these.
 */
const CHEAP = new Set([
  'abs', 'add', 'cast', 'ceil', 'equal', 'floor', 'greater', 'greaterEqual', 'less', 'lessEqual', 'logicalAnd',
  'logicalNot', 'logicalOr', 'maximum', 'minimum', 'mul', 'neg', 'notEqual', 'relu', 'round', 'sign', 'square', 'sub', 'where',
]);

interface Region {
  /** Index of the last node of the region; the fused node takes its place. */
  readonly root: number;
  /** Nodes the region replaces. */
  readonly members: Set<number>;
  /** Nodes the region computes again for itself; the originals stay for their other consumers. */
  readonly recomputed: Set<number>;
  /** Members absorbed as extra outputs (their values are read after the region). */
  readonly extraOutputs: Set<number>;
}

/**
 * Elementwise fusion: groups elementwise primitives into `fused` nodes (kind `region`) holding a
 * FusedProgram, so a chain like gelu runs as one pass over memory.
 *
 * Regions grow backwards from their last node (the root, whose output shape is the region's shape)
 * by taking in producers of their inputs:
 * - a producer all of whose uses are in the region is absorbed (single-consumer chains, diamonds);
 * - a producer with uses only after the root (or graph outputs) and the region's own static shape
 *   is absorbed and becomes an extra output of the region;
 * - otherwise a cheap producer (see CHEAP) whose own inputs are in memory anyway (graph inputs,
 *   results of non-fusable ops) is recomputed inside the region;
 * - a producer of a smaller shape that broadcasts into the region's shape fuses like any other
 *   (the region broadcasts its inputs), but is never a region output;
 * - a region never reads more than `maxFusedInputs` distinct values, nor writes more than
 *   `maxFusedOutputs`.
 * The fused node takes the root's place, so every effect keeps its position. Producers left without
 * consumers by recomputation are left for dead-code elimination.
 */
export function fuseElementwise(graph: Graph, options: ElementwiseFusionOptions = {}): Graph {
  const maxInputs = options.maxFusedInputs ?? DEFAULT_MAX_FUSED_INPUTS;
  const maxOutputs = options.maxFusedOutputs ?? Infinity;
  const nodes = graph.nodes;
  const value = (id: number): GraphValue => graph.values.get(id)!;
  const producerIndex = new Map<number, number>();
  nodes.forEach((node, i) => node.outputs.forEach((id) => producerIndex.set(id, i)));
  const consumerIndices = new Map<number, number[]>();
  nodes.forEach((node, i) => {
    for (const id of new Set(node.inputs)) {
      const list = consumerIndices.get(id);
      if (list === undefined) consumerIndices.set(id, [i]);
      else list.push(i);
    }
  });
  const graphOutputs = new Set(graph.outputs);
  const assigned = new Int32Array(nodes.length).fill(-1);
  const regions: Region[] = [];

  /** Where each use of node p's output lies relative to region r: internal, or the position of an outside use. */
  const outsideUses = (p: number, region: Region, regionId: number): number[] => {
    const id = nodes[p].outputs[0];
    const positions: number[] = [];
    if (graphOutputs.has(id)) positions.push(Infinity);
    for (const c of consumerIndices.get(id) ?? []) {
      const owner = assigned[c];
      // An unassigned consumer runs on its own (even if this region also recomputes a copy of it).
      if (owner === -1) positions.push(c);
      else if (owner !== regionId) {
        if (!regions[owner].recomputed.has(p)) positions.push(regions[owner].root);
      }
    }
    // Copies recomputed inside other regions read p's output from outside them.
    regions.forEach((other, g) => {
      if (g === regionId || other.recomputed.has(p)) return;
      for (const c of other.recomputed) if (nodes[c].inputs.includes(id)) positions.push(other.root);
    });
    return positions;
  };

  const externalInputs = (region: Region): number[] => {
    const inside = new Set<number>();
    for (const i of [...region.members, ...region.recomputed]) inside.add(nodes[i].outputs[0]);
    const inputs: number[] = [];
    const seen = new Set<number>();
    for (const i of [...region.members, ...region.recomputed].sort((a, b) => a - b)) {
      for (const id of nodes[i].inputs) {
        if (!inside.has(id) && !seen.has(id)) {
          seen.add(id);
          inputs.push(id);
        }
      }
    }
    return inputs;
  };

  /**
   * A region may read only values that exist before its root: never a value computed inside another
   * region (those all sit later, since regions are formed from the end).
   */
  const admissible = (region: Region): boolean => {
    const inputs = externalInputs(region);
    if (inputs.length > maxInputs) return false;
    return inputs.every((id) => {
      const p = producerIndex.get(id);
      return p === undefined || assigned[p] === -1;
    });
  };

  const tryWith = (region: Region, change: () => void, undo: () => void): boolean => {
    change();
    if (admissible(region)) return true;
    undo();
    return false;
  };

  /**
   * Recomputing pays only when the copy reads values that exist in memory anyway: graph inputs and
   * results of ops that are not fusable. Reading another elementwise result would force it to be
   * written out (as an extra region output), trading one write for another; reading a contraction's
   * result would give it a second consumer and cost it its epilogue (softmax after a dense layer).
   */
  const readsOnlyMaterialized = (p: number): boolean =>
    nodes[p].inputs.every((id) => {
      const producer = producerIndex.get(id);
      return producer === undefined || (!isFusable(nodes[producer]) && !CONTRACTIONS.has(nodes[producer].op));
    });

  for (let root = nodes.length - 1; root >= 0; root--) {
    if (assigned[root] !== -1 || !isFusable(nodes[root])) continue;
    const regionId = regions.length;
    const region: Region = { root, members: new Set([root]), recomputed: new Set(), extraOutputs: new Set() };
    regions.push(region);
    assigned[root] = regionId;
    const shape = value(nodes[root].outputs[0]).shape;
    const candidate = (id: number): number | undefined => {
      const p = producerIndex.get(id);
      if (p === undefined || assigned[p] !== -1 || region.recomputed.has(p) || !isFusable(nodes[p])) return undefined;
      return broadcastsInto(value(id).shape, shape) ? p : undefined;
    };
    for (let grew = true; grew; ) {
      grew = false;
      // Absorb whatever is wholly inside, or used only after the root, until nothing changes.
      for (let absorbed = true; absorbed; ) {
        absorbed = false;
        for (const id of externalInputs(region)) {
          const p = candidate(id);
          if (p === undefined) continue;
          const outside = outsideUses(p, region, regionId);
          const extra = outside.length > 0;
          const fits =
            !extra || (outside.every((pos) => pos > root) && canBeExtraOutput(value(id).shape, shape) && region.extraOutputs.size + 2 <= maxOutputs);
          const add = (): void => {
            region.members.add(p);
            if (extra) region.extraOutputs.add(p);
            assigned[p] = regionId;
          };
          const remove = (): void => {
            region.members.delete(p);
            region.extraOutputs.delete(p);
            assigned[p] = -1;
          };
          if (fits && tryWith(region, add, remove)) absorbed = grew = true;
        }
      }
      // Then recompute one cheap producer that members (not recomputed copies) read, and try again.
      for (const id of externalInputs(region)) {
        const p = candidate(id);
        if (p === undefined || !CHEAP.has(nodes[p].op)) continue;
        const readByMember = [...region.members].some((m) => nodes[m].inputs.includes(id));
        if (!readByMember || !readsOnlyMaterialized(p)) continue;
        if (tryWith(region, () => region.recomputed.add(p), () => region.recomputed.delete(p))) {
          grew = true;
          break;
        }
      }
    }
  }

  const fusedAt = new Map<number, GraphNode>();
  let changed = false;
  regions.forEach((region, g) => {
    if (region.members.size + region.recomputed.size < 2) {
      assigned[region.root] = -1;
      return;
    }
    changed = true;
    fusedAt.set(region.root, buildFusedNode(graph, nodes, region, g, assigned, regions, consumerIndices, graphOutputs));
  });
  if (!changed) return graph;
  const result: GraphNode[] = [];
  nodes.forEach((node, i) => {
    const fused = fusedAt.get(i);
    if (fused !== undefined) result.push(fused);
    else if (assigned[i] === -1) result.push(node);
  });
  return { ...graph, nodes: result };
}

/**
 * An extra output is written at the region's shape, so it must be exactly that shape at run time.
 * Two symbolic dimensions are not known to be equal (one value's batch may be 1 and broadcast), so
 * only fully static shapes qualify.
 */
function canBeExtraOutput(member: readonly (number | null)[], region: readonly (number | null)[]): boolean {
  return sameShape(member, region) && !member.includes(null);
}

function isFusable(node: GraphNode): boolean {
  const primitive = getPrimitive(node.op);
  return (
    primitive !== undefined &&
    primitive.kind === 'elementwise' &&
    primitive.formula !== undefined &&
    node.outputs.length === 1 &&
    node.program === undefined &&
    node.attrs.epilogue === undefined
  );
}

function buildFusedNode(
  graph: Graph,
  nodes: readonly GraphNode[],
  region: Region,
  regionId: number,
  assigned: Int32Array,
  regions: readonly Region[],
  consumerIndices: ReadonlyMap<number, number[]>,
  graphOutputs: ReadonlySet<number>,
): GraphNode {
  const order = [...region.members, ...region.recomputed].sort((a, b) => a - b);
  const inside = new Set(order.map((i) => nodes[i].outputs[0]));
  const inputs: number[] = [];
  const registerOf = new Map<number, number>();
  for (const i of order) {
    for (const id of nodes[i].inputs) {
      if (!inside.has(id) && !registerOf.has(id)) {
        registerOf.set(id, inputs.length);
        inputs.push(id);
      }
    }
  }
  const instructions: FusedInstruction[] = order.map((i, k) => {
    const node = nodes[i];
    const out = node.outputs[0];
    const instruction = { op: node.op, args: node.inputs.map((id) => registerOf.get(id)!), attrs: node.attrs, dtype: graph.values.get(out)!.dtype };
    registerOf.set(out, inputs.length + k);
    return instruction;
  });
  // The root's output first, then members whose values are still read outside the region.
  const rootOut = nodes[region.root].outputs[0];
  const outputs = [rootOut];
  for (const i of order) {
    const id = nodes[i].outputs[0];
    if (i === region.root || !region.members.has(i)) continue;
    const usedOutside =
      graphOutputs.has(id) ||
      (consumerIndices.get(id) ?? []).some((c) => assigned[c] === -1 || (assigned[c] !== regionId && !regions[assigned[c]].recomputed.has(i))) ||
      regions.some((other, g) => g !== regionId && !other.recomputed.has(i) && [...other.recomputed].some((c) => nodes[c].inputs.includes(id)));
    if (usedOutside) outputs.push(id);
  }
  const program: FusedProgram = { numInputs: inputs.length, instructions, outputs: outputs.map((id) => registerOf.get(id)!) };
  return { id: nodes[region.root].id, op: 'fused', kind: 'region', inputs, outputs, attrs: {}, program };
}
