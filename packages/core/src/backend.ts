import type { DType, TypedArray } from './dtype.js';
import type { FusedProgram, Graph } from './graph.js';
import type { OpDef, TensorInfo } from './ops/op.js';
import type { AttrsOf, OpName } from './ops/primitives.js';
import type { Shape } from './shape.js';

/** A backend's opaque handle to one tensor's data. Reshape-like kernels may return handles that share storage. */
export type DataId = object;

/** Whatever owns a tensor's data: a backend, or (inside `trace`) the graph being recorded. */
export interface DataOwner {
  readonly name: string;
  read(id: DataId): Promise<TypedArray>;
  readSync(id: DataId): TypedArray;
  /** Drops one reference to the data; storage is released with its last reference. */
  free(id: DataId): void;
  /**
   * Called before any value read (`data`, `dataSync`, `item`, `array`, `Symbol.toPrimitive`): an owner
   * whose tensors have no values yet (a trace recording a graph) throws an error that explains why.
   */
  assertReadable?(what: string, tensor: TensorInfo): void;
}

export interface KernelInput extends TensorInfo {
  readonly id: DataId;
}

/** A kernel enqueues the op's work and returns one data handle per output; only reads wait. */
export type Kernel<A = any> = (inputs: readonly KernelInput[], attrs: A, outputs: readonly TensorInfo[]) => DataId[];

/** A backend's way to say it has no kernel for a primitive, with the reason shown to users. */
export interface Unsupported {
  readonly unsupported: string;
}

/** Every backend's kernel table is typed over every primitive: adding one is a type error until each backend answers. */
export type KernelTable = { readonly [N in OpName]: Kernel<AttrsOf<N>> | Unsupported };

export interface BackendMemory {
  /** Bytes of live tensor storage. */
  readonly numBytes: number;
  /** Live storage buffers (a reshape shares one). */
  readonly numDataBuffers: number;
}

/** A compiled graph: runs the whole program, returning one data handle per graph output. */
export interface Executable {
  run(inputs: readonly KernelInput[]): DataId[];
  /**
   * Optional: builds, without running the graph, whatever its first run on inputs of these shapes
   * would otherwise build on the spot (on WebGPU, every compute pipeline, created asynchronously).
   * The inputs are only looked at for their shapes and dtypes.
   */
  prepare?(inputs: readonly KernelInput[]): Promise<void>;
  dispose(): void;
}

/**
 * Runs a graph node by node on the backend's own kernels, as the tracer's generic executor does; the
 * caller owns the returned handles. `Backend.compile` gets one, so a backend can capture what a run
 * does and replay it (as CUDA graphs capture a stream) without a graph walker of its own.
 */
export type GraphInterpreter = (inputs: readonly KernelInput[]) => DataId[];

/** The contract every backend fulfils; the conformance suite in `@tessera/core/testing` checks it. */
export interface Backend extends DataOwner {
  readonly name: string;
  readonly kernels: KernelTable;
  /** Copies values in; `values` is not retained. */
  write(values: TypedArray, shape: Shape, dtype: DType): DataId;
  /** Adds a reference to existing storage (a variable keeping a value, a reshape). */
  share(id: DataId): DataId;
  memory(): BackendMemory;
  /**
   * Optional whole-graph compilation for traced functions. `interpret` runs `graph` the generic way,
   * for the executable to build on; its handles belong to the caller.
   */
  compile?(graph: Graph, interpret: GraphInterpreter): Executable;
  /**
   * Optional: runs a fused elementwise region in one pass (its own tile-wise interpreter or generated
   * code). Registers `0..numInputs-1` are `inputs`, broadcast to the region's shape (the outputs'
   * shape); returns one handle per `program.outputs`. Without it the tracer's executor runs the
   * program one instruction at a time on the kernels.
   */
  runFused?(program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[];
  /**
   * Optional: a matMul or conv2d and the elementwise epilogue the tracer fused into it (register 0 of
   * `epilogue` is the contraction's result, registers 1.. are `inputs[2..]`) in one pass, each output
   * tile finished while it is in cache. Returns undefined for an epilogue it does not cover; the
   * tracer's executor then runs the contraction and `runFused`.
   */
  runContractionWithEpilogue?(
    op: 'matMul' | 'conv2d',
    inputs: readonly KernelInput[],
    attrs: AttrsOf<'matMul'> | AttrsOf<'conv2d'>,
    epilogue: FusedProgram,
    outputs: readonly TensorInfo[],
  ): DataId[] | undefined;
  /** Releases everything; the backend is unusable afterwards. */
  dispose?(): void;
}

/** How a backend is created when it is first selected; async so WASM and WebGPU can initialize. */
export type BackendFactory = () => Backend | Promise<Backend>;

/**
 * The key a compiled graph files a recording under: every input's dtype and shape. A backend's
 * `Executable` keeps one recording per key (symbolic graphs meet several).
 */
export function inputShapesKey(inputs: readonly KernelInput[]): string {
  let key = '';
  for (const input of inputs) key += `${input.dtype}[${input.shape.join(',')}]`;
  return key;
}

/**
 * A graph's random nodes in node order, true where the op is unseeded (draws a new seed on every
 * call): a replayed recording must give those a fresh seed, as the generic executor would.
 */
export function unseededRandomNodes(graph: Graph): boolean[] {
  return graph.nodes.filter((node) => node.op === 'random').map((node) => node.attrs.stateful === true);
}

export function isUnsupported(kernel: Kernel | Unsupported): kernel is Unsupported {
  return typeof kernel === 'object' && kernel !== null && 'unsupported' in kernel;
}

export type { OpDef };
