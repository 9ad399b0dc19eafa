import type { DType, Graph, GraphNode } from '@tessera/core';
import { subgraphsOf, staticSize } from './graph-tools.js';

/** Where a value lives in the node order: defined at one position, last read at another. */
export interface ValueLiveness {
  /** Position (index in `graph.nodes`) of the node defining it; -1 for a graph input. */
  readonly definedAt: number;
  /** Position of the last node reading it; `graph.nodes.length` for a graph output; `definedAt` when nothing reads it. */
  readonly lastUse: number;
}

/** An output that may be written into the buffer of one of the same node's inputs. */
export interface InPlaceUse {
  readonly output: number;
  readonly input: number;
}

/**
 * How a compiled graph uses memory, computed once per graph: the executor frees each value after
 * its last use and, where the backend lets it choose buffers, puts values into reusable slots.
 */
export interface MemoryPlan {
  readonly liveness: ReadonlyMap<number, ValueLiveness>;
  /**
   * For each node position, the values to release once that node ran: every value the run owns
   * (not graph inputs, outputs or constants) after its last use, or right after its definition
   * when nothing reads it.
   */
  readonly releaseAfter: readonly (readonly number[])[];
  /** Planned values and the slot each lives in; values sharing a slot are never live at once. */
  readonly slotOf: ReadonlyMap<number, number>;
  /** Byte size of each slot: the largest size class among the values it holds (four classes per doubling). */
  readonly slotBytes: readonly number[];
  /** By node id: outputs that may overwrite a dying input of the same size and dtype. */
  readonly inPlace: ReadonlyMap<number, readonly InPlaceUse[]>;
  /** Sum of the slots' bytes: the planned values' memory with reuse. */
  readonly plannedBytes: number;
  /** Sum of the planned values' bytes without reuse. */
  readonly unplannedBytes: number;
}

/** Ops whose output may share its input's storage (a backend's reshape returns a view). */
const VIEWS = new Set(['reshape']);

const MIN_SLOT_BYTES = 16;

const BYTES_PER_ELEMENT: Readonly<Record<DType, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Memory planning: liveness of every value, when to release it, buffer reuse through slots of
 * size classes (best fit among the free slots, a smaller one grown rather than a new
 * one added), and in-place outputs.
 *
 * A value takes part in slot reuse only when the run owns its storage outright: not a graph input
 * or output, not a constant (uploaded once per executable), not a variable read (shares the
 * variable's storage), not a value handed to `assignVariable` (the variable keeps its storage), not
 * an input or output of control flow, and with a static shape. A reshape's output is a view of its
 * input, so the two count as one buffer, alive until both are dead.
 *
 * An elementwise node (a primitive or a fused region; never a contraction, reduction or movement)
 * may write an output into the buffer of an input that dies at that node, when both have the same
 * shape and dtype and the input's buffer is planned. Backends doing so must read every input
 * element i before writing output element i, which an elementwise kernel does.
 */
export function planMemory(graph: Graph): MemoryPlan {
  const positions = graph.nodes.length;
  const liveness = computeLiveness(graph);
  const escapes = escapingValues(graph);
  const buffers = viewGroups(graph);
  const bufferOf = (id: number): number => buffers.get(id) ?? id;

  // Liveness and plannability per buffer (a value together with its views).
  const bufferEnd = new Map<number, number>();
  const unplannable = new Set<number>();
  for (const [id, live] of liveness) {
    const buffer = bufferOf(id);
    bufferEnd.set(buffer, Math.max(bufferEnd.get(buffer) ?? -1, live.lastUse));
    if (escapes.has(id) || bytesOf(graph, id) === undefined) unplannable.add(buffer);
  }
  const viewCount = new Map<number, number>();
  for (const id of liveness.keys()) viewCount.set(bufferOf(id), (viewCount.get(bufferOf(id)) ?? 0) + 1);

  const releaseAfter: number[][] = Array.from({ length: Math.max(positions, 0) }, () => []);
  const constants = new Set(graph.nodes.filter((n) => n.op === 'constant').flatMap((n) => n.outputs));
  const outputs = new Set(graph.outputs);
  for (const [id, live] of liveness) {
    if (live.definedAt < 0 || outputs.has(id) || constants.has(id)) continue;
    releaseAfter[live.lastUse].push(id);
  }

  const slotOf = new Map<number, number>();
  const slotBytes: number[] = [];
  const free = new Set<number>();
  const inPlace = new Map<number, InPlaceUse[]>();
  let unplannedBytes = 0;
  graph.nodes.forEach((node, position) => {
    const taken = new Set<number>();
    for (const out of node.outputs) {
      const buffer = bufferOf(out);
      if (unplannable.has(buffer)) continue;
      if (buffer !== out) {
        slotOf.set(out, slotOf.get(buffer)!);
        continue;
      }
      const bytes = bytesOf(graph, out)!;
      unplannedBytes += bytes;
      const donor = inPlaceDonor(graph, node, out, position, liveness, bufferOf, unplannable, viewCount, taken, slotOf);
      if (donor !== undefined) {
        taken.add(donor);
        slotOf.set(out, slotOf.get(donor)!);
        const uses = inPlace.get(node.id) ?? [];
        uses.push({ output: out, input: donor });
        inPlace.set(node.id, uses);
        continue;
      }
      const size = sizeClass(bytes);
      const slot = pickFreeSlot(free, slotBytes, size) ?? slotBytes.push(size) - 1;
      free.delete(slot);
      slotBytes[slot] = Math.max(slotBytes[slot], size);
      slotOf.set(out, slot);
    }
    // Buffers whose last reader is this node go back to the pool, except those handed on in place.
    const released = new Set<number>();
    for (const id of [...node.inputs, ...node.outputs]) {
      const buffer = bufferOf(id);
      if (unplannable.has(buffer) || released.has(buffer) || bufferEnd.get(buffer) !== position) continue;
      released.add(buffer);
      // A buffer handed on in place now holds the output; its slot is released when the output dies.
      if (taken.has(buffer) || !slotOf.has(buffer)) continue;
      free.add(slotOf.get(buffer)!);
    }
  });
  return {
    liveness,
    releaseAfter,
    slotOf,
    slotBytes,
    inPlace,
    plannedBytes: slotBytes.reduce((a, b) => a + b, 0),
    unplannedBytes,
  };
}

function computeLiveness(graph: Graph): Map<number, ValueLiveness> {
  const definedAt = new Map<number, number>();
  const lastUse = new Map<number, number>();
  graph.inputs.forEach((id) => definedAt.set(id, -1));
  graph.nodes.forEach((node, position) => {
    node.inputs.forEach((id) => lastUse.set(id, position));
    node.outputs.forEach((id) => definedAt.set(id, position));
  });
  graph.outputs.forEach((id) => lastUse.set(id, graph.nodes.length));
  const liveness = new Map<number, ValueLiveness>();
  for (const [id, defined] of definedAt) liveness.set(id, { definedAt: defined, lastUse: lastUse.get(id) ?? Math.max(defined, 0) });
  return liveness;
}

/** Values whose storage outlives the run or is shared with something the plan does not see. */
function escapingValues(graph: Graph): Set<number> {
  const escapes = new Set<number>([...graph.inputs, ...graph.outputs]);
  for (const node of graph.nodes) {
    const opaque = node.op === 'cond' || node.op === 'while' || subgraphsOf(node).length > 0;
    if (node.op === 'constant' || node.op === 'readVariable' || opaque) node.outputs.forEach((id) => escapes.add(id));
    if (node.op === 'assignVariable' || opaque) node.inputs.forEach((id) => escapes.add(id));
  }
  return escapes;
}

/** Maps each view to the value owning its storage (through chains of views). */
function viewGroups(graph: Graph): Map<number, number> {
  const owner = new Map<number, number>();
  for (const node of graph.nodes) {
    if (!VIEWS.has(node.op)) continue;
    const source = node.inputs[0];
    owner.set(node.outputs[0], owner.get(source) ?? source);
  }
  return owner;
}

function inPlaceDonor(
  graph: Graph,
  node: GraphNode,
  out: number,
  position: number,
  liveness: ReadonlyMap<number, ValueLiveness>,
  bufferOf: (id: number) => number,
  unplannable: ReadonlySet<number>,
  viewCount: ReadonlyMap<number, number>,
  taken: ReadonlySet<number>,
  slotOf: ReadonlyMap<number, number>,
): number | undefined {
  if (!isElementwiseNode(node)) return undefined;
  const outValue = graph.values.get(out)!;
  for (const input of node.inputs) {
    if (bufferOf(input) !== input || (viewCount.get(input) ?? 1) > 1) continue;
    if (unplannable.has(input) || taken.has(input) || !slotOf.has(input)) continue;
    if (liveness.get(input)!.lastUse !== position) continue;
    const value = graph.values.get(input)!;
    if (value.dtype !== outValue.dtype || value.shape.length !== outValue.shape.length) continue;
    if (!value.shape.every((d, i) => d !== null && d === outValue.shape[i])) continue;
    return input;
  }
  return undefined;
}

function isElementwiseNode(node: GraphNode): boolean {
  if (node.op === 'fused') return true;
  if (node.attrs.epilogue !== undefined || node.attrs.prologue !== undefined) return false;
  return node.kind === 'elementwise';
}

function bytesOf(graph: Graph, id: number): number | undefined {
  const value = graph.values.get(id)!;
  const size = staticSize(value.shape);
  return size === undefined ? undefined : size * BYTES_PER_ELEMENT[value.dtype];
}

/**
 * Best fit among free slots: the smallest one that holds `size`; failing that the largest, grown to
 * `size` (slots are sized once planning ends, so growing costs only the difference, less than a
 * new slot would).
 */
function pickFreeSlot(free: ReadonlySet<number>, slotBytes: readonly number[], size: number): number | undefined {
  let fitting: number | undefined;
  let largest: number | undefined;
  for (const slot of free) {
    if (slotBytes[slot] >= size && (fitting === undefined || slotBytes[slot] < slotBytes[fitting])) fitting = slot;
    if (largest === undefined || slotBytes[slot] > slotBytes[largest]) largest = slot;
  }
  return fitting ?? largest;
}

/**
 * Size classes four to a doubling (16, 20, 24, 28, 32, 40, 48, 56, 64, 80, ...), as memory
 * allocators use: values of nearly the same size share slots, and rounding wastes at most a quarter.
 */
function sizeClass(bytes: number): number {
  if (bytes <= MIN_SLOT_BYTES) return MIN_SLOT_BYTES;
  let power = MIN_SLOT_BYTES;
  while (power * 2 < bytes) power *= 2;
  const step = power / 4;
  return Math.ceil(bytes / step) * step;
}
