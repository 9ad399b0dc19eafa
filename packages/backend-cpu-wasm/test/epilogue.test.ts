// Epilogue fusion: matMul/conv2d + bias + activation in one pass must equal the three unfused ops
// bit for bit, on one thread and on two.
import type { FusedProgram, Kernel, Padding, Tensor, TensorInfo } from '@tessera/core';
import { add, conv2d, engine, leakyRelu, matMul, relu, relu6, sigmoid, sizeOf, tanh } from '@tessera/core';
import { seededRandom } from '@tessera/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WasmBackend } from '../src/index.js';
import { setThreads } from '../src/index.js';
import type { Epilogue, EpilogueActivation } from '../src/kernels/epilogue.js';
import { fusedContractionKernels } from '../src/kernels/epilogue.js';
import { contextOf, uniformTensor } from './helpers.js';

let backend: WasmBackend;
const random = seededRandom(4242);

const randomTensor = (shape: number[], scale = 1): Tensor => uniformTensor(random, shape, scale);

const input = (t: Tensor) => ({ id: t.dataId, shape: t.shape, dtype: t.dtype });

/** The unfused reference: activation(y + bias) with the public ops. */
function unfused(y: Tensor, bias: Tensor | undefined, activation: EpilogueActivation, alpha: number): Tensor {
  const z = bias === undefined ? y : add(y, bias);
  switch (activation) {
    case 'relu':
      return relu(z);
    case 'relu6':
      return relu6(z);
    case 'leakyRelu':
      return leakyRelu(z, alpha);
    case 'sigmoid':
      return sigmoid(z);
    case 'tanh':
      return tanh(z);
    case 'linear':
      return z === y ? y.clone() : z;
  }
}

/** Reads a fused result's values and frees it. */
function readFused(id: unknown, size: number): Float32Array {
  const values = backend.readSync(id as never) as Float32Array;
  backend.free(id as never);
  expect(values.length).toBe(size);
  return values;
}

const ACTIVATIONS: EpilogueActivation[] = ['linear', 'relu', 'relu6', 'leakyRelu', 'sigmoid', 'tanh'];

beforeAll(async () => {
  backend = (await engine.setBackend('wasm')) as unknown as WasmBackend;
});

afterAll(async () => {
  await setThreads(1);
});

describe('epilogue fusion', { timeout: 60_000 }, () => {
  for (const threads of [1, 2]) {
    const matMuls: [number[], number[], boolean, boolean][] = [
      [[7, 13], [13, 10], false, false],
      [[130, 70], [129, 70], false, true],
      [[2, 90, 300], [300, 45], false, false],
      [[5, 0], [0, 9], false, false],
      [[1, 300], [300, 45], false, false],
      [[3, 1, 300], [45, 300], false, true],
      [[90, 300], [300, 1], false, false],
      // Fewer rows than columns, batched and not.
      [[40, 300], [300, 500], false, false],
      [[2, 20, 300], [130, 300], false, true],
    ];
    for (const [sa, sb, ta, tb] of matMuls) {
      for (const activation of ACTIVATIONS) {
        for (const withBias of [true, false]) {
          it(`${threads} thread(s): matMul [${sa}] x [${sb}]${tb ? 'ᵀ' : ''} ${withBias ? '+ bias ' : ''}then ${activation} equals the unfused ops`, async () => {
            await setThreads(threads);
            const a = randomTensor(sa, 3);
            const b = randomTensor(sb);
            const y = matMul(a, b, ta, tb);
            const bias = withBias ? randomTensor([y.shape[y.shape.length - 1]], 2) : undefined;
            const expected = unfused(y, bias, activation, 0.15);
            const epilogue: Epilogue = { bias: bias && input(bias), activation, alpha: 0.15 };
            const [id] = fusedContractionKernels(contextOf(backend)).matMul([input(a), input(b)], { transposeA: ta, transposeB: tb, epilogue }, [
              { shape: y.shape, dtype: 'float32' },
            ]);
            expect(readFused(id, y.size)).toEqual(expected.dataSync());
            for (const t of [a, b, y, expected, ...(bias ? [bias] : [])]) t.dispose();
          });
        }
      }
    }

    const convs: { x: number[]; f: number[]; strides: number; padding: Padding; dilations: number; groups: number }[] = [
      { x: [1, 20, 20, 16], f: [3, 3, 16, 24], strides: 1, padding: 'same', dilations: 1, groups: 1 },
      { x: [2, 30, 28, 12], f: [3, 2, 4, 18], strides: 2, padding: [[1, 1], [0, 2]], dilations: 1, groups: 3 },
      { x: [2, 40, 40, 32], f: [3, 3, 1, 64], strides: 1, padding: 'same', dilations: 1, groups: 32 },
    ];
    for (const c of convs) {
      for (const activation of ['relu', 'sigmoid', 'leakyRelu'] as const) {
        it(`${threads} thread(s): conv2d x [${c.x}] filter [${c.f}] groups ${c.groups} + bias then ${activation} equals the unfused ops`, async () => {
          await setThreads(threads);
          const options = { strides: c.strides, padding: c.padding, dilations: c.dilations, groups: c.groups };
          const x = randomTensor(c.x);
          const f = randomTensor(c.f);
          const y = conv2d(x, f, options);
          const bias = randomTensor([c.f[3]]);
          const expected = unfused(y, bias, activation, 0.2);
          const [id] = fusedContractionKernels(contextOf(backend)).conv2d(
            [input(x), input(f)],
            { strides: [c.strides, c.strides], padding: c.padding, dilations: [c.dilations, c.dilations], groups: c.groups, epilogue: { bias: input(bias), activation } },
            [{ shape: y.shape, dtype: 'float32' }],
          );
          expect(readFused(id, y.size)).toEqual(expected.dataSync());
          for (const t of [x, f, y, bias, expected]) t.dispose();
        });
      }
    }
  }

  it('leaves later unfused matMuls untouched', async () => {
    await setThreads(1);
    const a = randomTensor([9, 11]);
    const b = randomTensor([11, 14]);
    const before = matMul(a, b);
    const [id] = fusedContractionKernels(contextOf(backend)).matMul([input(a), input(b)], { transposeA: false, transposeB: false, epilogue: { activation: 'relu' } }, [
      { shape: [9, 14], dtype: 'float32' },
    ]);
    backend.free(id as never);
    const after = matMul(a, b);
    expect(after.dataSync()).toEqual(before.dataSync());
    expect(Array.from(after.dataSync()).some((v) => v < 0)).toBe(true);
    for (const t of [a, b, before, after]) t.dispose();
  });

  describe('traced epilogues (the tracer\'s epilogue fusion)', () => {
    const instruction = (op: string, args: number[]) => ({ op, args, attrs: {}, dtype: 'float32' as const });
    const matMulAttrs = { transposeA: false, transposeB: false };

    /** The general path: the contraction, then the program on the backend's fused executor. */
    function generalPath(a: Tensor, b: Tensor, extra: Tensor[], program: FusedProgram, out: TensorInfo): Float32Array {
      const [result] = (backend.kernels.matMul as Kernel)([input(a), input(b)], matMulAttrs, [out]);
      const [id] = backend.runFused(program, [{ ...out, id: result }, ...extra.map(input)], [out]);
      backend.free(result);
      return readFused(id, sizeOf(out.shape));
    }

    const programs: [string, FusedProgram, number[] | undefined][] = [
      ['add(result, bias) then relu', { numInputs: 2, instructions: [instruction('add', [0, 1]), instruction('relu', [2])], outputs: [3] }, [23]],
      ['add(bias, result) then sigmoid', { numInputs: 2, instructions: [instruction('add', [1, 0]), instruction('sigmoid', [2])], outputs: [3] }, [1, 23]],
      ['add(result, bias)', { numInputs: 2, instructions: [instruction('add', [0, 1])], outputs: [2] }, [23]],
      ['tanh(result)', { numInputs: 1, instructions: [instruction('tanh', [0])], outputs: [1] }, undefined],
    ];
    for (const [name, program, biasShape] of programs) {
      it(`${name} runs in one pass and equals the contraction followed by the fused program`, () => {
        const a = randomTensor([37, 50], 2);
        const b = randomTensor([50, 23]);
        const extra = biasShape === undefined ? [] : [randomTensor(biasShape)];
        const out: TensorInfo = { shape: [37, 23], dtype: 'float32' };
        const fused = backend.runContractionWithEpilogue('matMul', [input(a), input(b), ...extra.map(input)], matMulAttrs, program, [out]);
        expect(fused).toBeDefined();
        expect(readFused(fused![0], 37 * 23)).toEqual(generalPath(a, b, extra, program, out));
        for (const t of [a, b, ...extra]) t.dispose();
      });
    }

    // A residual (a tensor of the output's shape: a second matMul's result, a skip connection) with or
    // without a bias, in either order, as an LSTM's z = x·W + h·U + b traces; one row (the vector
    // kernel) and many rows (the GEMM), one and two threads.
    const residualPrograms: [string, FusedProgram, 'residual-bias' | 'bias-residual' | 'residual'][] = [
      ['add(add(result, residual), bias)', { numInputs: 3, instructions: [instruction('add', [0, 1]), instruction('add', [3, 2])], outputs: [4] }, 'residual-bias'],
      ['add(add(result, bias), residual) then tanh', { numInputs: 3, instructions: [instruction('add', [0, 2]), instruction('add', [1, 3]), instruction('tanh', [4])], outputs: [5] }, 'bias-residual'],
      ['relu(add(residual, result))', { numInputs: 2, instructions: [instruction('add', [1, 0]), instruction('relu', [2])], outputs: [3] }, 'residual'],
    ];
    for (const [name, program, kind] of residualPrograms) {
      for (const rows of [1, 37]) {
        for (const threads of [1, 2]) {
          it(`${name}, ${rows} row(s), ${threads} thread(s), runs in one pass and equals the general path bit for bit`, async () => {
            await setThreads(threads);
            const a = randomTensor([rows, 50], 3);
            const b = randomTensor([50, 23]);
            const residual = randomTensor([rows, 23], 2);
            const bias = randomTensor([23]);
            const extra = kind === 'residual' ? [residual] : [residual, bias];
            const out: TensorInfo = { shape: [rows, 23], dtype: 'float32' };
            const fused = backend.runContractionWithEpilogue('matMul', [input(a), input(b), ...extra.map(input)], matMulAttrs, program, [out]);
            expect(fused).toBeDefined();
            expect(readFused(fused![0], rows * 23)).toEqual(generalPath(a, b, extra, program, out));
            for (const t of [a, b, residual, bias]) t.dispose();
            await setThreads(1);
          });
        }
      }
    }

    it('a residual of another shape, or two residuals, go to the general path', () => {
      const a = randomTensor([6, 5]);
      const b = randomTensor([5, 4]);
      const wrong = randomTensor([3, 4]);
      const r1 = randomTensor([6, 4]);
      const r2 = randomTensor([6, 4]);
      const out: TensorInfo = { shape: [6, 4], dtype: 'float32' };
      const run = (program: FusedProgram, extra: Tensor[]) =>
        backend.runContractionWithEpilogue('matMul', [input(a), input(b), ...extra.map(input)], matMulAttrs, program, [out]);
      expect(run({ numInputs: 2, instructions: [instruction('add', [0, 1])], outputs: [2] }, [wrong])).toBeUndefined();
      expect(run({ numInputs: 3, instructions: [instruction('add', [0, 1]), instruction('add', [3, 2])], outputs: [4] }, [r1, r2])).toBeUndefined();
      for (const t of [a, b, wrong, r1, r2]) t.dispose();
    });

    it('declines programs it cannot fold, for the caller\'s general path', () => {
      const a = randomTensor([6, 5]);
      const b = randomTensor([5, 4]);
      const columnBias = randomTensor([6, 1]);
      const rowBias = randomTensor([4]);
      const out: TensorInfo = { shape: [6, 4], dtype: 'float32' };
      const run = (program: FusedProgram, extra: Tensor[]) =>
        backend.runContractionWithEpilogue('matMul', [input(a), input(b), ...extra.map(input)], matMulAttrs, program, [out]);
      // A bias down the rows, a product, an activation before the add, two outputs.
      expect(run({ numInputs: 2, instructions: [instruction('add', [0, 1])], outputs: [2] }, [columnBias])).toBeUndefined();
      expect(run({ numInputs: 2, instructions: [instruction('mul', [0, 1])], outputs: [2] }, [rowBias])).toBeUndefined();
      expect(run({ numInputs: 2, instructions: [instruction('relu', [0]), instruction('add', [2, 1])], outputs: [3] }, [rowBias])).toBeUndefined();
      expect(run({ numInputs: 1, instructions: [instruction('relu', [0])], outputs: [1, 0] }, [])).toBeUndefined();
      for (const t of [a, b, columnBias, rowBias]) t.dispose();
    });
  });

  it('rejects a bias that does not run along the last axis, naming the op', () => {
    const a = randomTensor([4, 5]);
    const b = randomTensor([5, 6]);
    const bias = randomTensor([5]);
    expect(() =>
      fusedContractionKernels(contextOf(backend)).matMul([input(a), input(b)], { transposeA: false, transposeB: false, epilogue: { bias: input(bias) } }, [
        { shape: [4, 6], dtype: 'float32' },
      ]),
    ).toThrow('matMul: bias must have shape [6] (the output\'s last axis), got [5]');
    for (const t of [a, b, bias]) t.dispose();
  });
});
