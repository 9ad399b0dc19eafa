import type { Backend, DataId, Graph, GraphNode, TensorInfo, TypedArray } from '@tessera/core';
import { engine, getPrimitive, isUnsupported } from '@tessera/core';
import { readsSynchronously } from '../backend-reads.js';
import { IdAllocator, staticSize } from './graph-tools.js';

export interface ConstantFoldingOptions {
  /** Largest result (in elements, per output) worth storing as a constant; bigger results stay computed at run time. Default 1024. */
  readonly maxElements?: number;
  /** The backend whose kernels compute folded values; default the engine's active backend. */
  readonly backend?: Backend;
}

const DEFAULT_MAX_ELEMENTS = 1024;

/**
 * Constant folding: a primitive whose inputs are all constants is computed once, now, with the
 * backend's own kernels (so folded values equal what the kernel would give at run time), and
 * replaced by `constant` nodes defining the same values. Random ops are left alone (their values
 * are cheap to regenerate and would bloat the graph), as are results above `maxElements`, effects
 * and control flow. Nothing is folded when no backend can compute synchronously, nor when the
 * backend cannot read results synchronously (WebGPU): folding needs the values while it optimizes.
 */
export function foldConstants(graph: Graph, options: ConstantFoldingOptions = {}): Graph {
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const backend = options.backend ?? activeBackend();
  if (backend === undefined) return graph;
  const known = new Map<number, TypedArray>();
  let readable: boolean | undefined;
  const ids = new IdAllocator(graph);
  let changed = false;
  const nodes: GraphNode[] = [];
  for (const node of graph.nodes) {
    if (node.op === 'constant') {
      known.set(node.outputs[0], node.attrs.value as TypedArray);
      nodes.push(node);
      continue;
    }
    if (!foldable(graph, node, known, maxElements)) {
      nodes.push(node);
      continue;
    }
    // Asked once, at the first foldable node: nothing has been folded before it.
    readable ??= readsSynchronously(backend);
    if (!readable) return graph;
    const folded = evaluate(backend, graph, node, known);
    if (folded === undefined) {
      nodes.push(node);
      continue;
    }
    changed = true;
    node.outputs.forEach((id, i) => {
      known.set(id, folded[i]);
      nodes.push({ id: i === 0 ? node.id : ids.node(), op: 'constant', kind: 'creation', inputs: [], outputs: [id], attrs: { value: folded[i] } });
    });
  }
  return changed ? { ...graph, nodes } : graph;
}

function activeBackend(): Backend | undefined {
  try {
    return engine.backend;
  } catch {
    return undefined;
  }
}

function foldable(graph: Graph, node: GraphNode, known: ReadonlyMap<number, TypedArray>, maxElements: number): boolean {
  const primitive = getPrimitive(node.op);
  if (primitive === undefined || primitive.kind === 'random' || node.program !== undefined) return false;
  if (node.attrs.epilogue !== undefined || node.attrs.prologue !== undefined) return false;
  if (!node.inputs.every((id) => known.has(id))) return false;
  return node.outputs.every((id) => {
    const size = staticSize(graph.values.get(id)!.shape);
    return size !== undefined && size <= maxElements;
  });
}

/** Runs the node's kernel on the constants; `undefined` when the backend cannot (no kernel, no synchronous read, an error). */
function evaluate(backend: Backend, graph: Graph, node: GraphNode, known: ReadonlyMap<number, TypedArray>): TypedArray[] | undefined {
  const kernel = backend.kernels[node.op as keyof Backend['kernels']];
  if (kernel === undefined || isUnsupported(kernel)) return undefined;
  const info = (id: number): TensorInfo => {
    const value = graph.values.get(id)!;
    return { shape: value.shape as number[], dtype: value.dtype };
  };
  const written: DataId[] = [];
  let produced: DataId[] = [];
  try {
    const inputs = node.inputs.map((id) => {
      const data = backend.write(known.get(id)!, info(id).shape, info(id).dtype);
      written.push(data);
      return { id: data, ...info(id) };
    });
    produced = (kernel as (i: typeof inputs, a: unknown, o: TensorInfo[]) => DataId[])(inputs, node.attrs, node.outputs.map(info));
    return produced.map((id) => backend.readSync(id).slice());
  } catch {
    return undefined;
  } finally {
    for (const id of [...written, ...produced]) backend.free(id);
  }
}
