import fc from 'fast-check';
import type { DType, FusedInstruction, FusedProgram, Kernel, KernelInput, Shape, TensorInfo, TypedArray } from '@tessera/core';
import { broadcastShapes, getPrimitive, primitives, setBackend } from '@tessera/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import type { WebGPUBackend } from '../src/index.js';
import { elementwiseExpr } from '../src/kernels/elementwise.js';

let backend: WebGPUBackend;

beforeAll(async () => {
  backend = (await setBackend('webgpu')) as WebGPUBackend;
});

afterAll(async () => {
  await setBackend('webgpu');
});

/** Values that probe NaN, ±Infinity, signed zeros, tiny and huge magnitudes, and ordinary numbers. */
const FLOATS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 0.5, -2.5, 3.75, 1e-30, -1e30, 88.5, -104, 0.1, 7];
const INTS = [0, 1, -1, 7, -8, 2147483647, -2147483648, 3, -3, 100, 65536, -65537, 2, 5, -6, 13];
const BOOLS = [0, 1, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 1, 0, 1, 0];

function valuesOf(dtype: DType, length: number, shift: number): TypedArray {
  const source = dtype === 'float32' ? FLOATS : dtype === 'int32' ? INTS : BOOLS;
  const values = Array.from({ length }, (_, i) => source[(i * 5 + shift) % source.length]);
  return dtype === 'float32' ? Float32Array.from(values) : dtype === 'int32' ? Int32Array.from(values) : Uint8Array.from(values);
}

function write(values: TypedArray, shape: Shape, dtype: DType): KernelInput {
  return { id: backend.write(values, shape, dtype), shape, dtype };
}

function kernel(op: string): Kernel {
  return (backend.kernels as unknown as Record<string, Kernel>)[op];
}

/** Bit-exact comparison (NaN equals NaN, -0 differs from 0), naming the first difference. */
function expectSameBits(label: string, actual: TypedArray, expected: TypedArray): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) && !(Number.isNaN(actual[i]) && Number.isNaN(expected[i]))) {
      expect.fail(`${label}: element ${i} is ${actual[i]}, the single-op kernels give ${expected[i]}`);
    }
  }
}

/** The program evaluated one instruction at a time on this backend's single-op kernels. */
function evaluateByKernels(program: FusedProgram, inputs: readonly KernelInput[], outShape: Shape): KernelInput[] {
  const registers: KernelInput[] = [...inputs];
  for (const ins of program.instructions) {
    const args = ins.args.map((r) => registers[r]);
    const [info] = getPrimitive(ins.op)!.infer(args, ins.attrs as never);
    const [id] = kernel(ins.op)(args, ins.attrs, [info]);
    registers.push({ id, ...info });
  }
  const outputs = program.outputs.map((r) => {
    const reg = registers[r];
    const info: TensorInfo = { shape: outShape, dtype: reg.dtype };
    return { id: kernel('broadcastTo')([reg], { shape: outShape }, [info])[0], ...info };
  });
  registers.slice(inputs.length).forEach((r) => backend.free(r.id));
  return outputs;
}

/** Whether core's own inference takes these input dtypes (the table may hold rows core never asks for). */
function acceptedByCore(op: string, dtypes: DType[]): boolean {
  try {
    getPrimitive(op)!.infer(dtypes.map((dtype) => ({ shape: [1], dtype })), {} as never);
    return true;
  } catch {
    return false;
  }
}

/** Every elementwise primitive of core, with each input dtype combination its formula accepts here. */
function instructionCases(): { op: string; dtypes: DType[]; attrs: Record<string, unknown> }[] {
  const cases: { op: string; dtypes: DType[]; attrs: Record<string, unknown> }[] = [];
  const all: DType[] = ['float32', 'int32', 'bool'];
  for (const primitive of Object.values(primitives as Record<string, { name: string; kind: string; inputNames: readonly string[] }>)) {
    if (primitive.kind !== 'elementwise') continue;
    const op = primitive.name;
    if (op === 'cast') {
      for (const from of all) for (const to of all) cases.push({ op, dtypes: [from], attrs: { dtype: to } });
      continue;
    }
    for (const dtype of all) {
      const dtypes = op === 'where' ? (['bool', dtype, dtype] as DType[]) : primitive.inputNames.map(() => dtype);
      if (elementwiseExpr(op, dtypes, {}) !== undefined && acceptedByCore(op, dtypes)) cases.push({ op, dtypes, attrs: {} });
    }
  }
  return cases;
}

describe('runFused: one instruction equals its single-op kernel', () => {
  it('for every elementwise primitive and dtype, bit for bit, with NaN, ±Infinity and ±0, also broadcast', async () => {
    const cases = instructionCases();
    // Every primitive of core's elementwise group has at least one dtype here.
    const ops = new Set(cases.map((c) => c.op));
    expect(ops.size).toBe(Object.values(primitives as Record<string, { kind: string }>).filter((p) => p.kind === 'elementwise').length);
    expect(cases.length).toBeGreaterThanOrEqual(70);
    for (const { op, dtypes, attrs } of cases) {
      for (const shapes of [dtypes.map(() => [4, 4]), dtypes.map((_, k) => (k === dtypes.length - 1 ? [4, 4] : k === 0 ? [4, 1] : [4]))]) {
        const inputs = dtypes.map((dtype, k) => write(valuesOf(dtype, shapes[k].reduce((p, d) => p * d, 1), k * 3), shapes[k], dtype));
        const [info] = getPrimitive(op)!.infer(inputs, attrs as never);
        const ins: FusedInstruction = { op, args: inputs.map((_, k) => k), attrs, dtype: info.dtype };
        const program: FusedProgram = { numInputs: inputs.length, instructions: [ins], outputs: [inputs.length] };
        const dispatches = backend.stats().dispatches;
        const [fused] = backend.runFused(program, inputs, [info]);
        expect(backend.stats().dispatches - dispatches, `${op} runs as one dispatch`).toBe(1);
        const [single] = kernel(op)(inputs, attrs, [info]);
        const label = `${op}(${dtypes.join(', ')})${op === 'cast' ? ` to ${String(attrs.dtype)}` : ''} on ${JSON.stringify(shapes)}`;
        expectSameBits(label, await backend.read(fused), await backend.read(single));
        [fused, single, ...inputs.map((x) => x.id)].forEach((id) => backend.free(id));
      }
    }
  });

  it('serves every shape of a program from one pipeline, and writes several outputs in one dispatch', async () => {
    const program: FusedProgram = {
      numInputs: 2,
      instructions: [
        { op: 'mul', args: [0, 1], attrs: {}, dtype: 'float32' },
        { op: 'tanh', args: [2], attrs: {}, dtype: 'float32' },
        { op: 'greater', args: [3, 1], attrs: {}, dtype: 'bool' },
      ],
      outputs: [3, 4, 0],
    };
    const fusedPipelines: number[] = [];
    for (const [shapeA, shapeB] of [[[2, 3], [3]], [[5, 1, 2], [4, 1]], [[3, 2, 2, 2], [2, 1, 2]]] as Shape[][]) {
      const out = broadcastShapes('test', shapeA, shapeB);
      const a = write(valuesOf('float32', shapeA.reduce((p, d) => p * d, 1), 1), shapeA, 'float32');
      const b = write(valuesOf('float32', shapeB.reduce((p, d) => p * d, 1), 2), shapeB, 'float32');
      const { dispatches, pipelines } = backend.stats();
      const fused = backend.runFused(program, [a, b], [{ shape: out, dtype: 'float32' }, { shape: out, dtype: 'bool' }, { shape: out, dtype: 'float32' }]);
      expect(backend.stats().dispatches - dispatches).toBe(1);
      fusedPipelines.push(backend.stats().pipelines - pipelines);
      const expected = evaluateByKernels(program, [a, b], out);
      for (let k = 0; k < 3; k++) expectSameBits(`output ${k} on ${JSON.stringify(out)}`, await backend.read(fused[k]), await backend.read(expected[k].id));
      [...fused, ...expected.map((x) => x.id), a.id, b.id].forEach((id) => backend.free(id));
    }
    // The broadcast layout is one pipeline for the three shapes: made on the first, reused after.
    expect(fusedPipelines).toEqual([1, 0, 0]);
  });

  it('gives empty outputs for an empty region, with no dispatch', async () => {
    const x = write(new Float32Array(0), [0, 3], 'float32');
    const program: FusedProgram = { numInputs: 1, instructions: [{ op: 'exp', args: [0], attrs: {}, dtype: 'float32' }], outputs: [1, 1] };
    const dispatches = backend.stats().dispatches;
    const outs = backend.runFused(program, [x], [{ shape: [0, 3], dtype: 'float32' }, { shape: [0, 3], dtype: 'float32' }]);
    expect(backend.stats().dispatches).toBe(dispatches);
    for (const id of outs) expect(Array.from(await backend.read(id))).toEqual([]);
    [...outs, x.id].forEach((id) => backend.free(id));
  });

  it('names a program that reads an undefined register, and an output of the wrong dtype', () => {
    const x = write(Float32Array.from([1, 2]), [2], 'float32');
    const info: TensorInfo = { shape: [2], dtype: 'float32' };
    const storages = backend.stats().storages;
    expect(() => backend.runFused({ numInputs: 1, instructions: [{ op: 'neg', args: [3], attrs: {}, dtype: 'float32' }], outputs: [1] }, [x], [info])).toThrow(
      /fused: instruction 0 \(neg\) reads a register not defined before it: \[3\]/,
    );
    expect(() => backend.runFused({ numInputs: 1, instructions: [{ op: 'isNaN', args: [0], attrs: {}, dtype: 'bool' }], outputs: [1] }, [x], [info])).toThrow(
      /fused: output 0 is register 1 of dtype bool, but a float32 output was asked for/,
    );
    expect(backend.stats().storages).toBe(storages);
    backend.free(x.id);
  });

  it('falls back to the kernels when a region needs more storage bindings than the device has', async () => {
    const limit = backend.runtime.device.limits.maxStorageBuffersPerShaderStage;
    const n = limit; // n inputs + 1 output is one binding too many
    const inputs = Array.from({ length: n }, (_, k) => write(Float32Array.from([k, -k, k / 2]), [3], 'float32'));
    const instructions: FusedInstruction[] = [];
    for (let k = 1; k < n; k++) instructions.push({ op: 'add', args: [k === 1 ? 0 : n + k - 2, k], attrs: {}, dtype: 'float32' });
    const program: FusedProgram = { numInputs: n, instructions, outputs: [n + instructions.length - 1] };
    const dispatches = backend.stats().dispatches;
    const [sum] = backend.runFused(program, inputs, [{ shape: [3], dtype: 'float32' }]);
    expect(backend.stats().dispatches - dispatches).toBe(n - 1);
    const total = (n * (n - 1)) / 2;
    expect(Array.from(await backend.read(sum))).toEqual([total, -total, total / 2]);
    [sum, ...inputs.map((x) => x.id)].forEach((id) => backend.free(id));
  });
});

/** A random well-typed program over inputs of broadcastable shapes. */
interface RandomCase {
  readonly shapes: Shape[];
  readonly dtypes: DType[];
  readonly picks: { readonly op: number; readonly a: number; readonly b: number; readonly c: number }[];
  readonly outputs: number[];
  readonly seed: number;
}

const UNARY_F = ['neg', 'abs', 'exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'sin', 'erf', 'floor', 'round', 'relu', 'reciprocal', 'square', 'expm1', 'log1p', 'sign', 'rsqrt', 'cos', 'ceil'];
const BINARY_F = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum', 'pow', 'mod', 'floorDiv', 'atan2'];
const BINARY_I = ['add', 'sub', 'mul', 'maximum', 'minimum', 'mod', 'floorDiv'];
const COMPARE = ['greater', 'less', 'equal', 'notEqual', 'greaterEqual', 'lessEqual'];

const caseArbitrary: fc.Arbitrary<RandomCase> = fc
  .record({
    rank: fc.integer({ min: 0, max: 3 }),
    dims: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 3, maxLength: 3 }),
    inputs: fc.array(fc.record({ mask: fc.nat(7), drop: fc.nat(3), int: fc.boolean() }), { minLength: 1, maxLength: 4 }),
    picks: fc.array(fc.record({ op: fc.nat(99), a: fc.nat(), b: fc.nat(), c: fc.nat() }), { minLength: 1, maxLength: 8 }),
    outs: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    seed: fc.nat(1000),
  })
  .map(({ rank, dims, inputs, picks, outs, seed }) => {
    const region = dims.slice(0, rank);
    // Each input: the region's shape with some axes set to 1 and some leading axes dropped (NumPy broadcasting).
    const shapes = inputs.map(({ mask, drop }) => region.slice(Math.min(drop, rank)).map((d, k) => ((mask >> k) & 1 ? 1 : d)));
    const dtypes = inputs.map(({ int }) => (int ? 'int32' : 'float32') as DType);
    const total = inputs.length + picks.length;
    return { shapes, dtypes, picks, outputs: outs.map((o) => o % total), seed, region } as RandomCase;
  });

/** Builds the program from picks, choosing operands of fitting dtypes among earlier registers. */
function buildProgram(c: RandomCase): FusedProgram {
  const dtypes: DType[] = [...c.dtypes];
  const instructions: FusedInstruction[] = [];
  const ofType = (dtype: DType, pick: number): number | undefined => {
    const regs = dtypes.map((d, r) => (d === dtype ? r : -1)).filter((r) => r >= 0);
    return regs.length === 0 ? undefined : regs[pick % regs.length];
  };
  for (const { op, a, b, c: third } of c.picks) {
    const any = a % dtypes.length;
    const t = dtypes[any];
    let ins: FusedInstruction;
    if (op < 30 && t === 'float32') ins = { op: UNARY_F[op % UNARY_F.length], args: [any], attrs: {}, dtype: 'float32' };
    else if (op < 60 && t !== 'bool') {
      const names = t === 'float32' ? BINARY_F : BINARY_I;
      ins = { op: names[op % names.length], args: [any, ofType(t, b)!], attrs: {}, dtype: t };
    } else if (op < 70 && t !== 'bool') ins = { op: COMPARE[op % COMPARE.length], args: [any, ofType(t, b)!], attrs: {}, dtype: 'bool' };
    else if (op < 80 && ofType('bool', b) !== undefined) {
      ins = { op: 'where', args: [ofType('bool', b)!, any, ofType(t, third)!], attrs: {}, dtype: t };
    } else if (op < 85 && t === 'bool') {
      ins = { op: op % 2 === 0 ? 'logicalNot' : 'logicalAnd', args: op % 2 === 0 ? [any] : [any, ofType('bool', b)!], attrs: {}, dtype: 'bool' };
    } else {
      const to = (['float32', 'int32', 'bool'] as DType[])[op % 3];
      ins = { op: 'cast', args: [any], attrs: { dtype: to }, dtype: to };
    }
    instructions.push(ins);
    dtypes.push(ins.dtype);
  }
  return { numInputs: c.dtypes.length, instructions, outputs: c.outputs };
}

describe('runFused: random programs equal their instruction-by-instruction evaluation', () => {
  const RUNS = Number(process.env.TESSERA_FUSED_RUNS ?? 300);
  it(`holds bit for bit for ${RUNS} random programs (float32, int32 and bool registers; broadcast inputs; several outputs) and leaks nothing`, async () => {
    const before = backend.memory();
    let checked = 0;
    await fc.assert(
      fc.asyncProperty(caseArbitrary, async (c) => {
        checked++;
        const program = buildProgram(c);
        const region = (c as RandomCase & { region: Shape }).region;
        const inputs = c.shapes.map((shape, k) => write(valuesOf(c.dtypes[k], shape.reduce((p, d) => p * d, 1), c.seed + k), shape, c.dtypes[k]));
        const registerDTypes = [...c.dtypes, ...program.instructions.map((i) => i.dtype)];
        const infos = program.outputs.map((r) => ({ shape: region, dtype: registerDTypes[r] }));
        const fused = backend.runFused(program, inputs, infos);
        const expected = evaluateByKernels(program, inputs, region);
        try {
          for (let k = 0; k < fused.length; k++) {
            expectSameBits(`output ${k} of ${JSON.stringify(program)} on ${JSON.stringify(c.shapes)}`, await backend.read(fused[k]), await backend.read(expected[k].id));
          }
        } finally {
          [...fused, ...expected.map((x) => x.id), ...inputs.map((x) => x.id)].forEach((id) => backend.free(id));
        }
      }),
      { numRuns: RUNS, seed: 20261123 },
    );
    expect(checked).toBeGreaterThanOrEqual(RUNS);
    expect(backend.memory()).toEqual(before);
  });
});



describe('runFused: an epilogue rides in the matMul/conv2d dispatch that produced register 0', () => {
  /** Runs `op` then the epilogue on its result, as the tracer's executor does; returns dispatches used and the outputs. */
  function contractionThenEpilogue(op: 'matMul' | 'conv2d', operands: KernelInput[], attrs: Record<string, unknown>, program: FusedProgram, extras: KernelInput[]) {
    const [info] = getPrimitive(op)!.infer(operands, attrs as never);
    const before = backend.stats().dispatches;
    const [raw] = kernel(op)(operands, attrs, [info]);
    const rawInput: KernelInput = { id: raw, ...info };
    const registerDTypes = [info.dtype, ...extras.map((x) => x.dtype), ...program.instructions.map((i) => i.dtype)];
    const outputs = backend.runFused(program, [rawInput, ...extras], program.outputs.map((r) => ({ shape: info.shape, dtype: registerDTypes[r] })));
    backend.runtime.flush();
    return { dispatches: backend.stats().dispatches - before, raw: rawInput, outputs };
  }

  const biasRelu: FusedProgram = {
    numInputs: 2,
    instructions: [
      { op: 'add', args: [0, 1], attrs: {}, dtype: 'float32' },
      { op: 'relu', args: [2], attrs: {}, dtype: 'float32' },
      { op: 'isNaN', args: [0], attrs: {}, dtype: 'bool' },
    ],
    outputs: [3, 4, 0],
  };

  it('matMul + bias + relu is one dispatch, bit for bit the kernels’ results; the raw result is computed if read later', async () => {
    const before = backend.memory();
    const a = write(valuesOf('float32', 5 * 37, 3).map((v) => (Number.isFinite(v) && Math.abs(v) < 100 ? v : 0.5)), [5, 37], 'float32');
    const b = write(Float32Array.from({ length: 37 * 3 }, (_, i) => ((i * 7) % 13) / 4 - 1.5), [37, 3], 'float32');
    const bias = write(Float32Array.from([0.25, NaN, -3]), [3], 'float32');
    const { dispatches, raw, outputs } = contractionThenEpilogue('matMul', [a, b], { transposeA: false, transposeB: false }, biasRelu, [bias]);
    expect(dispatches).toBe(1);
    const expected = evaluateByKernels(biasRelu, [raw, bias], raw.shape);
    // Reading the raw result (what evaluateByKernels did above) ran the plain matMul after all.
    const [plain] = kernel('matMul')([a, b], { transposeA: false, transposeB: false }, [{ shape: raw.shape, dtype: 'float32' }]);
    expectSameBits('raw result', await backend.read(raw.id), await backend.read(plain));
    for (let k = 0; k < 3; k++) expectSameBits(`output ${k}`, await backend.read(outputs[k]), await backend.read(expected[k].id));
    [...outputs, ...expected.map((x) => x.id), plain, raw.id, a.id, b.id, bias.id].forEach((id) => backend.free(id));
    expect(backend.memory()).toEqual(before);
  });

  it('batched, transposed, int32 matMul with a broadcast epilogue input; conv2d with a per-channel bias', async () => {
    const before = backend.memory();
    const a = write(Int32Array.from({ length: 2 * 4 * 3 }, (_, i) => (i % 7) - 3), [2, 4, 3], 'int32');
    const b = write(Int32Array.from({ length: 5 * 4 }, (_, i) => (i % 5) - 2), [5, 4], 'int32');
    const scale = write(Int32Array.from([2, -1]), [2, 1, 1], 'int32');
    const program: FusedProgram = {
      numInputs: 2,
      instructions: [
        { op: 'mul', args: [0, 1], attrs: {}, dtype: 'int32' },
        { op: 'cast', args: [2], attrs: { dtype: 'float32' }, dtype: 'float32' },
        { op: 'sigmoid', args: [3], attrs: {}, dtype: 'float32' },
      ],
      outputs: [4, 2],
    };
    const attrs = { transposeA: true, transposeB: true };
    const run1 = contractionThenEpilogue('matMul', [a, b], attrs, program, [scale]);
    expect(run1.dispatches).toBe(1);
    const expected1 = evaluateByKernels(program, [run1.raw, scale], run1.raw.shape);
    for (let k = 0; k < 2; k++) expectSameBits(`matMul output ${k}`, await backend.read(run1.outputs[k]), await backend.read(expected1[k].id));

    const x = write(Float32Array.from({ length: 2 * 5 * 5 * 3 }, (_, i) => ((i * 11) % 17) / 8 - 1), [2, 5, 5, 3], 'float32');
    const filter = write(Float32Array.from({ length: 3 * 3 * 3 * 4 }, (_, i) => ((i * 5) % 9) / 4 - 1), [3, 3, 3, 4], 'float32');
    const bias = write(Float32Array.from([0.5, -0.5, 1, Infinity]), [4], 'float32');
    const convAttrs = { strides: [1, 1], padding: 'same', dilations: [1, 1], groups: 1 };
    const run2 = contractionThenEpilogue('conv2d', [x, filter], convAttrs, biasRelu, [bias]);
    expect(run2.dispatches).toBe(1);
    const expected2 = evaluateByKernels(biasRelu, [run2.raw, bias], run2.raw.shape);
    for (let k = 0; k < 3; k++) expectSameBits(`conv2d output ${k}`, await backend.read(run2.outputs[k]), await backend.read(expected2[k].id));
    [run1, run2].forEach((r) => [...r.outputs, r.raw.id].forEach((id) => backend.free(id)));
    [...expected1, ...expected2].forEach((e) => backend.free(e.id));
    [a, b, scale, x, filter, bias].forEach((t) => backend.free(t.id));
    expect(backend.memory()).toEqual(before);
  });

  it('runs the contraction and the epilogue apart when another command came between them, or an operand was freed', async () => {
    const a = write(Float32Array.from([1, 2, 3, 4]), [2, 2], 'float32');
    const b = write(Float32Array.from([0.5, -1, 2, 0.25]), [2, 2], 'float32');
    const bias = write(Float32Array.from([1, -10]), [2], 'float32');
    const info: TensorInfo = { shape: [2, 2], dtype: 'float32' };
    const program: FusedProgram = { numInputs: 2, instructions: [{ op: 'add', args: [0, 1], attrs: {}, dtype: 'float32' }, { op: 'relu', args: [2], attrs: {}, dtype: 'float32' }], outputs: [3] };
    // [[1,2],[3,4]]·[[0.5,-1],[2,0.25]] = [[4.5,-0.5],[9.5,-2]]; + [1,-10], relu.
    const expected = [5.5, 0, 10.5, 0];
    const before = backend.stats().dispatches;
    const [m1] = kernel('matMul')([a, b], { transposeA: false, transposeB: false }, [info]);
    const [other] = kernel('neg')([a], {}, [info]);
    const [y1] = backend.runFused(program, [{ id: m1, ...info }, bias], [info]);
    // matMul (recorded when neg was), neg, and the epilogue on its own.
    expect(backend.stats().dispatches - before).toBe(3);
    expect(Array.from(await backend.read(y1))).toEqual(expected);

    const a2 = write(Float32Array.from([1, 2, 3, 4]), [2, 2], 'float32');
    const [m2] = kernel('matMul')([a2, b], { transposeA: false, transposeB: false }, [info]);
    backend.free(a2.id);
    const between = backend.stats().dispatches;
    const [y2] = backend.runFused(program, [{ id: m2, ...info }, bias], [info]);
    // The matMul could not be kept for a later read of its raw result, so it ran, then the epilogue.
    expect(backend.stats().dispatches - between).toBe(2);
    expect(Array.from(await backend.read(y2))).toEqual(expected);
    [m1, other, y1, m2, y2, a.id, b.id, bias.id].forEach((id) => backend.free(id));
  });
});
