// runFused, the wasm backend's fused-elementwise executor, against the same program evaluated one
// instruction at a time with eager ops on this backend's single-op kernels. The interpreter calls
// those kernels' own row functions, so results must be the same bits (NaN compared as NaN: toEqual
// tells +0 from -0 and takes NaN as equal to NaN).
import type { Backend, DataId, DType, FusedInstruction, FusedProgram, KernelInput, TensorInfo, TypedArray } from '@tessera/core';
import { broadcastShapes, broadcastTo, engine, getPrimitive, primitives, setBackend, sizeOf, tensor, type Tensor } from '@tessera/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import { FUSED_OPCODES } from '../src/generated/fused-opcodes.js';
import { fusedFallbackReason, fusedSteps } from '../src/kernels/fused.js';

let backend: Backend;

beforeAll(async () => {
  backend = await setBackend('wasm');
});

const F: DType = 'float32';
const I: DType = 'int32';
const B: DType = 'bool';

const SPECIAL_FLOATS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -0.5, 2.5, -2.5, 1e-40, -1e-40, 3e38, -3e38, 88.7, -103.5, 1e-7, 7, -7];
const SPECIAL_INTS = [0, 1, -1, 2, -2, 7, -7, 2147483647, -2147483648, 46341];

/** Deterministic values of a dtype, with the special ones first (so every test sees NaN, ±0, ±Infinity). */
function valuesOf(dtype: DType, n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const specials = dtype === F ? SPECIAL_FLOATS : dtype === I ? SPECIAL_INTS : [0, 1];
  return Array.from({ length: n }, (_, i) => {
    const at = (i + seed) % (specials.length * 3);
    if (at < specials.length) return specials[at];
    if (dtype === F) return (next() - 0.5) * 20;
    if (dtype === I) return Math.floor((next() - 0.5) * 100);
    return next() < 0.5 ? 0 : 1;
  });
}

function make(shape: number[], dtype: DType, seed: number): Tensor {
  return tensor(valuesOf(dtype, sizeOf(shape), seed), shape, dtype);
}

const asInput = (t: Tensor): KernelInput => ({ id: t.dataId, shape: t.shape, dtype: t.dtype });

/** The program one instruction at a time as eager ops, each output broadcast to `shape`. */
function byInstructions(program: FusedProgram, inputs: readonly Tensor[], shape: number[]): unknown[][] {
  const registers = [...inputs];
  const made: Tensor[] = [];
  for (const { op, args, attrs } of program.instructions) {
    const result = engine.run1(getPrimitive(op)!, args.map((r) => registers[r]), attrs);
    registers.push(result);
    made.push(result);
  }
  const values = program.outputs.map((r) => {
    const out = broadcastTo(registers[r], shape);
    const data = Array.from(out.dataSync());
    if (out !== registers[r]) out.dispose();
    return data;
  });
  for (const t of made) t.dispose();
  return values;
}

/** runFused's results as plain arrays; frees them. */
function fused(program: FusedProgram, inputs: readonly Tensor[], outputs: readonly TensorInfo[]): unknown[][] {
  const ids: DataId[] = backend.runFused!(program, inputs.map(asInput), outputs);
  expect(ids).toHaveLength(outputs.length);
  return ids.map((id) => {
    const data: TypedArray = backend.readSync(id);
    backend.free(id);
    return Array.from(data);
  });
}

const outputDType = (op: string, argDTypes: DType[], attrs: object): DType =>
  getPrimitive(op)!.infer(argDTypes.map((dtype) => ({ shape: [], dtype })), attrs)[0].dtype;

function instruction(op: string, args: number[], argDTypes: DType[], attrs: Record<string, unknown> = {}): FusedInstruction {
  return { op, args, attrs, dtype: outputDType(op, argDTypes, attrs) };
}

/** Checks runFused against the instruction-by-instruction evaluation; returns the fused values. */
function check(program: FusedProgram, inputs: readonly Tensor[], shape: number[]): unknown[][] {
  const dtypes = [...inputs.map((t) => t.dtype), ...program.instructions.map((ins) => ins.dtype)];
  const outputs = program.outputs.map((r) => ({ shape, dtype: dtypes[r] }));
  expect(fusedFallbackReason(program, inputs.map(asInput), outputs)).toBeUndefined();
  const got = fused(program, inputs, outputs);
  expect(got).toEqual(byInstructions(program, inputs, shape));
  return got;
}

/** The opcode table's (op, argument dtypes) pairs, as programs of one instruction. */
/** Opcodes of pairs the compiler folds (no primitive of that name). */
const FOLDED = new Set(['mulAdd:float32', 'mulAdd:int32']);

function opcodeCases(): { key: string; op: string; argDTypes: DType[]; attrs: Record<string, unknown> }[] {
  return Object.keys(FUSED_OPCODES).filter((key) => !FOLDED.has(key)).map((key) => {
    const [op, a, b] = key.split(':') as [string, DType, DType | undefined];
    if (op === 'cast') return { key, op, argDTypes: [a], attrs: { dtype: b } };
    if (op === 'where') return { key, op, argDTypes: [B, a, a], attrs: {} };
    const arity = getPrimitive(op)!.inputNames.length;
    return { key, op, argDTypes: Array.from({ length: arity }, () => a), attrs: {} };
  });
}

describe('runFused: each opcode', () => {
  it('covers every elementwise primitive the fusion pass may put in a region, for each dtype its formula defines', () => {
    const missing: string[] = [];
    for (const def of Object.values(primitives)) {
      if (def.kind !== 'elementwise' || def.formula === undefined) continue;
      for (const dtype of Object.keys(def.formula) as DType[]) {
        const keys =
          def.name === 'cast' ? [F, I, B].map((to) => `cast:${dtype}:${to}`) : def.name === 'where' ? [`where:${dtype}`] : [`${def.name}:${dtype}`];
        for (const key of keys) if (FUSED_OPCODES[key] === undefined) missing.push(key);
      }
    }
    expect(missing).toEqual([]);
    expect(Object.keys(FUSED_OPCODES).length - FOLDED.size).toBe(74);
  });

  // 1037 elements: one full tile (1024), then a tail that is not a multiple of the vector width.
  for (const { key, op, argDTypes, attrs } of opcodeCases()) {
    it(`${key} equals the single-op kernel bit for bit`, () => {
      for (const [n, seed] of [[1037, 3], [5, 11]]) {
        const inputs = argDTypes.map((dtype, i) => make([n], dtype, seed + 17 * i));
        const program: FusedProgram = { numInputs: inputs.length, instructions: [instruction(op, inputs.map((_, i) => i), argDTypes, attrs)], outputs: [inputs.length] };
        check(program, inputs, [n]);
        for (const t of inputs) t.dispose();
      }
    });
  }

  it('binary opcodes with one operand broadcast (a splat and a gathered row) equal the broadcasting kernels', () => {
    for (const { key, op, argDTypes, attrs } of opcodeCases()) {
      if (argDTypes.length !== 2) continue;
      const x = make([3, 301], argDTypes[0], 5);
      const scalar = make([], argDTypes[1], 8);
      const row = make([301], argDTypes[1], 9);
      const column = make([3, 1], argDTypes[1], 10);
      for (const other of [scalar, row, column]) {
        for (const args of [[0, 1], [1, 0]]) {
          const program: FusedProgram = { numInputs: 2, instructions: [instruction(op, args, argDTypes, attrs)], outputs: [2] };
          const shape = [3, 301];
          const got = check(program, [x, other], shape);
          expect(got[0], key).toHaveLength(903);
        }
      }
      for (const t of [x, scalar, row, column]) t.dispose();
    }
  });
});

describe('runFused: programs', () => {
  const gelu = (): FusedProgram => ({
    numInputs: 5,
    // registers: 0 x, 1 a, 2 b, 3 half, 4 one-over-root-two
    instructions: [
      instruction('mul', [0, 1], [F, F]), // 5
      instruction('add', [5, 2], [F, F]), // 6
      instruction('mul', [6, 3], [F, F]), // 7
      instruction('mul', [6, 4], [F, F]), // 8
      instruction('erf', [8], [F]), // 9
      instruction('add', [9, 3], [F, F]), // 10  (erf + 0.5, any constant does)
      instruction('mul', [7, 10], [F, F]), // 11
    ],
    outputs: [11],
  });

  it('broadcasts inputs of every layout: in place, scalar, row, column and middle dimensions', () => {
    const shape = [4, 5, 66];
    const x = make(shape, F, 1);
    const row = make([66], F, 2);
    const column = make([4, 1, 1], F, 3);
    const half = tensor(0.5);
    const middle = make([1, 5, 1], F, 4);
    const program = gelu();
    check(program, [x, row, column, half, middle], shape);
    check(program, [row, x, middle, column, half], shape);
    check(program, [half, column, row, middle, x], shape);
    // Every input smaller than the region: all gathered or splat.
    check(program, [row, column, middle, half, row], shape);
  });

  it('rows repeated in every tile (patterns), also rows longer than a crowded program\'s tile', () => {
    // Twenty live registers shrink the tile to 256 elements; rows of 3, 64, 400 and 512 repeat.
    for (const cols of [3, 64, 400, 512, 513]) {
      const x = make([7, cols], F, cols);
      const row = make([cols], F, cols + 1);
      const column = make([7, 1], F, cols + 2);
      const instructions: FusedInstruction[] = [];
      for (let k = 0; k < 20; k++) instructions.push(instruction(k % 2 === 0 ? 'sub' : 'mul', [k % 3, 3 + k - 1 < 3 ? 1 : 2 + k], [F, F]));
      const n = 3 + instructions.length;
      const summed: FusedInstruction[] = [...instructions];
      for (let k = 0; k < 19; k++) summed.push(instruction('add', [k === 0 ? 3 : n + k - 1, 4 + k], [F, F]));
      const program: FusedProgram = { numInputs: 3, instructions: summed, outputs: [n + 18, 4] };
      check(program, [x, row, column], [7, cols]);
      check(program, [row, x, column], [7, cols]);
    }
  });

  it('a region of one element, and regions whose rank exceeds every input', () => {
    const one = tensor([2.5]);
    const s = tensor(-1.25);
    check(gelu(), [one, s, one, s, one], [1]);
    check(gelu(), [s, s, s, s, s], []);
    check(gelu(), [make([7], F, 1), s, make([3, 1, 1], F, 2), s, s], [2, 3, 4, 7]);
  });

  it('tails: region sizes around the tile length and the vector width', () => {
    for (const n of [1, 3, 4, 15, 16, 17, 63, 255, 256, 257, 1023, 1024, 1025, 2047, 2049, 4099]) {
      const x = make([n], F, n);
      const y = make([n], F, n + 1);
      const c = tensor(3);
      const program: FusedProgram = {
        numInputs: 3,
        instructions: [instruction('sub', [0, 1], [F, F]), instruction('mul', [3, 2], [F, F]), instruction('tanh', [4], [F]), instruction('greater', [5, 0], [F, F])],
        outputs: [5, 6],
      };
      check(program, [x, y, c], [n]);
      // The same with x broadcast along a leading dimension (gathered, runs of n).
      check(program, [x, make([2, n], F, 9), c], [2, n]);
    }
  });

  it('int32 and bool registers: comparisons, logic, where, every cast', () => {
    const shape = [9, 130];
    const a = make(shape, I, 1);
    const b = make([130], I, 2);
    const m = make([9, 1], B, 3);
    const f = make(shape, F, 4);
    const program: FusedProgram = {
      numInputs: 4,
      instructions: [
        instruction('greater', [0, 1], [I, I]), // 4 bool
        instruction('logicalAnd', [4, 2], [B, B]), // 5
        instruction('mul', [0, 1], [I, I]), // 6 int
        instruction('floorDiv', [0, 1], [I, I]), // 7
        instruction('where', [5, 6, 7], [B, I, I]), // 8
        instruction('cast', [8], [I], { dtype: F }), // 9
        instruction('add', [9, 3], [F, F]), // 10
        instruction('cast', [10], [F], { dtype: I }), // 11
        instruction('cast', [10], [F], { dtype: B }), // 12
        instruction('cast', [12], [B], { dtype: F }), // 13
        instruction('cast', [5], [B], { dtype: I }), // 14
        instruction('cast', [0], [I], { dtype: B }), // 15
        instruction('logicalNot', [15], [B]), // 16
        instruction('mod', [11, 1], [I, I]), // 17
        instruction('where', [16, 12, 5], [B, B, B]), // 18
        instruction('where', [2, 13, 3], [B, F, F]), // 19
      ],
      outputs: [8, 10, 11, 14, 16, 17, 18, 19, 13],
    };
    const got = check(program, [a, b, m, f], shape);
    // Not vacuous: both branches of the where were taken, and bools are 0 or 1.
    expect(new Set(got[4])).toEqual(new Set([0, 1]));
  });

  it('NaN and infinities flow through the region as through the kernels', () => {
    const x = tensor([NaN, Infinity, -Infinity, -0, 0, 1, -1, 3e38, NaN, 5]);
    const y = tensor([1, NaN, Infinity, 0, -0, -Infinity, NaN, 3e38, 2, NaN]);
    const program: FusedProgram = {
      numInputs: 2,
      instructions: [
        instruction('maximum', [0, 1], [F, F]),
        instruction('minimum', [0, 1], [F, F]),
        instruction('mul', [0, 1], [F, F]),
        instruction('relu', [4], [F]),
        instruction('sign', [0], [F]),
        instruction('isNaN', [4], [F]),
        instruction('isFinite', [3], [F]),
        instruction('exp', [4], [F]),
        instruction('div', [0, 1], [F, F]),
      ],
      outputs: [2, 3, 4, 5, 6, 7, 8, 9, 10],
    };
    const got = check(program, [x, y], [10]);
    expect(got[0]).toEqual([NaN, NaN, Infinity, 0, 0, 1, NaN, Math.fround(3e38), NaN, NaN]);
    expect(got[4]).toEqual([NaN, 1, -1, -0, 0, 1, -1, 1, NaN, 1]);
  });

  it('outputs: an input register, one register twice, results of mixed dtypes, an intermediate also read later', () => {
    const x = make([2, 600], F, 1);
    const y = make([600], F, 2);
    const program: FusedProgram = {
      numInputs: 2,
      instructions: [instruction('add', [0, 1], [F, F]), instruction('less', [2, 0], [F, F]), instruction('neg', [2], [F])],
      outputs: [2, 0, 2, 3, 1, 4],
    };
    const got = check(program, [x, y], [2, 600]);
    expect(got[1]).toEqual(Array.from(x.dataSync()));
    expect(got[0]).toEqual(got[2]);
    expect(got[4]).toHaveLength(1200);
  });

  it('long programs: a plan larger than the plan area, many live registers', () => {
    const x = make([2000], F, 1);
    const y = make([2000], F, 2);
    const instructions: FusedInstruction[] = [];
    // 360 instructions, each reading the one before it and, every third, one 40 registers back.
    for (let k = 0; k < 360; k++) {
      const r = 2 + k;
      if (k % 6 === 5) instructions.push(instruction('tanh', [r - 1], [F]));
      else instructions.push(instruction(k % 2 === 1 ? 'mul' : 'add', [r - 1, k % 3 === 0 ? Math.max(0, r - 40) : r - 2], [F, F]));
    }
    const n = 2 + instructions.length;
    const [last] = check({ numInputs: 2, instructions, outputs: [n - 1, n - 7, 5] }, [x, y], [2000]);
    expect((last as number[]).filter(Number.isFinite).length).toBeGreaterThan(1000);
  });

  it('folds a multiply read only by an add into one mulAdd step, with the two ops\' roundings', () => {
    for (const dtype of [F, I]) {
      const x = make([3, 400], dtype, 1);
      const a = make([400], dtype, 2);
      const b = make([3, 1], dtype, 3);
      const inputs = [x, a, b];
      const outputs = (n: number) => Array.from({ length: n }, () => ({ shape: [3, 400], dtype }));
      // x·a + b, b + a·x, and x·a also an output (not folded: it must be written).
      const affine: FusedProgram = { numInputs: 3, instructions: [instruction('mul', [0, 1], [dtype, dtype]), instruction('add', [3, 2], [dtype, dtype])], outputs: [4] };
      const swapped: FusedProgram = { numInputs: 3, instructions: [instruction('mul', [1, 0], [dtype, dtype]), instruction('add', [2, 3], [dtype, dtype])], outputs: [4] };
      const kept: FusedProgram = { ...affine, outputs: [4, 3] };
      // A product read twice (by an add and a neg) stays a multiply.
      const shared: FusedProgram = {
        numInputs: 3,
        instructions: [instruction('mul', [0, 1], [dtype, dtype]), instruction('add', [3, 2], [dtype, dtype]), instruction('neg', [3], [dtype])],
        outputs: [4, 5],
      };
      expect(fusedSteps(affine, inputs.map(asInput), outputs(1))).toEqual(['mulAdd']);
      expect(fusedSteps(swapped, inputs.map(asInput), outputs(1))).toEqual(['mulAdd']);
      expect(fusedSteps(kept, inputs.map(asInput), outputs(2))).toEqual(['mul', 'add']);
      expect(fusedSteps(shared, inputs.map(asInput), outputs(2))).toEqual(['mul', 'add', 'neg']);
      for (const program of [affine, swapped, kept, shared]) check(program, inputs, [3, 400]);
    }
  });

  it('falls back to instruction-by-instruction kernels for an op without an opcode, with the same results', () => {
    const x = make([4, 50], F, 1);
    const program: FusedProgram = {
      numInputs: 1,
      instructions: [instruction('exp', [0], [F]), { op: 'cumsum', args: [1], attrs: { axis: 1, exclusive: false, reverse: false }, dtype: F }, instruction('neg', [2], [F])],
      outputs: [3],
    };
    const outputs = [{ shape: [4, 50], dtype: F }];
    expect(fusedFallbackReason(program, [asInput(x)], outputs)).toBe("no fused opcode for 'cumsum'");
    expect(fused(program, [x], outputs)).toEqual(byInstructions(program, [x], [4, 50]));
  });

  it('leaves no storage and no scratch behind', () => {
    const x = make([3, 1000], F, 1);
    const y = make([1000], F, 2);
    const program = gelu();
    const half = tensor(0.5);
    const inputs = [x, y, y, half, half].map(asInput);
    const outputs = [{ shape: [3, 1000], dtype: F }];
    backend.free(backend.runFused!(program, inputs, outputs)[0]);
    const before = backend.memory();
    const heap = (backend as unknown as { heapInfo(): { reservedBytes: number } }).heapInfo().reservedBytes;
    for (let i = 0; i < 50; i++) backend.free(backend.runFused!(program, inputs, outputs)[0]);
    expect(backend.memory()).toEqual(before);
    expect((backend as unknown as { heapInfo(): { reservedBytes: number } }).heapInfo().reservedBytes).toBe(heap);
  });

  it('a program whose inputs do not broadcast to the outputs is an error naming the op', () => {
    const x = make([3], F, 1);
    const y = make([4], F, 2);
    const program: FusedProgram = { numInputs: 2, instructions: [instruction('add', [0, 1], [F, F])], outputs: [2] };
    expect(() => backend.runFused!(program, [asInput(x), asInput(y)], [{ shape: [4], dtype: F }])).toThrow(/add/);
  });
});

// ---- random programs --------------------------------------------------------------------------------

const OPS_BY_DTYPE: Record<DType, { op: string; arity: number }[]> = { float32: [], int32: [], bool: [] };
for (const key of Object.keys(FUSED_OPCODES)) {
  if (FOLDED.has(key)) continue;
  const [op, dtype] = key.split(':') as [string, DType];
  if (op === 'cast' || op === 'where') continue;
  OPS_BY_DTYPE[dtype].push({ op, arity: getPrimitive(op)!.inputNames.length });
}

interface RandomCase {
  readonly shape: number[];
  readonly inputShapes: number[][];
  readonly inputDTypes: DType[];
  readonly picks: number[];
  readonly numOutputs: number;
  readonly seed: number;
}

/** Builds a valid program from random choices: each pick selects an op and arguments among the registers so far. */
function buildProgram(c: RandomCase): FusedProgram {
  const dtypes = [...c.inputDTypes];
  const instructions: FusedInstruction[] = [];
  let p = 0;
  const pick = (n: number) => c.picks[p++ % c.picks.length] % n;
  const ofDType = (d: DType) => dtypes.map((t, r) => (t === d ? r : -1)).filter((r) => r >= 0);
  const numInstructions = 1 + pick(12);
  for (let k = 0; k < numInstructions; k++) {
    const kind = pick(10);
    if (kind === 0) {
      const from = pick(dtypes.length);
      const to = [F, I, B][pick(3)];
      instructions.push(instruction('cast', [from], [dtypes[from]], { dtype: to }));
    } else if (kind === 1 && ofDType(B).length > 0) {
      const cond = ofDType(B)[pick(ofDType(B).length)];
      const a = pick(dtypes.length);
      const same = ofDType(dtypes[a]);
      instructions.push(instruction('where', [cond, a, same[pick(same.length)]], [B, dtypes[a], dtypes[a]]));
    } else {
      const a = pick(dtypes.length);
      const d = dtypes[a];
      const candidates = OPS_BY_DTYPE[d];
      if (candidates.length === 0) continue;
      const { op, arity } = candidates[pick(candidates.length)];
      const same = ofDType(d);
      const args = arity === 1 ? [a] : pick(2) === 0 ? [a, same[pick(same.length)]] : [same[pick(same.length)], a];
      instructions.push(instruction(op, args, args.map(() => d)));
    }
    dtypes.push(instructions[instructions.length - 1].dtype);
  }
  const n = dtypes.length;
  const outputs = Array.from({ length: c.numOutputs }, (_, i) => (i === 0 ? n - 1 : pick(n)));
  return { numInputs: c.inputDTypes.length, instructions, outputs };
}

const dim = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 1, max: 9 }) }, { weight: 1, arbitrary: fc.constantFrom(1, 37, 300, 1030) });
const randomCase: fc.Arbitrary<RandomCase> = fc
  .array(dim, { minLength: 0, maxLength: 3 })
  .filter((shape) => sizeOf(shape) <= 5000)
  .chain((shape) =>
    fc.record({
      shape: fc.constant(shape),
      // Each input: the region's shape with leading dimensions dropped and some dimensions set to 1.
      inputShapes: fc.array(
        fc.tuple(fc.integer({ min: 0, max: shape.length }), fc.array(fc.boolean(), { minLength: 3, maxLength: 3 })).map(([drop, ones]) =>
          shape.slice(drop).map((d, i) => (ones[i] && i % 2 === 0 ? 1 : d)),
        ),
        { minLength: 1, maxLength: 5 },
      ),
      inputDTypes: fc.array(fc.constantFrom(F, F, F, I, B), { minLength: 5, maxLength: 5 }),
      picks: fc.array(fc.nat(1000), { minLength: 8, maxLength: 40 }),
      numOutputs: fc.integer({ min: 1, max: 3 }),
      seed: fc.nat(1000),
    }),
  )
  .map((c) => ({ ...c, inputDTypes: c.inputDTypes.slice(0, c.inputShapes.length) }));

describe('runFused: random programs', () => {
  it('600 random programs equal their instruction-by-instruction evaluation', () => {
    let interpreted = 0;
    fc.assert(
      fc.property(randomCase, (c) => {
        const program = buildProgram(c);
        const inputs = c.inputShapes.map((s, i) => make(s, c.inputDTypes[i], c.seed + 31 * i));
        const shape = broadcastShapes('test', broadcastShapes('test', c.shape, c.shape), inputs.reduce<number[]>((s, t) => broadcastShapes('test', s, t.shape), []));
        try {
          check(program, inputs, shape);
          interpreted++;
        } finally {
          for (const t of inputs) t.dispose();
        }
      }),
      { numRuns: 600, seed: 20261123 },
    );
    expect(interpreted).toBe(600);
  });
});
