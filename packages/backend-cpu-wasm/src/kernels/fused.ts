import type { DataId, DType, FusedProgram, KernelInput, KernelTable, TensorInfo } from '@tessera/core';
import { ArgumentError, getPrimitive, sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import { FUSED_OPCODES } from '../generated/fused-opcodes.js';
import { bytesPerElement } from '../storage.js';
import { runInstructions } from './fused-instructions.js';
import { lanesOf, splitRange } from '../threads/lanes.js';
import { broadcastStrides, collapse } from './plans.js';

// The JS half of the fused-elementwise executor (the wasm half, and the plan layout, are in
// assembly/fused.ts). A program is compiled once per pattern of input dtypes and input layouts:
// opcodes, the tile slot of every register (reused after its last read), which registers are
// written straight into an output, and the tile length. Each call then only writes addresses and
// broadcast strides into a plan and makes one wasm call.

/** Register kinds, as assembly/fused.ts numbers them. */
const SLOT = 0;
const DIRECT = 1;
const GATHER = 2;
const SPLAT = 3;
const PATTERN = 4;

/**
 * How an input reaches its register for one call: in place, gathered per tile, splat once, gathered
 * once (short rows repeated: every tile of it is the same), or never read.
 */
type InputLayout = 'direct' | 'gather' | 'splat' | 'pattern' | 'unused';

/** The tile area aimed at (the L1 data cache of current desktop cores is 32 to 48 KiB). */
const TILE_BUDGET_BYTES = 32 * 1024;
const MIN_TILE = 256;
const MAX_TILE = 1024;
/**
 * Below this many element-instructions (~100 µs of work) a region runs on one thread: waking the
 * workers costs a good part of that. Above, the threads take tile-aligned ranges of the output (the
 * plan is only read, each lane has its own scratch), so results are the same bits on any count.
 */
const PARALLEL_MIN_WORK = 1 << 18;
/** Plans up to this many words go to the context's plan area, larger ones to a scratch block. */
const PLAN_AREA_WORDS = 1024;

interface CompiledProgram {
  /** Per step (instructions, after folding pairs): opcode, destination and up to three source registers. */
  readonly instructions: Int32Array;
  /** The steps' op names (for diagnostics). */
  readonly ops: readonly string[];
  /** Per register: its kind and slot (-1 where it has none); `directOutput` for in-place outputs. */
  readonly kinds: Int32Array;
  readonly slots: Int32Array;
  readonly directOutput: Int32Array;
  readonly dtypes: readonly DType[];
  /** Outputs not written in place: [register, output index] pairs. */
  readonly copies: readonly (readonly [number, number])[];
  readonly numSlots: number;
  readonly tileLength: number;
}

/** A program the interpreter cannot run (an op or dtype it has no opcode for), with the reason. */
interface NotCompiled {
  readonly reason: string;
}

type Compiled = CompiledProgram | NotCompiled;

const SUFFIX: Record<DType, string> = { float32: 'f', int32: 'i', bool: 'b' };

/** The opcode key of an instruction given its arguments' dtypes (see scripts/generate-elementwise.mjs). */
function opcodeKey(op: string, argDTypes: readonly DType[], dtype: DType): string {
  if (op === 'cast') return `cast:${argDTypes[0]}:${dtype}`;
  if (op === 'where') return `where:${argDTypes[1]}`;
  return `${op}:${argDTypes[0]}`;
}

/** How many arguments an op takes, or -1 when the interpreter has no opcode for it. */
function arityOf(op: string): number {
  const known = ['float32', 'int32', 'bool'].some((d) => FUSED_OPCODES[`${op}:${d}`] !== undefined) || op === 'cast' || op === 'where';
  return known ? getPrimitive(op)!.inputNames.length : -1;
}

function compile(program: FusedProgram, inputDTypes: readonly DType[], layouts: readonly InputLayout[], outputs: readonly TensorInfo[]): Compiled {
  const { numInputs, instructions } = program;
  const numRegisters = numInputs + instructions.length;
  const dtypes: DType[] = [...inputDTypes];
  const steps: Step[] = [];
  for (let k = 0; k < instructions.length; k++) {
    const { op, args, attrs, dtype } = instructions[k];
    const arity = arityOf(op);
    if (arity < 0) return { reason: `no fused opcode for '${op}'` };
    if (args.length !== arity) return { reason: `'${op}' takes ${arity} arguments, got ${args.length}` };
    if (args.some((r) => !Number.isInteger(r) || r < 0 || r >= numInputs + k)) return { reason: `'${op}' reads a register not yet defined` };
    const argDTypes = args.map((r) => dtypes[r]);
    // The instruction's result dtype must be the primitive's own for these arguments.
    let inferred: DType;
    try {
      inferred = getPrimitive(op)!.infer(argDTypes.map((d) => ({ shape: [], dtype: d })), attrs as never)[0].dtype;
    } catch {
      return { reason: `'${op}' does not accept ${argDTypes.join(', ')}` };
    }
    if (inferred !== dtype) return { reason: `'${op}' gives ${inferred}, the program says ${dtype}` };
    const code = FUSED_OPCODES[opcodeKey(op, argDTypes, dtype)];
    if (code === undefined) return { reason: `no fused opcode for '${op}' on ${argDTypes.join(', ')}` };
    steps.push({ op, code, dst: numInputs + k, args: [...args], dtype });
    dtypes.push(dtype);
  }
  if (program.outputs.length !== outputs.length) return { reason: `${program.outputs.length} output registers for ${outputs.length} outputs` };
  for (let o = 0; o < outputs.length; o++) {
    const r = program.outputs[o];
    if (!(r >= 0 && r < numRegisters)) return { reason: `output ${o} names register ${r}, which does not exist` };
    if (dtypes[r] !== outputs[o].dtype) return { reason: `output ${o} is ${outputs[o].dtype}, register ${r} is ${dtypes[r]}` };
  }

  // An instruction's result that is an output is written straight into that output's memory.
  const directOutput = new Int32Array(numRegisters).fill(-1);
  const copies: [number, number][] = [];
  program.outputs.forEach((r, o) => {
    if (r >= numInputs && directOutput[r] === -1) directOutput[r] = o;
    else copies.push([r, o]);
  });

  const run = foldMulAdd(steps, program.outputs);

  // Last read of each register (copies happen after the last step).
  const lastUse = new Int32Array(numRegisters).fill(-1);
  run.forEach(({ args }, k) => args.forEach((r) => (lastUse[r] = k)));
  for (const [r] of copies) lastUse[r] = run.length;

  const kinds = new Int32Array(numRegisters);
  const slots = new Int32Array(numRegisters).fill(-1);
  const free: number[] = [];
  let numSlots = 0;
  const take = (): number => free.pop() ?? numSlots++;
  for (let r = 0; r < numInputs; r++) {
    const layout = lastUse[r] < 0 ? 'unused' : layouts[r];
    kinds[r] = { direct: DIRECT, gather: GATHER, splat: SPLAT, pattern: PATTERN, unused: SLOT }[layout];
    // A gathered input's slot is refilled at each tile's start and free after its last read; splat
    // and pattern ones are filled once per call, so they are never reused.
    if (layout === 'gather' || layout === 'splat' || layout === 'pattern') slots[r] = take();
  }
  const releaseAfter = (k: number, r: number) => {
    if (slots[r] >= 0 && kinds[r] !== SPLAT && kinds[r] !== PATTERN && lastUse[r] === k) free.push(slots[r]);
  };
  run.forEach(({ dst: r, args }, k) => {
    // The destination is taken before the arguments are released: no instruction writes over its
    // own inputs (a widening cast would overrun them).
    if (directOutput[r] >= 0) kinds[r] = DIRECT;
    else {
      kinds[r] = SLOT;
      slots[r] = take();
    }
    for (const a of new Set(args)) releaseAfter(k, a);
    // A result nobody reads frees its slot at once.
    if (lastUse[r] < 0) releaseAfter(-1, r);
  });

  const perElement = 4 * Math.max(1, numSlots + kinds.filter((k) => k === DIRECT).length);
  const tileLength = Math.min(MAX_TILE, Math.max(MIN_TILE, Math.floor(TILE_BUDGET_BYTES / perElement / 64) * 64));
  const codes = new Int32Array(run.length * 5);
  run.forEach(({ code, dst, args }, k) => codes.set([code, dst, args[0], args[1] ?? args[0], args[2] ?? args[0]], k * 5));
  return { instructions: codes, ops: run.map((step) => step.op), kinds, slots, directOutput, dtypes, copies, numSlots, tileLength };
}

/** One instruction as the interpreter runs it. */
interface Step {
  readonly op: string;
  readonly code: number;
  readonly dst: number;
  readonly args: readonly number[];
  readonly dtype: DType;
}

/**
 * Folds a multiply whose only reader is an add (x·a + b, the commonest pair in regions) into one
 * `mulAdd` step: one pass over the tile instead of two, the same two roundings. The multiply's
 * register is then never written.
 */
function foldMulAdd(steps: readonly Step[], outputs: readonly number[]): Step[] {
  const reads = new Map<number, number>();
  for (const { args } of steps) for (const r of args) reads.set(r, (reads.get(r) ?? 0) + 1);
  for (const r of outputs) reads.set(r, (reads.get(r) ?? 0) + 1);
  const byRegister = new Map(steps.map((step) => [step.dst, step]));
  const folded = new Set<number>();
  const run: Step[] = [];
  for (const step of steps) {
    const code = FUSED_OPCODES[`mulAdd:${step.dtype}`];
    if (step.op === 'add' && code !== undefined) {
      const product = step.args.find((r) => byRegister.get(r)?.op === 'mul' && reads.get(r) === 1 && !folded.has(r));
      if (product !== undefined) {
        const mul = byRegister.get(product)!;
        const other = step.args[0] === product ? step.args[1] : step.args[0];
        folded.add(product);
        run.push({ op: 'mulAdd', code, dst: step.dst, args: [mul.args[0], mul.args[1], other], dtype: step.dtype });
        continue;
      }
    }
    run.push(step);
  }
  return run.filter((step) => !folded.has(step.dst));
}

/** Caches compiled programs per program object, then per input dtypes and layouts. */
const cache = new WeakMap<FusedProgram, Map<string, Compiled>>();

function compiled(program: FusedProgram, inputs: readonly KernelInput[], layouts: readonly InputLayout[], outputs: readonly TensorInfo[]): Compiled {
  let byPattern = cache.get(program);
  if (byPattern === undefined) {
    byPattern = new Map();
    cache.set(program, byPattern);
  }
  const key = inputs.map((x, i) => SUFFIX[x.dtype] + layouts[i][0]).join('') + '>' + outputs.map((o) => SUFFIX[o.dtype]).join('');
  let entry = byPattern.get(key);
  if (entry === undefined) {
    entry = compile(program, inputs.map((x) => x.dtype), layouts, outputs);
    byPattern.set(key, entry);
  }
  return entry;
}

/**
 * `runFused` for the wasm backend: the tile interpreter where it covers the program, else the
 * program one instruction at a time on the backend's own kernels (same results, more passes over
 * memory).
 */
export function runFused(
  context: WasmContext,
  kernels: KernelTable,
  program: FusedProgram,
  inputs: readonly KernelInput[],
  outputs: readonly TensorInfo[],
): DataId[] {
  if (inputs.length !== program.numInputs) {
    throw new ArgumentError(`fused: the program reads ${program.numInputs} inputs, got ${inputs.length}`);
  }
  const plan = callPlan(program, inputs, outputs);
  if (plan !== undefined) return context.runKernel('fused', () => interpret(context, plan, inputs, outputs));
  return runInstructions(kernels, context, program, inputs, outputs);
}

/**
 * Everything about one call that depends only on the program and the shapes and dtypes it is called
 * with: the layout, the compiled program, and the plan words with the tensors' addresses left blank
 * (`patches` says where each goes). Traced graphs call a region with the same shapes every time, so
 * a warm call only patches addresses and copies the words into wasm memory.
 */
interface CallPlan {
  readonly total: number;
  /** Elements per tile: where the lanes' ranges may start, so each lane's tiles fall where one lane's would. */
  readonly tileLength: number;
  readonly numInstructions: number;
  readonly words: Int32Array;
  /** [word index, source]: source ≥ 0 is an input's index, -1 - k is output k. */
  readonly patches: readonly (readonly [number, number])[];
  readonly scratchBytes: number;
}

/** Call plans per program, then per input and output shapes and dtypes; `null` where the interpreter does not run it. */
const CALL_PLANS_PER_PROGRAM = 64;
const callPlans = new WeakMap<FusedProgram, Map<string, CallPlan | null>>();

function callPlan(program: FusedProgram, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): CallPlan | undefined {
  let byShapes = callPlans.get(program);
  if (byShapes === undefined) {
    byShapes = new Map();
    callPlans.set(program, byShapes);
  }
  let key = '';
  for (const x of inputs) key += SUFFIX[x.dtype] + x.shape.join(',') + ';';
  key += '>';
  for (const o of outputs) key += SUFFIX[o.dtype] + o.shape.join(',') + ';';
  let plan = byShapes.get(key);
  if (plan === undefined) {
    const layout = layoutOf(inputs, outputs);
    const entry = layout === undefined ? undefined : compiled(program, inputs as KernelInput[], layout.layouts, outputs);
    plan = entry !== undefined && 'tileLength' in entry ? planWords(entry, inputs.length, layout!) : null;
    // A region with a symbolic batch dimension meets a new shape per batch size: keep the cache bounded.
    if (byShapes.size >= CALL_PLANS_PER_PROGRAM) byShapes.clear();
    byShapes.set(key, plan);
  }
  return plan ?? undefined;
}

/** Why `runFused` would not interpret a program (undefined when it would), for tests and diagnostics. */
export function fusedFallbackReason(program: FusedProgram, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): string | undefined {
  const plan = layoutOf(inputs, outputs);
  if (plan === undefined) return 'the inputs do not broadcast to one output shape';
  const entry = compiled(program, inputs as KernelInput[], plan.layouts, outputs);
  return 'reason' in entry ? entry.reason : undefined;
}

/** The steps the interpreter runs for a program (pairs folded), or undefined when it falls back. */
export function fusedSteps(program: FusedProgram, inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): readonly string[] | undefined {
  const plan = layoutOf(inputs, outputs);
  if (plan === undefined) return undefined;
  const entry = compiled(program, inputs as KernelInput[], plan.layouts, outputs);
  return 'reason' in entry ? undefined : entry.ops;
}

interface CallLayout {
  readonly layouts: InputLayout[];
  readonly total: number;
  readonly shape: number[];
  readonly strides: number[][];
}

/** Each input's layout against the region's shape, or undefined when they do not broadcast to it. */
function layoutOf(inputs: readonly TensorInfo[], outputs: readonly TensorInfo[]): CallLayout | undefined {
  if (outputs.length === 0) return undefined;
  const outShape = outputs[0].shape;
  if (outputs.some((o) => o.shape.length !== outShape.length || o.shape.some((d, i) => d !== outShape[i]))) return undefined;
  const total = sizeOf(outShape);
  for (const x of inputs) {
    const lead = outShape.length - x.shape.length;
    if (lead < 0 || x.shape.some((d, i) => d !== 1 && d !== outShape[lead + i])) return undefined;
  }
  const { shape, strides } = collapse(outShape, inputs.map((x) => broadcastStrides(x.shape, outShape)));
  const last = shape.length - 1;
  const layouts = inputs.map((x, i): InputLayout => {
    const size = sizeOf(x.shape);
    if (size === total) return 'direct';
    if (size === 1) return 'splat';
    const rowOnly = strides[i][last] === 1 && strides[i].every((s, d) => d === last || s === 0);
    return rowOnly && shape[last] <= MAX_TILE / 2 ? 'pattern' : 'gather';
  });
  return { layouts, total, shape, strides };
}

/** The plan words of assembly/fused.ts for a compiled program and a call layout, addresses left to patch. */
function planWords(program: CompiledProgram, numInputs: number, call: CallLayout): CallPlan {
  const { kinds, slots, directOutput, dtypes, copies, instructions } = program;
  const tileLength = rowAlignedTile(program.tileLength, call);
  const numRegisters = kinds.length;
  const rank = call.shape.length;
  const numGathers = kinds.filter((k) => k === GATHER || k === PATTERN).length;
  const numInstructions = instructions.length / 5;
  const size = 6 + rank + numRegisters * 5 + instructions.length + copies.length * 3 + numGathers * rank;
  const words = new Int32Array(size);
  const patches: [number, number][] = [];
  words.set([numInstructions, numRegisters, copies.length, tileLength, tileLength * 4, rank, ...call.shape]);
  let at = 6 + rank;
  let strideAt = 6 + rank + numRegisters * 5 + instructions.length + copies.length * 3;
  const strideBase = strideAt;
  const shiftOf = (r: number) => (bytesPerElement(dtypes[r]) === 4 ? 2 : 0);
  for (let r = 0; r < numRegisters; r++, at += 5) {
    const kind = kinds[r];
    if (kind === DIRECT) {
      words.set([DIRECT, 0, shiftOf(r), 0, 0], at);
      patches.push([at + 1, r < numInputs ? r : -1 - directOutput[r]]);
    } else if (kind === GATHER || kind === PATTERN) {
      words.set([kind, slots[r], shiftOf(r), 0, strideAt - strideBase], at);
      patches.push([at + 3, r]);
      words.set(call.strides[r], strideAt);
      strideAt += rank;
    } else if (kind === SPLAT) {
      words.set([SPLAT, slots[r], shiftOf(r), 0, 0], at);
      patches.push([at + 3, r]);
    } else {
      words.set([SLOT, Math.max(slots[r], 0), 0, 0, 0], at);
    }
  }
  words.set(instructions, at);
  at += instructions.length;
  for (const [r, o] of copies) {
    words.set([r, 0, shiftOf(r)], at);
    patches.push([at + 1, -1 - o]);
    at += 3;
  }
  // Scratch: register pointers and the odometer index, then the tile slots (assembly/fused.ts).
  const headerBytes = Math.ceil(((numRegisters + rank) * 4) / 16) * 16 + 16;
  return {
    total: call.total,
    tileLength,
    numInstructions,
    words,
    patches,
    scratchBytes: headerBytes + Math.max(1, program.numSlots) * tileLength * 4,
  };
}

function interpret(context: WasmContext, plan: CallPlan, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
  const results = outputs.map((o) => context.output(o));
  if (plan.total === 0) return results;
  const { words } = plan;
  for (const [at, source] of plan.patches) words[at] = source >= 0 ? context.address(inputs[source]) : context.address(results[-1 - source]);
  const lanes = lanesOf(context);
  const ranges = lanes.count > 1 && plan.total * plan.numInstructions >= PARALLEL_MIN_WORK ? splitRange(plan.total, lanes.count, plan.tileLength) : [[0, plan.total]];
  const scratches: number[] = [];
  const planBlock = words.length > PLAN_AREA_WORDS ? context.scratch(words.length * 4) : undefined;
  try {
    for (let lane = 0; lane < ranges.length; lane++) scratches.push(context.scratch(plan.scratchBytes));
    let planAddress: number;
    if (planBlock === undefined) planAddress = context.plan(words);
    else {
      context.writeWords(planBlock, words);
      planAddress = planBlock;
    }
    if (ranges.length === 1) context.call('fused_run', planAddress, scratches[0], 0, plan.total);
    else lanes.run(ranges.map(([begin, end], lane) => [{ name: 'fused_run', args: [planAddress, scratches[lane], begin, end] }]));
  } finally {
    for (const scratch of scratches) context.release(scratch);
    if (planBlock !== undefined) context.release(planBlock);
  }
  return results;
}

/**
 * The tile length for one call: a whole number of rows where an input repeats along short rows (so
 * every tile of it is the same), else rows split evenly where an input is broadcast along longer
 * rows (so it is read in place rather than gathered).
 */
function rowAlignedTile(tileLength: number, call: CallLayout): number {
  const inner = call.shape[call.shape.length - 1];
  // A pattern's rows may be longer than the program's tile (at most MAX_TILE / 2): one row a tile then.
  if (call.layouts.includes('pattern')) return inner * Math.max(1, Math.floor(tileLength / inner));
  const rank = call.shape.length;
  const rowBroadcast = call.layouts.some((l, i) => l === 'gather' && call.strides[i][rank - 1] === 1);
  if (!rowBroadcast) return tileLength;
  const parts = Math.ceil(inner / tileLength);
  return inner % parts === 0 ? inner / parts : tileLength;
}
