import type { DataId, Executable, Graph, GraphInterpreter, KernelInput } from '@tessera/core';
import { DisposedError, drawSeed, inputShapesKey, unseededRandomNodes } from '@tessera/core';
import type { ContextCapture, TapeOp, WasmContext } from './context.js';
import type { HeapCapture } from './memory.js';
import type { Handle, Storage } from './storage.js';
import { bytesPerElement } from './storage.js';
import type { Lanes } from './threads/lanes.js';
import { lanesOf } from './threads/lanes.js';

/**
 * A weight matrix of the graph's inputs that vector-matrix products read, kept packed for a
 * sequential read (`pack_vecmat_f32`): packed on the first replay and again whenever the input's
 * storage is another one. An input whose storage keeps changing (a weight replaced every call while
 * training) makes its products go back to reading it in place, as recorded.
 */
interface PackedMatrix {
  /** Which input holds the matrix; where it starts (in the block the run reads the input from), its layout. */
  readonly input: number;
  readonly source: number;
  readonly bRow: number;
  readonly n: number;
  readonly k: number;
  readonly block: number;
  /** The storage the block was packed from; undefined before the first replay. */
  packedFrom?: Storage;
  /** Times the input's storage changed after the first pack. */
  changes: number;
}

/**
 * A recorded step holding vector-matrix products over packed matrices (one call, or a batch of calls
 * on the thread lanes, each lane's columns a matrix of its own): replayed as `packed`, which reads
 * the packed copies, or as recorded (`plain`) once a matrix stopped being packed.
 */
interface PackedStep {
  readonly kind: 'packed';
  readonly plain: Extract<TapeOp, { kind: 'call' | 'lanes' }>;
  readonly packed: Extract<TapeOp, { kind: 'call' | 'lanes' }>;
  readonly matrices: readonly PackedMatrix[];
}

/** A recorded step, an unseeded random op's call (replayed with a new seed each time), or a packed product. */
type ReplayOp =
  | TapeOp
  | { readonly kind: 'reseed'; readonly fn: (...args: number[]) => unknown; readonly args: readonly number[]; readonly seedAt: number }
  | PackedStep;

/** One graph run on inputs of one set of shapes, recorded for replay. */
interface Tape {
  readonly ops: readonly ReplayOp[];
  /** Where each input was read from (its own address, or a staging block the tape copies it into) and its size. */
  readonly inputs: readonly { readonly address: number; readonly staged: boolean; readonly bytes: number }[];
  /** Blocks the tape's steps leave each output in, copied out to a fresh storage on every call. */
  readonly outputs: readonly { readonly address: number; readonly dtype: Handle['dtype']; readonly length: number }[];
  /** The lanes the recorded parallel steps ran on: replaying needs the same ones. */
  readonly lanes: Lanes;
  /** Blocks the tape owns (intermediates, scratch, staging, output blocks), freed with it. */
  readonly owned: readonly number[];
}

/** Per set of input shapes: its tape, the inputs to stage, and how often recording failed. */
interface ShapeEntry {
  tape?: Tape;
  /** Inputs whose address changed between calls: copied into a block of the tape's on each call. */
  readonly staged: Set<number>;
  /** Recordings that could not be replayed (a kernel read memory from JavaScript): after 2, none. */
  failures: number;
}

/** Shape sets kept per executable; symbolic graphs may meet several. */
const MAX_SHAPES = 8;
/** Recordings tried per shape set before it stays on the generic executor. */
const MAX_FAILURES = 2;
/**
 * Matrices of a vector-matrix product read from an input that are packed when at least this many
 * elements (128 KiB: past L1 and a good part of L2, where reading in place costs the most).
 */
const PACK_MIN_ELEMENTS = 32 * 1024;
/** Changes of a packed input's storage after which its products stop packing. */
const MAX_REPACKS = 2;

/**
 * `backend.compile(graph)` on the wasm backend. The first call with inputs of some shapes runs the
 * graph the generic way (the tracer's interpreter over these kernels) while the context records
 * every wasm call and every write the kernels make from JavaScript; later calls with those shapes
 * replay the record: no graph walk, no shape or stride arithmetic, no kernel plans rebuilt, no
 * allocation but the outputs'. For a graph of small ops (an LSTM cell over 50 steps, a batch-1
 * MLP) that per-node work is most of a call.
 *
 * A record holds addresses, so everything it touches stays where it was: intermediates and scratch
 * are blocks the tape owns (freed blocks reused within the run as the run reused them); outputs are
 * computed into blocks of the tape's and copied to fresh storage on each call; inputs are read where
 * they were, and an input seen at another address later (a new batch each call) is from then on
 * copied into a staging block of the tape's first. A random op that draws a new seed per call
 * (dropout) is replayed with the seed the generic executor would draw on that call, in node order
 * from the same stream, so traced calls draw what eager calls do after `setSeed`. A run that reads
 * values on the JavaScript side (control flow on a predicate, a kernel that inspects data) is not
 * replayable and stays generic.
 */
export class WasmGraphExecutable implements Executable {
  private readonly shapes = new Map<string, ShapeEntry>();
  /** The entry the last call used, with its inputs' dtypes and shapes: a call like it skips the key. */
  private last?: { readonly entry: ShapeEntry; readonly dtypes: readonly string[]; readonly shapes: readonly (readonly number[])[] };
  /** The graph's random nodes in order, true where unseeded (a new seed per call). */
  private readonly randomNodes: readonly boolean[];
  private disposed = false;

  constructor(
    private readonly context: WasmContext,
    graph: Graph,
    private readonly interpret: GraphInterpreter,
  ) {
    this.randomNodes = unseededRandomNodes(graph);
  }

  run(inputs: readonly KernelInput[]): DataId[] {
    if (this.disposed) throw new DisposedError('wasm: compiled graph used after dispose');
    if (this.context.capture !== undefined) return this.interpret(inputs);
    const entry = this.sameShapesAsLast(inputs) ? this.last!.entry : this.entryFor(inputs);
    const { tape } = entry;
    if (tape !== undefined && tape.lanes === lanesOf(this.context)) {
      const moved = this.movedInputs(tape, inputs);
      if (moved.length === 0) return this.replay(tape, inputs);
      for (const index of moved) entry.staged.add(index);
    }
    if (entry.failures >= MAX_FAILURES) return this.interpret(inputs);
    if (tape !== undefined) {
      this.freeBlocks(tape.owned);
      entry.tape = undefined;
    }
    return this.record(entry, inputs);
  }

  /** The entry for these inputs' shapes, made most recently used (and made, evicting the least, if new). */
  private entryFor(inputs: readonly KernelInput[]): ShapeEntry {
    const key = inputShapesKey(inputs);
    let entry = this.shapes.get(key);
    if (entry === undefined) {
      if (this.shapes.size >= MAX_SHAPES) this.forget(this.shapes.keys().next().value!);
      entry = { staged: new Set(), failures: 0 };
    } else {
      this.shapes.delete(key);
    }
    this.shapes.set(key, entry);
    this.last = { entry, dtypes: inputs.map((input) => input.dtype), shapes: inputs.map((input) => [...input.shape]) };
    return entry;
  }

  private sameShapesAsLast(inputs: readonly KernelInput[]): boolean {
    const last = this.last;
    if (last === undefined || last.shapes.length !== inputs.length) return false;
    for (let i = 0; i < inputs.length; i++) {
      const [shape, seen] = [inputs[i].shape, last.shapes[i]];
      if (inputs[i].dtype !== last.dtypes[i] || shape.length !== seen.length) return false;
      for (let d = 0; d < shape.length; d++) if (shape[d] !== seen[d]) return false;
    }
    return true;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const key of [...this.shapes.keys()]) this.forget(key);
  }

  /** Inputs a tape reads where they were that are elsewhere now. */
  private movedInputs(tape: Tape, inputs: readonly KernelInput[]): number[] {
    const moved: number[] = [];
    for (let i = 0; i < inputs.length; i++) {
      if (!tape.inputs[i].staged && this.context.address(inputs[i]) !== tape.inputs[i].address) moved.push(i);
    }
    return moved;
  }

  private replay(tape: Tape, inputs: readonly KernelInput[]): DataId[] {
    const { context } = this;
    for (let i = 0; i < inputs.length; i++) {
      const input = tape.inputs[i];
      if (input.staged) context.heapCopy(input.address, context.address(inputs[i]), input.bytes);
    }
    for (const op of tape.ops) {
      if (op.kind === 'packed') {
        let current = true;
        for (const matrix of op.matrices) current = this.packed(matrix, inputs[matrix.input]) && current;
        context.replay(current ? op.packed : op.plain);
        continue;
      }
      if (op.kind !== 'reseed') {
        context.replay(op);
        continue;
      }
      // The seed the generic executor would draw for this node on this call.
      const args = op.args.slice();
      const seed = drawSeed();
      args[op.seedAt] = seed[0] | 0;
      args[op.seedAt + 1] = seed[1] | 0;
      op.fn(...args);
    }
    return this.copyOut(tape.outputs);
  }

  /** Whether `matrix` has a packed copy of `input`'s values, packing it again if `input` is another tensor now. */
  private packed(matrix: PackedMatrix, input: KernelInput): boolean {
    const current = this.context.storage.handle(input.id).storage;
    if (current !== matrix.packedFrom && matrix.changes < MAX_REPACKS) {
      if (matrix.packedFrom !== undefined) matrix.changes++;
      this.context.exports.pack_vecmat_f32(matrix.source, matrix.bRow, matrix.n, matrix.k, matrix.block);
      matrix.packedFrom = current;
    }
    return current === matrix.packedFrom;
  }

  /**
   * The recorded steps with each vector-matrix product over a large matrix read in place from an
   * input (`vecmat_f32`, alone or among a batch of lane calls) made to read a packed copy; products of
   * the same matrix share one copy, a block added to `owned`.
   */
  private packProducts(ops: readonly ReplayOp[], inputs: Tape['inputs'], owned: number[]): ReplayOp[] {
    const { exports, heap } = this.context;
    const spans = inputs.map((input) => (input.staged ? undefined : { start: input.address, end: input.address + input.bytes }));
    const matrices = new Map<string, PackedMatrix | undefined>();
    const matrixOf = (b: number, bRow: number, n: number, k: number): PackedMatrix | undefined => {
      const key = `${b}:${bRow}:${n}:${k}`;
      if (matrices.has(key)) return matrices.get(key);
      const end = b + ((k - 1) * bRow + n) * 4;
      const input = spans.findIndex((span) => span !== undefined && b >= span.start && end <= span.end);
      let matrix: PackedMatrix | undefined;
      if (input >= 0) {
        try {
          const block = heap.allocate(n * k * 4);
          owned.push(block);
          matrix = { input, source: b, bRow, n, k, block, changes: 0 };
        } catch {
          // No room for a copy: the products read the matrix in place, as recorded.
        }
      }
      matrices.set(key, matrix);
      return matrix;
    };
    /** vecmat_f32(a, aStride, b, bRow, c, n, k, col0) as vecmat_packed_f32(a, aStride, packed, c, n, k, col0), or undefined. */
    const packedCall = (args: readonly number[], used: PackedMatrix[]): number[] | undefined => {
      const [a, aStride, b, bRow, c, n, k, col0] = args;
      const matrix = n * k >= PACK_MIN_ELEMENTS ? matrixOf(b, bRow, n, k) : undefined;
      if (matrix === undefined) return undefined;
      used.push(matrix);
      return [a, aStride, matrix.block, c, n, k, col0];
    };
    return ops.map((op): ReplayOp => {
      const used: PackedMatrix[] = [];
      if (op.kind === 'call' && op.fn === exports.vecmat_f32) {
        const args = packedCall(op.args, used);
        return args === undefined ? op : { kind: 'packed', plain: op, packed: { kind: 'call', fn: exports.vecmat_packed_f32, args }, matrices: used };
      }
      if (op.kind === 'lanes') {
        const work = op.work.map((calls) =>
          calls.map((call) => {
            const args = call.name === 'vecmat_f32' ? packedCall(call.args, used) : undefined;
            return args === undefined ? call : { name: 'vecmat_packed_f32', args };
          }),
        );
        return used.length === 0 ? op : { kind: 'packed', plain: op, packed: { kind: 'lanes', work, run: op.run }, matrices: used };
      }
      return op;
    });
  }

  /** Fresh storage for each output, holding the values the steps left in the tape's block. */
  private copyOut(outputs: Tape['outputs']): DataId[] {
    const { storage } = this.context;
    const handles: Handle[] = [];
    try {
      for (const { address, dtype, length } of outputs) {
        const handle = storage.create(dtype, length);
        handles.push(handle);
        this.context.heapCopy(handle.storage.address, address, length * bytesPerElement(dtype));
      }
    } catch (error) {
      for (const handle of handles) storage.free(handle);
      throw error;
    }
    return handles;
  }

  /** Runs the graph the generic way while recording; keeps the tape when the run can be replayed. */
  private record(entry: ShapeEntry, inputs: readonly KernelInput[]): DataId[] {
    const { context } = this;
    const { heap, storage } = context;
    const lanes = lanesOf(context);
    const heapCapture: HeapCapture = { born: new Set(), pool: new Map() };
    const capture: ContextCapture = { ops: [], tainted: false };
    // Where the run reads each input: in place, or from a staging block the input is copied into.
    const tapeInputs: Tape['inputs'] = inputs.map((input, i) => {
      const bytes = storage.handle(input.id).storage.byteLength;
      if (!entry.staged.has(i)) return { address: context.address(input), staged: false, bytes };
      const address = heap.allocate(Math.max(bytes, 1));
      context.heapCopy(address, context.address(input), bytes);
      return { address, staged: true, bytes };
    });
    const staging = tapeInputs.filter((input) => input.staged).map((input) => input.address);
    const runInputs = inputs.map((input, i): KernelInput => {
      const { address, staged, bytes } = tapeInputs[i];
      if (!staged) return input;
      const handle: Handle = { storage: { address, byteLength: bytes, refs: 1 }, dtype: input.dtype, freed: false };
      return { ...input, id: handle };
    });
    let results: DataId[];
    heap.capture = heapCapture;
    context.capture = capture;
    try {
      results = this.interpret(runInputs);
    } catch (error) {
      context.capture = undefined;
      heap.capture = undefined;
      this.freeBlocks([...pooled(heapCapture), ...staging]);
      throw error;
    }
    context.capture = undefined;
    const outputs = results.map((id) => {
      const { storage: block, dtype } = storage.handle(id);
      const owned = heapCapture.born.has(block.address) || staging.includes(block.address);
      return { address: block.address, dtype, length: block.byteLength / bytesPerElement(dtype), owned };
    });
    // One seeded call per random node, in node order: the k-th is the k-th random node's.
    const seeded = capture.ops.filter((op) => op.kind === 'call' && op.seedAt !== undefined);
    // Replayable when no kernel read memory from JavaScript, every random node's call is known, and
    // every output is left in a block the tape keeps (not an input returned as it is, which lives
    // where the caller's tensor does).
    const unrecordable = capture.tainted || seeded.length !== this.randomNodes.length;
    if (unrecordable || !outputs.every((o) => o.owned)) {
      heap.capture = undefined;
      // An output that is a staged input (returned unchanged) leaves the staging block first.
      const handed = results.map((id, i) => (staging.includes(outputs[i].address) ? this.copyOut([outputs[i]])[0] : id));
      results.forEach((id, i) => handed[i] !== id && storage.free(id));
      this.freeBlocks([...pooled(heapCapture), ...staging]);
      // Inputs returned as they are get staged, so that the next recording keeps them in its blocks.
      const returned = tapeInputs.map((_, i) => i).filter((i) => outputs.some((o) => !o.owned && o.address === tapeInputs[i].address));
      if (unrecordable || returned.length === 0) entry.failures++;
      for (const i of returned) entry.staged.add(i);
      return handed;
    }
    // The outputs' blocks stay with the tape (freed into its pool); the caller gets copies.
    for (const id of results) storage.free(id);
    heap.capture = undefined;
    const reseed = new Set(seeded.filter((_, k) => this.randomNodes[k]));
    const owned = [...pooled(heapCapture), ...staging];
    const ops = capture.ops.map((op): ReplayOp => (op.kind === 'call' && reseed.has(op) ? { kind: 'reseed', fn: op.fn, args: op.args, seedAt: op.seedAt! } : op));
    const tape: Tape = {
      ops: this.packProducts(ops, tapeInputs, owned),
      inputs: tapeInputs,
      outputs: outputs.map(({ address, dtype, length }) => ({ address, dtype, length })),
      lanes,
      owned,
    };
    entry.tape = tape;
    return this.copyOut(tape.outputs);
  }

  private forget(key: string): void {
    const entry = this.shapes.get(key);
    this.shapes.delete(key);
    if (entry !== undefined && entry === this.last?.entry) this.last = undefined;
    if (entry?.tape !== undefined) this.freeBlocks(entry.tape.owned);
  }

  private freeBlocks(addresses: readonly number[]): void {
    for (const address of addresses) this.context.heap.free(address);
  }
}

function* pooled(capture: HeapCapture): Iterable<number> {
  for (const list of capture.pool.values()) yield* list;
}
