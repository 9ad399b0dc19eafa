import type { Graph, GraphNode, GraphValue } from '@tessera/core';

/**
 * What every pass shares: use counts, effect detection, value substitution and a way to rebuild a
 * graph with fresh value ids. Passes never mutate their input graph; they build a new one.
 */

/** True when `value` has the shape of a Graph (a subgraph stored in a node's attributes). */
export function isGraph(value: unknown): value is Graph {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Graph).values instanceof Map &&
    Array.isArray((value as Graph).nodes) &&
    Array.isArray((value as Graph).inputs) &&
    Array.isArray((value as Graph).outputs)
  );
}

/** The subgraphs a control-flow node holds in its attributes (then/else branches, loop condition and body). */
export function subgraphsOf(node: GraphNode): Graph[] {
  const found: Graph[] = [];
  for (const value of Object.values(node.attrs)) {
    if (isGraph(value)) found.push(value);
    else if (Array.isArray(value)) for (const item of value) if (isGraph(item)) found.push(item);
  }
  return found;
}

/** Writes a variable's state: an assign, or a control-flow node whose subgraphs assign. */
function writesState(node: GraphNode): boolean {
  if (node.op === 'assignVariable') return true;
  if (node.kind === 'effect' && node.op !== 'readVariable') return true;
  return subgraphsOf(node).some((g) => g.nodes.some(writesState));
}

/** Reads a variable's state, directly or inside a subgraph. */
export function readsState(node: GraphNode): boolean {
  if (node.op === 'readVariable') return true;
  return subgraphsOf(node).some((g) => g.nodes.some(readsState));
}

/** An effect must stay where it is, in its order relative to the other effects, even when nothing uses its outputs. */
export function isEffect(node: GraphNode): boolean {
  return writesState(node);
}

/** The node's variable, as the tracer records it (`attrs.variable`), for keying reads and writes. */
export function variableOf(node: GraphNode): unknown {
  return node.attrs.variable;
}

/** For each value, the nodes consuming it (each node listed once). */
export function consumersOf(graph: Graph): Map<number, GraphNode[]> {
  const consumers = new Map<number, GraphNode[]>();
  for (const node of graph.nodes) {
    for (const id of new Set(node.inputs)) {
      const list = consumers.get(id);
      if (list === undefined) consumers.set(id, [node]);
      else list.push(node);
    }
  }
  return consumers;
}

/** For each value, the node producing it (graph inputs have none). */
export function producersOf(graph: Graph): Map<number, GraphNode> {
  const producers = new Map<number, GraphNode>();
  for (const node of graph.nodes) for (const id of node.outputs) producers.set(id, node);
  return producers;
}

/** Follows a substitution chain to its end (a → b → c gives c). */
export function resolve(substitution: ReadonlyMap<number, number>, id: number): number {
  let current = id;
  for (let next = substitution.get(current); next !== undefined; next = substitution.get(current)) current = next;
  return current;
}

/**
 * Assembles a graph from kept nodes: applies `substitution` to every input and output, and keeps
 * only the values that are still defined or used.
 */
export function rebuildGraph(graph: Graph, nodes: readonly GraphNode[], substitution: ReadonlyMap<number, number> = new Map()): Graph {
  const renamed = nodes.map((node) =>
    node.inputs.some((id) => substitution.has(id)) ? { ...node, inputs: node.inputs.map((id) => resolve(substitution, id)) } : node,
  );
  const outputs = graph.outputs.map((id) => resolve(substitution, id));
  const live = new Set<number>([...graph.inputs, ...outputs]);
  for (const node of renamed) {
    node.inputs.forEach((id) => live.add(id));
    node.outputs.forEach((id) => live.add(id));
  }
  const values = new Map<number, GraphValue>();
  for (const [id, value] of graph.values) if (live.has(id)) values.set(id, value);
  return { values, nodes: renamed, inputs: graph.inputs, outputs };
}

/** Hands out fresh node and value ids above every id a graph already uses. */
export class IdAllocator {
  private nextValue: number;
  private nextNode: number;

  constructor(graph: Graph) {
    this.nextValue = Math.max(-1, ...graph.values.keys()) + 1;
    this.nextNode = Math.max(-1, ...graph.nodes.map((n) => n.id)) + 1;
  }

  value(): number {
    return this.nextValue++;
  }

  node(): number {
    return this.nextNode++;
  }
}

/**
 * A canonical string for attribute values, so equal attributes give equal keys regardless of key
 * order. Typed arrays are written element by element; subgraphs and other objects compare by identity.
 */
export function attrKey(value: unknown, identities: Map<object, number> = new Map()): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (ArrayBuffer.isView(value)) {
    return `${value.constructor.name}[${Array.from(value as unknown as ArrayLike<number>, (v) => (Object.is(v, -0) ? '-0' : String(v))).join(',')}]`;
  }
  if (Array.isArray(value)) return `[${value.map((v) => attrKey(v, identities)).join(',')}]`;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${attrKey((value as Record<string, unknown>)[k], identities)}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'object' || typeof value === 'function') {
    let id = identities.get(value);
    if (id === undefined) {
      id = identities.size;
      identities.set(value, id);
    }
    return `#${id}`;
  }
  return String(value);
}

/** True when both shapes are known to be equal: the same rank and the same dimensions, a symbolic one matching only itself in the same position. */
export function sameShape(a: readonly (number | null)[], b: readonly (number | null)[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Elements of a fully static shape; `undefined` when any dimension is symbolic. */
export function staticSize(shape: readonly (number | null)[]): number | undefined {
  let size = 1;
  for (const d of shape) {
    if (d === null) return undefined;
    size *= d;
  }
  return size;
}

/**
 * True when an operand of shape `small` broadcasts into `big` without growing it: right-aligned,
 * each of its dimensions is 1 or equals big's (a symbolic dimension matching only a symbolic one in
 * the same position), and its rank is not larger.
 */
export function broadcastsInto(small: readonly (number | null)[], big: readonly (number | null)[]): boolean {
  if (small.length > big.length) return false;
  const offset = big.length - small.length;
  return small.every((d, i) => d === 1 || d === big[i + offset]);
}
