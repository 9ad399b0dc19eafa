import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, DataId, Executable, FusedProgram, Graph, GraphInterpreter, KernelInput, Tensor, TensorInfo } from '@tessera/core';
import { Variable, engine, getPrimitive, memory, randomNormal, randomUniform, registerBackend, setBackend, setSeed, tensor, variable } from '@tessera/core';
import { ReferenceBackend, registerReferenceBackend } from '@tessera/core/testing';
import { GraphExecutor, lastUseSchedule, trace } from '../src/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

/** The reference backend, watched: the most storage buffers alive at once while kernels ran. */
function watchedBackend(): { backend: Backend; peakBuffers: () => number; reset: () => void } {
  const inner = new ReferenceBackend();
  let peak = 0;
  const kernels = Object.fromEntries(
    Object.entries(inner.kernels).map(([name, kernel]) => [
      name,
      typeof kernel === 'function'
        ? (...args: Parameters<typeof kernel>) => {
            const out = (kernel as (...a: unknown[]) => DataId[])(...args);
            peak = Math.max(peak, inner.memory().numDataBuffers);
            return out;
          }
        : kernel,
    ]),
  ) as Backend['kernels'];
  const backend: Backend = {
    name: 'watched',
    kernels,
    write: (v, s, d) => inner.write(v, s, d),
    share: (id) => inner.share(id),
    read: (id) => inner.read(id),
    readSync: (id) => inner.readSync(id),
    free: (id) => inner.free(id),
    memory: () => inner.memory(),
  };
  return { backend, peakBuffers: () => peak, reset: () => (peak = 0) };
}

/** `x → neg → exp → neg → …` ten times, recorded by hand. */
function chainGraph(length: number): Graph {
  const values = new Map<number, { id: number; shape: number[]; dtype: 'float32' }>();
  values.set(0, { id: 0, shape: [4], dtype: 'float32' });
  const nodes = [];
  for (let i = 1; i <= length; i++) {
    values.set(i, { id: i, shape: [4], dtype: 'float32' });
    nodes.push({ id: i, op: i % 2 ? 'neg' : 'abs', kind: 'elementwise' as const, inputs: [i - 1], outputs: [i], attrs: {} });
  }
  return { values, nodes, inputs: [0], outputs: [length] };
}

describe('the generic executor', () => {
  it('frees each intermediate buffer after its last use', () => {
    const { backend, peakBuffers } = watchedBackend();
    const graph = chainGraph(10);
    expect(lastUseSchedule(graph).get(3)).toEqual([3]);
    expect([...lastUseSchedule(graph).values()].flat()).not.toContain(10);
    const executor = new GraphExecutor(graph, backend);
    const input = backend.write(new Float32Array([1, -2, 3, -4]), [4], 'float32');
    const [out] = executor.run([{ id: input, shape: [4], dtype: 'float32' }]);
    expect([...backend.readSync(out.id)]).toEqual([1, 2, 3, 4]);
    // The input, the value being read and the one being written: never the whole chain.
    expect(peakBuffers()).toBe(3);
    backend.free(out.id);
    backend.free(input);
    expect(backend.memory()).toEqual({ numBytes: 0, numDataBuffers: 0 });
  });

  it('runs fused regions instruction by instruction, broadcasting inputs to the region and handing out several outputs', () => {
    const backend = new ReferenceBackend();
    const graph: Graph = {
      values: new Map([
        [0, { id: 0, shape: [2, 3], dtype: 'float32' }],
        [1, { id: 1, shape: [3], dtype: 'float32' }],
        [2, { id: 2, shape: [2, 3], dtype: 'float32' }],
        [3, { id: 3, shape: [2, 3], dtype: 'float32' }],
        [4, { id: 4, shape: [2, 3], dtype: 'float32' }],
      ]),
      nodes: [
        {
          id: 0,
          op: 'fused',
          kind: 'region',
          inputs: [0, 1],
          outputs: [2, 3, 4],
          attrs: {},
          program: {
            numInputs: 2,
            instructions: [
              { op: 'mul', args: [0, 1], attrs: {}, dtype: 'float32' },
              { op: 'exp', args: [1], attrs: {}, dtype: 'float32' },
              { op: 'add', args: [2, 2], attrs: {}, dtype: 'float32' },
            ],
            // r4 is exp of the [3]-shaped input: broadcast to the region's [2,3]; r1 is an input passed through.
            outputs: [4, 3, 1],
          },
        },
      ],
      inputs: [0, 1],
      outputs: [2, 3, 4],
    };
    const executor = new GraphExecutor(graph, backend);
    const x = backend.write(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], 'float32');
    const y = backend.write(new Float32Array([0, 1, 2]), [3], 'float32');
    const outs = executor.run([
      { id: x, shape: [2, 3], dtype: 'float32' },
      { id: y, shape: [3], dtype: 'float32' },
    ]);
    expect(outs.map((o) => o.shape)).toEqual([[2, 3], [2, 3], [2, 3]]);
    expect([...backend.readSync(outs[0].id)]).toEqual([0, 4, 12, 0, 10, 24]);
    const e = [1, Math.E, Math.E ** 2].map(Math.fround);
    [...backend.readSync(outs[1].id)].forEach((v, i) => expect(v).toBeCloseTo(e[i % 3], 5));
    expect([...backend.readSync(outs[2].id)]).toEqual([0, 1, 2, 0, 1, 2]);
    outs.forEach((o) => backend.free(o.id));
    backend.free(x);
    backend.free(y);
    expect(backend.memory().numDataBuffers).toBe(0);
  });

  it('resolves symbolic dimensions from the actual inputs on every call', () => {
    const f = trace((x: Tensor) => x.reshape([-1]).mul(2).reshape([-1, 2]).sum(1), { inputSignature: [{ shape: [null, 2] }] });
    expect(f(tensor([[1, 2]])).arraySync()).toEqual([6]);
    expect(f(tensor([[1, 2], [3, 4], [5, 6]])).arraySync()).toEqual([6, 14, 22]);
    const out = f(tensor([[1, 1], [1, 1]]));
    expect(out.shape).toEqual([2]);
    expect(f.concreteFunctions[0].graph.values.get(f.concreteFunctions[0].graph.outputs[0])!.shape).toEqual([null]);
  });

  it('leaks nothing over 10,000 warm calls (constants, variables, fusion, an epilogue)', () => {
    const w = variable(tensor([[0.5, -1], [2, 0.25]]));
    const bias = tensor([0.1, -0.1]);
    const f = trace((x: Tensor) => {
      const h = x.matMul(w).add(bias).relu();
      return { y: h.mul(h).sum(), z: h.exp().neg() };
    });
    const x = tensor([[1, 2], [3, 4]]);
    const warm = f(x) as { y: Tensor; z: Tensor };
    const expected = warm.y.item();
    warm.y.dispose();
    warm.z.dispose();
    const before = memory();
    for (let i = 0; i < 10_000; i++) {
      const out = f(x) as { y: Tensor; z: Tensor };
      if (i === 9_999) expect(out.y.item()).toBeCloseTo(expected, 4);
      out.y.dispose();
      out.z.dispose();
    }
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    expect(after.backends.reference.numDataBuffers).toBe(before.backends.reference.numDataBuffers);
    expect(f.traceCount).toBe(1);
  });

  it('runs reductions with a fused prologue, also over symbolic dimensions', () => {
    const f = trace((x: Tensor) => x.sub(1).square().sum(1), { optimize: { reductionFusion: true }, inputSignature: [{ shape: [null, 2] }] });
    expect(f(tensor([[1, 2], [3, 5]])).arraySync()).toEqual([1, 20]);
    expect(f(tensor([[0, 0]])).arraySync()).toEqual([2]);
    const nodes = f.concreteFunctions[0].graph.nodes;
    expect(nodes.some((n) => n.op === 'sum' && n.attrs.prologue !== undefined)).toBe(true);
    expect(f.traceCount).toBe(1);
  });

  it('refuses a disposed argument, naming it', () => {
    const f = trace(function double(x: Tensor, y: Tensor) {
      return x.add(y);
    });
    const [x, y] = [tensor([1]), tensor([2])];
    expect(f(x, y).arraySync()).toEqual([3]);
    y.dispose();
    expect(() => f(x, y)).toThrow(/double: args\[1\] \(tensor \d+, shape \[1\]\) was disposed/);
  });

  it('a failing run frees what it allocated', () => {
    const v = variable(tensor([2, 2, 2]), { name: 'scale' });
    const f = trace((x: Tensor) => x.exp().sum().mul(v), { optimize: false });
    const x = tensor([0, 0, 0]);
    expect(f(x).arraySync()).toEqual([6, 6, 6]);
    v.dispose();
    const before = memory();
    expect(() => f(x)).toThrow("readVariable: variable 'scale' was disposed");
    expect(memory().numBytes).toBe(before.numBytes);
    expect(memory().numTensors).toBe(before.numTensors);
  });
});

/** Rounds a formula's double result to a dtype, as kernels do. */
function roundTo(dtype: string, v: number): number {
  return dtype === 'float32' ? Math.fround(v) : dtype === 'int32' ? v | 0 : v !== 0 ? 1 : 0;
}

describe('backend.runFused', () => {
  it('runs fused regions in one pass when the backend has it (an element-at-a-time interpreter over the ops\' formulas)', async () => {
    let calls = 0;
    registerBackend('fusing', () => {
      const reference = new ReferenceBackend();
      return Object.assign(Object.create(reference) as ReferenceBackend, {
        name: 'fusing',
        runFused(program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
          calls++;
          const shape = outputs[0].shape;
          const size = shape.reduce((p, d) => p * d, 1);
          const values = inputs.map((i) => reference.readSync(i.id));
          const results = outputs.map(() => new Float32Array(size));
          const registers = new Array<number>(program.numInputs + program.instructions.length);
          for (let e = 0; e < size; e++) {
            // Row-major index of element e, mapped into each (broadcast) input.
            inputs.forEach((input, k) => {
              let offset = 0;
              let rest = e;
              let stride = 1;
              for (let d = shape.length - 1; d >= 0; d--) {
                const coordinate = rest % shape[d];
                rest = Math.floor(rest / shape[d]);
                const inputDim = input.shape[d - (shape.length - input.shape.length)];
                if (inputDim !== undefined) {
                  offset += (inputDim === 1 ? 0 : coordinate) * stride;
                  stride *= inputDim;
                }
              }
              registers[k] = values[k][offset];
            });
            program.instructions.forEach((instruction, i) => {
              const argDType = instruction.args.length > 0 && instruction.args[0] < program.numInputs ? inputs[instruction.args[0]].dtype : instruction.dtype;
              const formula = getPrimitive(instruction.op)!.formula!;
              const f = formula[argDType] ?? formula.float32!;
              registers[program.numInputs + i] = roundTo(instruction.dtype, f(...instruction.args.map((r) => registers[r])));
            });
            program.outputs.forEach((r, o) => (results[o][e] = registers[r]));
          }
          return results.map((r, o) => reference.write(r, outputs[o].shape, outputs[o].dtype));
        },
      });
    }, -300);
    const gelu = (x: Tensor) => x.mul(0.5).mul(x.mul(x.mul(x).mul(0.044715).add(x).mul(0.7978845608).tanh().add(1)).div(x));
    await setBackend('reference');
    const expected = (gelu(tensor([[-2, -0.5, 0.5], [1, 2, 3]])).dataSync());
    await setBackend('fusing');
    try {
      const f = trace(gelu);
      const out = f(tensor([[-2, -0.5, 0.5], [1, 2, 3]]));
      out.dataSync().forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
      expect(calls).toBe(1);
      expect(f.concreteFunctions[0].graph.nodes.map((n) => n.op)).toContain('fused');
    } finally {
      await setBackend('reference');
      engine.removeBackend('fusing');
    }
  });
});

describe('backend.compile', () => {
  it('is used instead of the executor, with variables lowered to inputs and outputs', async () => {
    const compiled: Graph[] = [];
    const prepared: (readonly number[])[][] = [];
    const runs: string[] = [];
    registerBackend('compiling', () => {
      const reference = new ReferenceBackend();
      return Object.assign(Object.create(reference) as ReferenceBackend, {
        name: 'compiling',
        compile(graph: Graph, interpret: GraphInterpreter): Executable {
          compiled.push(graph);
          // A real executable over the lowered graph: what a backend with its own codegen would run.
          const executor = new GraphExecutor(graph, this as unknown as Backend);
          return {
            run: (inputs: readonly KernelInput[]) => {
              runs.push('own');
              return executor.run(inputs).map((o) => o.id);
            },
            prepare: async (inputs: readonly KernelInput[]) => {
              prepared.push(inputs.map((i) => i.shape));
              // The interpreter the tracer hands over runs the same lowered graph.
              const ids = interpret(inputs);
              runs.push('interpreted');
              for (const id of ids) reference.free(id);
            },
            dispose: () => executor.dispose(),
          };
        },
      });
    }, -200);
    await setBackend('compiling');
    try {
      const v = variable(tensor([1, 2]));
      const f = trace((x: Tensor) => {
        v.assignAdd(x);
        return v.mul(10);
      });
      const concrete = await f.warmup(tensor([1, 1]));
      // Preparing runs nothing the user can see: the variable is as it was.
      expect(v.arraySync()).toEqual([1, 2]);
      expect(prepared).toEqual([[[2], [2]]]);
      expect(runs).toEqual(['interpreted']);
      expect(f(tensor([1, 1])).arraySync()).toEqual([20, 30]);
      expect(f(tensor([1, 1])).arraySync()).toEqual([30, 40]);
      expect(runs).toEqual(['interpreted', 'own', 'own']);
      expect(f.concreteFunctions).toEqual([concrete]);
      expect(v.arraySync()).toEqual([3, 4]);
      expect(compiled).toHaveLength(1);
      const ops = compiled[0].nodes.map((n) => n.op);
      expect(ops).not.toContain('readVariable');
      expect(ops).not.toContain('assignVariable');
      expect(compiled[0].inputs).toHaveLength(2);
      expect(compiled[0].outputs).toHaveLength(2);
      expect(v).toBeInstanceOf(Variable);
    } finally {
      await setBackend('reference');
      engine.removeBackend('compiling');
    }
  });
});

describe('warmup on a backend that compiles graphs', () => {
  it('leaves the numbers an unseeded random op draws as they would be without it (eager order after setSeed)', async () => {
    registerBackend('interpreting', () => {
      const reference = new ReferenceBackend();
      return Object.assign(Object.create(reference) as ReferenceBackend, {
        name: 'interpreting',
        // Runs and prepares through the interpreter it is given, as the WebGPU backend does.
        compile: (_graph: Graph, interpret: GraphInterpreter): Executable => ({
          run: (inputs: readonly KernelInput[]) => interpret(inputs),
          prepare: async (inputs: readonly KernelInput[]) => {
            for (const id of interpret(inputs)) reference.free(id);
          },
          dispose: () => {},
        }),
      });
    }, -200);
    await setBackend('interpreting');
    try {
      const noisy = (x: Tensor) => x.add(randomUniform([3])).mul(randomNormal([3]));
      setSeed(11);
      const eager = [0, 1, 2].map(() => Array.from(noisy(tensor([1, 2, 3])).dataSync()));
      setSeed(11);
      const f = trace(noisy);
      await f.warmup(tensor([1, 2, 3]));
      const traced = [0, 1, 2].map(() => Array.from(f(tensor([1, 2, 3])).dataSync()));
      traced.forEach((values, call) => values.forEach((v, i) => expect(v, `call ${call}[${i}]`).toBeCloseTo(eager[call][i], 5)));
      expect(f.traceCount).toBe(1);
    } finally {
      await setBackend('reference');
      engine.removeBackend('interpreting');
    }
  });
});

describe('random ops in traced functions', () => {
  it('unseeded ops draw new numbers on every call, the same numbers as eager calls after setSeed', () => {
    const noisy = (x: Tensor) => x.add(randomUniform([3])).add(randomNormal([3]));
    setSeed(5);
    const eager = [0, 1, 2].map(() => noisy(tensor([0, 0, 0])).dataSync());
    setSeed(5);
    const f = trace(noisy);
    const traced = [0, 1, 2].map(() => f(tensor([0, 0, 0])).dataSync());
    traced.forEach((values, call) => values.forEach((v, i) => expect(v).toBeCloseTo(eager[call][i], 5)));
    expect(traced[0][0]).not.toBe(traced[1][0]);
    expect(f.traceCount).toBe(1);
  });

  it('seeded ops give the same numbers on every call', () => {
    const f = trace((x: Tensor) => x.add(randomUniform([2], { seed: 9 })));
    const [a, b] = [f(tensor([0, 0])).arraySync(), f(tensor([0, 0])).arraySync()];
    expect(a).toEqual(b);
    expect(a).toEqual(randomUniform([2], { seed: 9 }).arraySync());
  });
});
