import type { DataId, Executable, Graph, GraphInterpreter, KernelInput } from '@tessera/core';
import { DisposedError, drawSeed, inputShapesKey, unseededRandomNodes } from '@tessera/core';
import type { WebGPUBackend } from './backend.js';
import type { Capture, CapturedDispatch, Handle, Storage } from './runtime.js';

/** Where a binding of a replayed dispatch gets its buffer on each call. */
type Binding =
  | { readonly kind: 'fixed'; readonly buffer: GPUBuffer }
  | { readonly kind: 'input'; readonly index: number }
  | { readonly kind: 'output'; readonly index: number };

/** Where each graph output of a replay comes from. */
type OutputSource =
  /** Written by the tape into a fresh storage on every call. */
  | { readonly kind: 'fresh'; readonly elements: number; readonly dtype: Storage['dtype'] }
  /** The same storage as an input (an identity) or as an earlier output. */
  | { readonly kind: 'input' | 'output'; readonly index: number }
  /** A storage that outlives the call (an uploaded constant): shared. */
  | { readonly kind: 'kept'; readonly storage: Storage };

interface TapeEntry {
  /** An unseeded random op's dispatch: its uniform words, rewritten with a fresh seed on each replay. */
  readonly reseed?: Int32Array<ArrayBuffer>;
  readonly pipeline: GPUComputePipeline;
  readonly workgroups: readonly [number, number, number];
  readonly bindings: readonly Binding[];
  readonly sizes: readonly number[];
  /** The bind group, when every binding is fixed: built once, replayed on every call. */
  readonly fixed?: GPUBindGroup;
  /** Bind groups by the buffers of the bindings that vary per call: the pool hands the same ones back. */
  readonly varying: Map<string, GPUBindGroup>;
}

/** One graph run on inputs of one set of shapes, as dispatches to record again. */
interface Tape {
  readonly entries: readonly TapeEntry[];
  readonly outputs: readonly OutputSource[];
  /** Buffers the tape owns: its intermediates (after reuse) and its uniforms. */
  readonly owned: readonly GPUBuffer[];
}

/** Tapes kept per executable (one per set of input shapes; symbolic graphs may meet several). */
const MAX_TAPES = 8;
/** Bind groups kept per dispatch whose bindings vary between calls. */
const MAX_VARYING_BIND_GROUPS = 4;

/** A small id per GPU buffer, for bind group cache keys. */
const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 0;
function bufferId(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) bufferIds.set(buffer, (id = nextBufferId++));
  return id;
}

/**
 * `backend.compile(graph)` on WebGPU. The first call with inputs of some shapes runs the graph the
 * generic way (the tracer's interpreter over these kernels) while the runtime captures every
 * dispatch; later calls with those shapes replay the capture: the same pipelines, uniforms written
 * once, intermediates in buffers the tape owns (reused by liveness), and bind groups built once
 * (those that bind a call's inputs or outputs are cached by buffer, which the pool hands back).
 * No kernel code, shape inference, WGSL keys or uniform uploads run on a warm call: CUDA graphs'
 * capture-and-replay, or ONNX Runtime WebGPU's graph capture, without their fixed input buffers.
 *
 * An unseeded random op draws a new seed on every call: its dispatch is replayed with the seed the
 * generic executor would have drawn (in node order, from the same stream) in a uniform of its own.
 * Where that correspondence cannot be made (a random op inside a cond branch or a loop body, or one
 * that dispatches nothing), the graph runs the generic way on every call.
 */
export class GpuGraphExecutable implements Executable {
  private readonly tapes = new Map<string, Tape>();
  private readonly replayable: boolean;
  /** The graph's random nodes in order, true where unseeded (a new seed per call). */
  private readonly randomNodes: readonly boolean[];
  private disposed = false;

  constructor(
    private readonly backend: WebGPUBackend,
    graph: Graph,
    private readonly interpret: GraphInterpreter,
  ) {
    this.replayable = !graph.nodes.some((node) => Object.values(node.attrs).some((value) => isGraph(value) && drawsPerCall(value)));
    this.randomNodes = unseededRandomNodes(graph);
  }

  /** Tapes captured so far (for tests). */
  get tapeCount(): number {
    return this.tapes.size;
  }

  run(inputs: readonly KernelInput[]): DataId[] {
    if (this.disposed) throw new DisposedError('webgpu: compiled graph used after dispose');
    const backend = this.backend;
    backend.check('webgpu: run a traced graph');
    // An input still pending (a contraction whose epilogue took its place) is computed now, outside any capture.
    const handles = inputs.map((input) => backend.handle(input.id, 'run a traced graph'));
    if (!this.replayable) return this.interpret(inputs);
    const key = inputShapesKey(inputs);
    const tape = this.tapes.get(key);
    if (tape !== undefined) {
      // Most recently used last, so the oldest is the one to evict.
      this.tapes.delete(key);
      this.tapes.set(key, tape);
      return this.replay(tape, handles);
    }
    return this.captureRun(key, inputs, handles);
  }

  async prepare(inputs: readonly KernelInput[]): Promise<void> {
    if (this.disposed) throw new DisposedError('webgpu: compiled graph used after dispose');
    this.backend.check('webgpu: prepare a traced graph');
    await this.backend.runtime.preparePipelines(() => {
      for (const id of this.interpret(inputs)) this.backend.free(id);
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const tape of this.tapes.values()) this.release(tape);
    this.tapes.clear();
  }

  private replay(tape: Tape, inputs: readonly Handle[]): DataId[] {
    const { backend } = this;
    const runtime = backend.runtime;
    const outputs: Handle[] = [];
    for (const source of tape.outputs) {
      if (source.kind === 'fresh') outputs.push(backend.track(runtime.allocate(source.elements, source.dtype)));
      else outputs.push(shareStorage(source.kind === 'kept' ? source.storage : (source.kind === 'input' ? inputs : outputs)[source.index].storage));
    }
    for (const entry of tape.entries) {
      if (entry.reseed !== undefined) {
        // The seed the generic executor would draw for this node on this call (runAttrs).
        const params = entry.reseed.slice();
        const seed = drawSeed();
        params[RANDOM_SEED_WORD] = seed[0] | 0;
        params[RANDOM_SEED_WORD + 1] = seed[1] | 0;
        runtime.dispatchWithParams(entry.pipeline, params, this.buffersFor(entry, inputs, outputs), entry.sizes, entry.workgroups);
        continue;
      }
      runtime.dispatch(entry.pipeline, entry.fixed ?? this.varyingBindGroup(entry, inputs, outputs), entry.workgroups);
    }
    return outputs;
  }

  private buffersFor(entry: TapeEntry, inputs: readonly Handle[], outputs: readonly Handle[]): GPUBuffer[] {
    return entry.bindings.map((b) => (b.kind === 'fixed' ? b.buffer : (b.kind === 'input' ? inputs : outputs)[b.index].storage.buffer));
  }

  private varyingBindGroup(entry: TapeEntry, inputs: readonly Handle[], outputs: readonly Handle[]): GPUBindGroup {
    const buffers = this.buffersFor(entry, inputs, outputs);
    let key = '';
    entry.bindings.forEach((b, k) => {
      if (b.kind !== 'fixed') key += `${bufferId(buffers[k])},`;
    });
    let group = entry.varying.get(key);
    if (group === undefined) {
      group = this.backend.runtime.bindGroup(entry.pipeline, buffers, entry.sizes);
      if (entry.varying.size >= MAX_VARYING_BIND_GROUPS) entry.varying.delete(entry.varying.keys().next().value!);
      entry.varying.set(key, group);
    }
    return group;
  }

  /** Runs the graph the generic way with the runtime capturing; keeps the tape when it can be replayed. */
  private captureRun(key: string, inputs: readonly KernelInput[], handles: readonly Handle[]): DataId[] {
    const { backend } = this;
    const runtime = backend.runtime;
    runtime.materialize();
    const capture: Capture = { dispatches: [], allocated: new Set(), released: [], written: new Set() };
    runtime.capture = capture;
    let results: DataId[];
    try {
      results = this.interpret(inputs);
      // Compute whatever the outputs still owe (a contraction deferred for an epilogue that never came).
      for (const id of results) backend.handle(id, 'run a traced graph');
      runtime.materialize();
    } catch (error) {
      runtime.capture = undefined;
      giveBack(runtime, capture);
      throw error;
    }
    runtime.capture = undefined;
    const tape = buildTape(backend, capture, handles, results as Handle[], this.randomNodes);
    if (tape === undefined) {
      // Not replayable as captured (aliased inputs, an output written from the CPU).
      giveBack(runtime, capture);
      return results;
    }
    if (this.tapes.size >= MAX_TAPES) {
      const oldest = this.tapes.keys().next().value!;
      this.release(this.tapes.get(oldest)!);
      this.tapes.delete(oldest);
    }
    this.tapes.set(key, tape);
    return results;
  }

  private release(tape: Tape): void {
    if (this.backend.isLost) return;
    for (const buffer of tape.owned) this.backend.runtime.pool.release(buffer);
  }
}

/**
 * The tape of a capture, or undefined when it cannot stand for later calls. Buffers the capture
 * allocated and released are the graph's intermediates: each gets a buffer the tape owns, shared by
 * intermediates whose lives (first to last dispatch using them) do not overlap, since dispatches in
 * one queue run in order. Everything else bound stays as captured (constants) or is a call's input
 * or output.
 */
function buildTape(backend: WebGPUBackend, capture: Capture, inputs: readonly Handle[], outputs: readonly Handle[], randomNodes: readonly boolean[]): Tape | undefined {
  const runtime = backend.runtime;
  // One dispatch per random node, in node order: the k-th random dispatch is the k-th random node.
  const randomDispatches = capture.dispatches.filter((d) => d.key.startsWith('random:'));
  if (randomDispatches.length !== randomNodes.length) return undefined;
  const reseeded = new Set(randomDispatches.filter((_, k) => randomNodes[k]));
  const inputIndex = new Map<GPUBuffer, number>();
  for (let k = 0; k < inputs.length; k++) {
    const buffer = inputs[k].storage.buffer;
    // One buffer behind two inputs: a later call could pass two, and which binding is which is lost.
    if (inputIndex.has(buffer)) return undefined;
    inputIndex.set(buffer, k);
  }
  const released = new Set(capture.released);
  const outputIndex = new Map<GPUBuffer, number>();
  const sources: OutputSource[] = [];
  for (let k = 0; k < outputs.length; k++) {
    const storage = outputs[k].storage;
    const buffer = storage.buffer;
    if (outputIndex.has(buffer)) sources.push({ kind: 'output', index: outputIndex.get(buffer)! });
    else if (inputIndex.has(buffer)) sources.push({ kind: 'input', index: inputIndex.get(buffer)! });
    else if (capture.allocated.has(buffer) && !released.has(buffer)) {
      // Written from the CPU during the run (not by a dispatch): a fresh buffer would not get it.
      if (capture.written.has(buffer)) return undefined;
      outputIndex.set(buffer, k);
      sources.push({ kind: 'fresh', elements: storage.elements, dtype: storage.dtype });
    } else {
      sources.push({ kind: 'kept', storage });
    }
  }

  // Intermediates: allocated and released within the run, never written from the CPU (so what they
  // hold comes from dispatches alone and their buffer can be shared by liveness).
  const live = new Map<GPUBuffer, { first: number; last: number }>();
  for (let index = 0; index < capture.dispatches.length; index++) {
    const d = capture.dispatches[index];
    for (let b = 1; b < d.buffers.length; b++) {
      const buffer = d.buffers[b];
      if (!released.has(buffer)) continue;
      // Made before the run and let go during it: a replay would bind a buffer the pool lends again.
      if (!capture.allocated.has(buffer)) return undefined;
      const span = live.get(buffer);
      if (span === undefined) live.set(buffer, { first: index, last: index });
      else span.last = index;
    }
  }
  const assigned = new Map<GPUBuffer, GPUBuffer>();
  const free: { buffer: GPUBuffer; until: number }[] = [];
  const owned: GPUBuffer[] = [];
  const spans = [...live].sort((a, b) => a[1].first - b[1].first);
  for (const [buffer, span] of spans) {
    if (capture.written.has(buffer)) {
      assigned.set(buffer, buffer);
      owned.push(buffer);
      continue;
    }
    const k = free.findIndex((f) => f.until < span.first && f.buffer.size === buffer.size && f.buffer.usage === buffer.usage);
    if (k >= 0) {
      assigned.set(buffer, free[k].buffer);
      free[k].until = span.last;
    } else {
      assigned.set(buffer, buffer);
      owned.push(buffer);
      free.push({ buffer, until: span.last });
    }
  }
  // Released during the run but no dispatch binds them (a zero-size value) or replaced by a shared one: back to the pool.
  const keep = new Set(owned);
  for (const buffer of capture.released) if (!keep.has(buffer)) runtime.pool.release(buffer);

  const entries = capture.dispatches.map((d: CapturedDispatch): TapeEntry => {
    owned.push(d.buffers[0]);
    let allFixed = true;
    const bindings = d.buffers.map((buffer, b): Binding => {
      if (b > 0 && inputIndex.has(buffer)) {
        allFixed = false;
        return { kind: 'input', index: inputIndex.get(buffer)! };
      }
      if (b > 0 && outputIndex.has(buffer)) {
        allFixed = false;
        return { kind: 'output', index: outputIndex.get(buffer)! };
      }
      return { kind: 'fixed', buffer: assigned.get(buffer) ?? buffer };
    });
    if (reseeded.has(d)) return { reseed: d.params, pipeline: d.pipeline, workgroups: d.workgroups, bindings, sizes: d.sizes, varying: new Map() };
    const fixed = allFixed ? runtime.bindGroup(d.pipeline, bindings.map((b) => (b as { buffer: GPUBuffer }).buffer), d.sizes) : undefined;
    return { pipeline: d.pipeline, workgroups: d.workgroups, bindings, sizes: d.sizes, fixed, varying: new Map() };
  });
  return { entries, outputs: sources, owned };
}

/** Returns to the pool what a capture held back: the buffers released during it and its uniforms. */
function giveBack(runtime: WebGPUBackend['runtime'], capture: Capture): void {
  for (const buffer of capture.released) runtime.pool.release(buffer);
  for (const d of capture.dispatches) runtime.pool.release(d.buffers[0]);
}

/** A second handle on a storage, as `backend.share` makes. */
function shareStorage(storage: Storage): Handle {
  storage.refs++;
  return { storage, freed: false };
}

/** The uniform word of a random program's seed (after the runtime's two reserved words; kernels/misc.ts). */
const RANDOM_SEED_WORD = 2;

/** Whether a graph (or a branch or loop body in it) has an unseeded random op. */
function drawsPerCall(graph: Graph): boolean {
  return graph.nodes.some((node) => {
    if (node.op === 'random' && node.attrs.stateful === true) return true;
    return Object.values(node.attrs).some((value) => isGraph(value) && drawsPerCall(value));
  });
}

function isGraph(value: unknown): value is Graph {
  return typeof value === 'object' && value !== null && Array.isArray((value as Graph).nodes) && (value as Graph).values instanceof Map;
}
