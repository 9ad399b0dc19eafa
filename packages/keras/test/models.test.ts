import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tensor, Variable } from '@tessera/core';
import { GradientTape, TraceError, dispose, memory, setBackend, stack, tensor, tidy } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import type { CallArgs, LayerInputs, LayerShape } from '@tessera/layers';
import { Concatenate, Dense, Layer } from '@tessera/layers';
import { config } from '@tessera/tracer';
import { readFileSync } from 'node:fs';
import { Input, KerasTensor, Mean, Model, SGD, Sequential, modelFromJSON } from '../src/index.js';
import type { StepData } from '../src/index.js';
import { expectClose, fixture } from './helpers.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});
afterEach(() => {
  config.runFunctionsEagerly(false);
  vi.restoreAllMocks();
});

const range = (n: number, cols: number) => tensor(Array.from({ length: n * cols }, (_, i) => ((i * 7) % 11) / 10 - 0.5), [n, cols]);

/** Dense with fixed weights so expected outputs are computable by hand. */
function fixedDense(units: number, inputDim: number, name?: string, activation?: string): Dense {
  const d = new Dense({ units, name, activation, kernelInitializer: 'ones', biasInitializer: 'zeros' } as never);
  d.build([null, inputDim]);
  d.setWeights([tensor(Array.from({ length: inputDim * units }, (_, i) => (i % 3) - 1), [inputDim, units]), tensor(Array.from({ length: units }, (_, i) => i / 10))]);
  return d;
}

function denseRef(x: number[][], d: Dense): number[][] {
  const [k, b] = d.getWeights().map((w) => w.arraySync() as number[][] | number[]);
  return x.map((row) => (b as number[]).map((bj, j) => row.reduce((s, v, i) => s + v * (k as number[][])[i][j], bj)));
}

class PredictLogger extends Sequential {
  logs = 0;
  override predictStep(x: Tensor | Tensor[]): Tensor | Tensor[] {
    this.logs++; // a JavaScript side effect: runs once per trace, or per batch when eager
    return super.predictStep(x);
  }
}

describe('predict', () => {
  it('traces predictStep once per signature and reuses it for every batch (≤ 2 traces), outputs concatenated, never compiled', () => {
    const model = new PredictLogger({ layers: [fixedDense(3, 4)] });
    const x = range(100, 4);
    const out = model.predict(x, { batchSize: 32, verbose: 0 }) as Tensor;
    expect(out.shape).toEqual([100, 3]);
    expectClose(out, denseRef(x.arraySync() as number[][], model.layers[0] as Dense));
    expect(model.predictFunction.traceCount).toBeLessThanOrEqual(2);
    expect(model.logs).toBe(model.predictFunction.traceCount);
    expect(model.predictFunction.traceCount).toBe(2); // batches of 32 and the last one of 4
    const again = model.predict(range(1000, 4), { batchSize: 32, verbose: 0 }) as Tensor;
    expect(again.shape).toEqual([1000, 3]);
    expect(model.predictFunction.traceCount).toBe(3); // only the new last-batch shape (8) traced
    model.predict(range(100, 4), { batchSize: 32, verbose: 0 });
    expect(model.predictFunction.traceCount).toBe(3);
    expect(model.logs).toBe(model.predictFunction.traceCount);
  });

  it('runEagerly in compile, or config.runFunctionsEagerly(true), runs predictStep per batch', () => {
    const model = new PredictLogger({ layers: [fixedDense(3, 4)] });
    model.compile({ optimizer: 'sgd', loss: 'mse', runEagerly: true });
    expect(model.stepsRunEagerly()).toBe(true);
    model.predict(range(100, 4), { batchSize: 32, verbose: 0 });
    expect(model.logs).toBe(4);
    // Recompiling without runEagerly goes back to a traced step (Keras 3 re-reads the switch at compile).
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    model.logs = 0;
    model.predict(range(64, 4), { batchSize: 32, verbose: 0 });
    expect(model.logs).toBe(1);
    // The global switch takes effect at once, for already traced functions too.
    config.runFunctionsEagerly(true);
    expect(model.stepsRunEagerly()).toBe(true);
    model.logs = 0;
    model.predict(range(64, 4), { batchSize: 32, verbose: 0 });
    expect(model.logs).toBe(2);
    config.runFunctionsEagerly(false);
    model.logs = 0;
    model.predict(range(64, 4), { batchSize: 32, verbose: 0 });
    expect(model.logs).toBe(0);
  });

  it('setting model.runEagerly takes effect at the next compile, as in Keras 3 (the step functions are cached until then)', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new PredictLogger({ layers: [fixedDense(3, 4)] });
    model.compile({ optimizer: 'sgd', loss: 'mse', runEagerly: true, jitCompile: true });
    expect(String(warn.mock.calls[0][0])).toMatch(/runEagerly is true, so jitCompile is turned off/);
    expect(model.jitCompile).toBe(false);
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    model.predict(range(64, 4), { batchSize: 32, verbose: 0 });
    expect(model.logs).toBe(1);
    model.runEagerly = true;
    model.predict(range(64, 4), { batchSize: 32, verbose: 0 });
    expect(model.logs).toBe(1);
    model.compile({ optimizer: 'sgd', loss: 'mse', runEagerly: model.runEagerly });
    model.predict(range(64, 4), { batchSize: 32, verbose: 0 });
    expect(model.logs).toBe(3);
  });

  it('functional model with two inputs, two outputs and a shared layer, never compiled', () => {
    const a = Input({ shape: [4], name: 'pa' });
    const b = Input({ shape: [4], name: 'pb' });
    const shared = fixedDense(2, 4, 'shared_dense');
    const merged = new Concatenate({ name: 'merge' } as never).apply([shared.apply(a), shared.apply(b)] as never);
    const head = fixedDense(1, 4, 'head');
    const model = new Model({ inputs: [a, b], outputs: [head.apply(merged as never), merged] as never });
    expect(model.layers.map((l) => l.name)).toEqual(['pa', 'pb', 'shared_dense', 'merge', 'head']);
    expect(model.weights).toHaveLength(4); // the shared layer's weights once
    const xa = range(5, 4);
    const xb = range(5, 4).mul(-1);
    const [y1, y2] = model.predict([xa, xb], { verbose: 0 }) as Tensor[];
    const sa = denseRef(xa.arraySync() as number[][], shared);
    const sb = denseRef(xb.arraySync() as number[][], shared);
    const cat = sa.map((r, i) => [...r, ...sb[i]]);
    expectClose(y2, cat);
    expectClose(y1, denseRef(cat, head));
    // predictOnBatch and a direct call give the same values.
    expectClose((model.predictOnBatch([xa, xb]) as Tensor[])[0], denseRef(cat, head));
    expectClose((model.apply([xa, xb]) as Tensor[])[0], denseRef(cat, head));
  });

  it('subclassed model with a custom layer, never compiled; apply and call directly', () => {
    class Scale extends Layer {
      static override className = 'Scale';
      factor!: Variable;
      override build(shape: LayerShape) {
        this.factor = this.addWeight({ name: 'factor', shape: [shape[shape.length - 1]!], initializer: 'ones' });
      }
      call(x: LayerInputs) {
        return (x as Tensor).mul(this.factor).add(1);
      }
    }
    class MyModel extends Model {
      dense = fixedDense(2, 3, 'my_dense');
      scale = new Scale();
      override call(x: LayerInputs, _args: CallArgs) {
        return this.scale.apply(this.dense.apply(x));
      }
    }
    const model = new MyModel();
    const x = range(7, 3);
    const expected = denseRef(x.arraySync() as number[][], model.dense).map((r) => r.map((v) => v + 1));
    expectClose(model.predict(x, { batchSize: 4, verbose: 0 }) as Tensor, expected);
    expectClose(model.apply(x) as Tensor, expected);
    expectClose(model.call(x, {}) as Tensor, expected);
    expect(model.weights.map((w) => w.name)).toEqual(['my_dense/kernel', 'my_dense/bias', `${model.scale.name}/factor`]);
  });

  it('a stateful layer with a non-trainable weight and assignAdd counts every sample through a traced predict', () => {
    class Counter extends Layer {
      static override className = 'Counter';
      seen!: Variable;
      override build() {
        this.seen = this.addWeight({ name: 'seen', shape: [], initializer: 'zeros', trainable: false });
      }
      call(x: LayerInputs) {
        const t = x as Tensor;
        this.seen.assignAdd(t.slice([0, 0], [-1, 1]).square().greaterEqual(0).cast('float32').sum());
        return t;
      }
    }
    // Built up front from an input shape: shape inference runs no kernels, so nothing is counted yet.
    const early = new Counter();
    const built = new Sequential({ layers: [Input({ shape: [3] }) as never, fixedDense(2, 3), early] });
    expect(built.built).toBe(true);
    expect(early.seen.item()).toBe(0);
    const counter = new Counter();
    const model = new Sequential({ layers: [fixedDense(2, 3), counter] });
    model.predict(range(70, 3), { batchSize: 32, verbose: 0 });
    expect(counter.seen.item()).toBe(70);
    expect(model.nonTrainableWeights).toEqual([counter.seen]);
    expect(model.predictFunction.traceCount).toBe(2);
  });

  it('a predictStep that loops over the batch dimension retraces per batch size and warns, naming the function', () => {
    class Looping extends Sequential {
      override predictStep(x: Tensor | Tensor[]): Tensor {
        const t = x as Tensor;
        const rows: Tensor[] = [];
        for (let i = 0; i < t.shape[0]; i++) rows.push(t.slice([i, 0], [1, -1]).mul(2));
        return rows.length === 1 ? rows[0] : stack(rows.map((r) => r.reshape([-1])));
      }
    }
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const model = new Looping({ layers: [fixedDense(2, 3)], name: 'looping' });
    for (let n = 2; n <= 8; n++) expectClose(model.predictOnBatch(range(n, 3)) as Tensor, (range(n, 3).arraySync() as number[][]).map((r) => r.map((v) => 2 * v)));
    expect(model.predictFunction.traceCount).toBe(7);
    expect(warn).toHaveBeenCalled();
    expect(String(warn.mock.calls[0][0])).toMatch(/looping\.predictStep/);
  });

  it('a predictStep that reads tensor values for a non-Tessera function gets a clear TraceError; the model stays usable', () => {
    class Reader extends Sequential {
      useJs = true;
      override predictStep(x: Tensor | Tensor[]): Tensor {
        const t = super.predictStep(x) as Tensor;
        if (this.useJs) return tensor([Math.max(...(t.dataSync() as Float32Array))]);
        return t.max();
      }
    }
    const model = new Reader({ layers: [fixedDense(2, 3)] });
    expect(() => model.predict(range(4, 3), { verbose: 0 })).toThrow(TraceError);
    expect(() => model.predict(range(4, 3), { verbose: 0 })).toThrow(/runFunctionsEagerly|cond/);
    config.runFunctionsEagerly(true);
    expect((model.predict(range(4, 3), { verbose: 0 }) as Tensor).shape).toEqual([1]);
    config.runFunctionsEagerly(false);
    model.useJs = false;
    model.compile({ optimizer: 'sgd', loss: 'mse' });
    expect((model.predictOnBatch(range(4, 3)) as Tensor).rank).toBe(0);
  });
});

describe('training', () => {
  it('a custom trainStep with GradientTape and applyGradients is one traced graph and matches the same step run eagerly', async () => {
    class Custom extends Sequential {
      override trainStep([x, y]: StepData): Record<string, Tensor> {
        const tape = new GradientTape();
        const loss = tape.record(() => (this.apply(x, { training: true }) as Tensor).sub(y as Tensor).square().mean());
        const weights = this.trainableWeights;
        const grads = tape.gradient(loss, weights);
        this.optimizer!.applyGradients(weights.map((w, i) => [grads[i], w] as const));
        return { loss };
      }
    }
    const make = (runEagerly: boolean) => {
      const m = new Custom({ layers: [fixedDense(2, 3)] });
      m.compile({ optimizer: new SGD({ learningRate: 0.1 }), loss: 'mse', runEagerly });
      return m;
    };
    const traced = make(false);
    const eager = make(true);
    const x = range(16, 3);
    const y = range(16, 2);
    const h1 = await traced.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const h2 = await eager.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    expectClose(h1.history.loss, h2.history.loss, 1e-6);
    expect(h1.history.loss[2]).toBeLessThan(h1.history.loss[0]);
    expect(traced.trainFunction.traceCount).toBe(1);
    const graph = traced.trainFunction.concreteFunctions![0].graph;
    expect(graph.nodes.filter((n) => n.op === 'assignVariable').length).toBeGreaterThanOrEqual(3); // kernel, bias, iterations
    expectClose(traced.getWeights()[0], eager.getWeights()[0].arraySync(), 1e-6);
  });

  it('a Sequential without an input shape and a subclassed model build inside the first traced step and train like eager runs', async () => {
    class Sub extends Model {
      first = new Dense({ units: 3, activation: 'tanh', kernelInitializer: 'ones', biasInitializer: 'zeros' } as never);
      second = new Dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' } as never);
      override call(x: LayerInputs) {
        return this.second.apply(this.first.apply(x));
      }
    }
    const makers = [
      () => new Sequential({ layers: [new Dense({ units: 3, activation: 'tanh', kernelInitializer: 'ones', biasInitializer: 'zeros' } as never), new Dense({ units: 1, kernelInitializer: 'ones', biasInitializer: 'zeros' } as never)] }),
      () => new Sub(),
    ];
    const x = range(12, 2).mul(0.5);
    const y = range(12, 1);
    for (const make of makers) {
      const [traced, eager] = [make(), make()];
      traced.compile({ optimizer: 'adam', loss: 'mse' });
      eager.compile({ optimizer: 'adam', loss: 'mse', runEagerly: true });
      expect(traced.built && traced.weights.length > 0).toBe(false);
      const h1 = await traced.fit(x, y, { epochs: 4, batchSize: 4, shuffle: false, verbose: 0 });
      const h2 = await eager.fit(x, y, { epochs: 4, batchSize: 4, shuffle: false, verbose: 0 });
      expect(traced.weights).toHaveLength(4);
      expectClose(h1.history.loss, h2.history.loss, 1e-6);
      expect(h1.history.loss[3]).toBeLessThan(h1.history.loss[0]);
      expect(traced.trainFunction.traceCount).toBe(1);
    }
  });

  it('functional multi-output fit reports per-output losses, applies lossWeights, and validationSplit adds val_ logs', async () => {
    const input = Input({ shape: [3], name: 'features' });
    const hidden = new Dense({ units: 4, activation: 'tanh', name: 'hidden', kernelInitializer: 'glorot_uniform' } as never).apply(input);
    const reg = new Dense({ units: 1, name: 'reg' } as never).apply(hidden);
    const cls = new Dense({ units: 2, activation: 'softmax', name: 'cls' } as never).apply(hidden);
    const model = new Model({ inputs: input, outputs: [reg, cls] as never });
    model.compile({ optimizer: 'adam', loss: ['mse', 'sparse_categorical_crossentropy'], lossWeights: [0.5, 2], metrics: { cls: ['accuracy'] } });
    const x = range(20, 3);
    const yReg = range(20, 1);
    const yCls = tensor(Array.from({ length: 20 }, (_, i) => i % 2), [20], 'int32');
    const history = await model.fit(x, [yReg, yCls], { epochs: 2, batchSize: 5, validationSplit: 0.2, verbose: 0 });
    expect(Object.keys(history.history).sort()).toEqual(['cls_accuracy', 'cls_loss', 'loss', 'reg_loss', 'val_cls_accuracy', 'val_cls_loss', 'val_loss', 'val_reg_loss']);
    const logs = await model.evaluate(x, [yReg, yCls], { verbose: 0, returnDict: true });
    expect(logs.loss).toBeCloseTo(0.5 * logs.reg_loss + 2 * logs.cls_loss, 5);
  });

  it('sampleWeight and classWeight weight the loss as in Keras (sum over batch size)', async () => {
    const model = new Sequential({ layers: [fixedDense(1, 2)] });
    model.compile({ optimizer: new SGD({ learningRate: 0 }), loss: 'mse' });
    const x = tensor([[1, 0], [0, 1], [1, 1], [0, 0]]);
    const y = tensor([[0], [1], [0], [1]]);
    const pred = (model.predict(x, { verbose: 0 }) as Tensor).arraySync() as number[][];
    const se = pred.map((p, i) => (p[0] - [0, 1, 0, 1][i]) ** 2);
    const weighted = await model.evaluate(x, y, { sampleWeight: tensor([1, 0, 2, 0]), verbose: 0 });
    expect(weighted).toBeCloseTo((se[0] + 2 * se[2]) / 4, 5);
    const loss = await model.trainOnBatch(x, y, { classWeight: { 0: 3, 1: 0 } });
    expect(loss).toBeCloseTo((3 * se[0] + 3 * se[2]) / 4, 5);
    const test = await model.testOnBatch(x, y, { returnDict: true });
    expect(test.loss).toBeCloseTo(se.reduce((a, b) => a + b) / 4, 5);
  });

  it('sampleWeight in fit scales the gradient (weight 2 equals twice the learning rate with SGD); verbose 2 prints one line per epoch', async () => {
    const write = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const make = (lr: number) => {
      const m = new Sequential({ layers: [fixedDense(1, 2)] });
      m.compile({ optimizer: new SGD({ learningRate: lr }), loss: 'mse' });
      return m;
    };
    const x = range(4, 2);
    const y = range(4, 1);
    const weighted = make(0.05);
    const doubled = make(0.1);
    await weighted.fit(x, y, { epochs: 1, batchSize: 4, sampleWeight: tensor([2, 2, 2, 2]), verbose: 2 });
    await doubled.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expectClose(weighted.getWeights()[0], doubled.getWeights()[0].arraySync(), 1e-6);
    const printed = write.mock.calls.map((c) => String(c[0]));
    write.mockRestore();
    expect(printed[0]).toBe('Epoch 1/1\n');
    expect(printed[1]).toMatch(/^1\/1 ━{20} .* - loss: \d+\.\d{4}\n$/);
    expect(printed).toHaveLength(2);
  });

  it('initialEpoch starts counting there; shuffle uses the given random source', async () => {
    const model = new Sequential({ layers: [fixedDense(1, 2)] });
    model.compile({ optimizer: 'sgd', loss: 'mae' });
    let calls = 0;
    const history = await model.fit(range(8, 2), range(8, 1), { epochs: 5, initialEpoch: 3, batchSize: 4, verbose: 0, random: () => (calls++ % 10) / 10 });
    expect(history.epoch).toEqual([3, 4]);
    expect(calls).toBe(14); // 7 swaps per epoch for 8 samples
  });
});

describe('weights and configs', () => {
  it('takes its layers as the first argument (Keras) or as the layers option (TensorFlow.js), with the same result', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const positional = new Sequential([fixedDense(3, 2), fixedDense(1, 3)], { name: 'positional' });
    const named = new Sequential({ layers: [fixedDense(3, 2), fixedDense(1, 3)], name: 'named' });
    expect(positional.name).toBe('positional');
    expect(positional.layers.length).toBe(2);
    expect((positional.predict(x, { verbose: 0 }) as Tensor).arraySync()).toEqual((named.predict(x, { verbose: 0 }) as Tensor).arraySync());
  });

  it('getWeights/setWeights round-trip and a model rebuilt from Keras JSON predicts like Keras', () => {
    const data = fixture<Record<'sequential' | 'functional', { json: string; weights: unknown[]; x: unknown; y: unknown }>>('models.json');
    const seq = modelFromJSON(data.sequential.json);
    expect(seq).toBeInstanceOf(Sequential);
    expect(seq.name).toBe('mlp');
    seq.setWeights(data.sequential.weights.map((w) => tensor(w as never)));
    expectClose(seq.predict(tensor(data.sequential.x as never), { verbose: 0 }), data.sequential.y, 1e-5);
    const seqAgain = modelFromJSON(seq.toJSON());
    expect(JSON.parse(seq.toJSON()).config.build_input_shape).toEqual([null, 6]);
    seqAgain.setWeights(seq.getWeights());
    expectClose(seqAgain.predict(tensor(data.sequential.x as never), { verbose: 0 }), data.sequential.y, 1e-5);
    const func = modelFromJSON(data.functional.json);
    expect(func.layers.map((l) => l.name)).toEqual(['a', 'b', 'shared', 'pb', 'cat', 'out1', 'out2']);
    func.setWeights(data.functional.weights.map((w) => tensor(w as never)));
    const [xa, xb] = data.functional.x as never[];
    const out = func.predict([tensor(xa), tensor(xb)], { verbose: 0 }) as Tensor[];
    expectClose(out[0], (data.functional.y as unknown[])[0], 1e-5);
    expectClose(out[1], (data.functional.y as unknown[])[1], 1e-5);
    // Our own JSON reads back into the same structure and values.
    const again = modelFromJSON(func.toJSON());
    again.setWeights(func.getWeights());
    expectClose((again.predict([tensor(xa), tensor(xb)], { verbose: 0 }) as Tensor[])[1], (data.functional.y as unknown[])[1], 1e-5);
    const parsed = JSON.parse(func.toJSON());
    expect(parsed.class_name).toBe('Functional');
    expect(parsed.config.input_layers).toEqual([['a', 0, 0], ['b', 0, 0]]);
    expect(parsed.config.layers[4].inbound_nodes[0].args[0].map((r: { config: { keras_history: unknown } }) => r.config.keras_history)).toEqual([['shared', 0, 0], ['pb', 0, 0]]);
  });

  it('summary() prints the Keras 3 table for Sequential and functional models (76 columns, as Keras in an 80-column terminal)', () => {
    const text = readFileSync(new URL('../fixtures/summary.txt', import.meta.url), 'utf8');
    const [seqText, funcText] = text.split(/(?=Model: "func")/).map((t) => t.trimEnd());
    const seq = new Sequential({ name: 'mlp', layers: [Input({ shape: [6] }) as never, new Dense({ units: 8, activation: 'relu', name: 'dense' } as never), new Dense({ units: 3, name: 'dense_1' } as never)] });
    const printed: string[] = [];
    expect(seq.summary({ lineLength: 76, print: (l) => printed.push(l) })).toBe(seqText);
    expect(printed.join('\n')).toBe(seqText);
    const a = Input({ shape: [4], name: 'a' });
    const b = Input({ shape: [2], name: 'b' });
    const shared = new Dense({ units: 3, name: 'shared' } as never);
    const x = new Concatenate({ name: 'cat' } as never).apply([shared.apply(a), new Dense({ units: 3, name: 'pb' } as never).apply(b)] as KerasTensor[]);
    const func = new Model({ name: 'func', inputs: [a, b], outputs: [new Dense({ units: 1, name: 'out1' } as never).apply(x), new Dense({ units: 2, name: 'out2' } as never).apply(x)] as KerasTensor[] });
    expect(func.summary({ lineLength: 76, print: () => {} })).toBe(funcText);
  });
});

describe('memory', () => {
  it('10,000 predict calls and 10,000 fit steps leave tensor count and bytes flat', async () => {
    const model = new Sequential({ layers: [fixedDense(4, 3), fixedDense(2, 4)] });
    model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae'] });
    const x = range(2, 3);
    const y = range(2, 2);
    (model.predict(x, { verbose: 0 }) as Tensor).dispose();
    (model.predictOnBatch(x) as Tensor).dispose();
    await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    const before = memory();
    for (let i = 0; i < 10_000; i++) (model.predict(x, { verbose: 0 }) as Tensor).dispose();
    for (let i = 0; i < 1_000; i++) (model.predictOnBatch(x) as Tensor).dispose();
    await model.fit(x, y, { epochs: 10_000, batchSize: 2, verbose: 0, shuffle: false });
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  }, 120_000);
});

describe('dispose', () => {
  it('a metric leaves nothing behind once disposed, and resetState allocates nothing lasting', () => {
    const before = memory().numTensors;
    const mean = new Mean({ name: 'loss' });
    expect(memory().numTensors).toBe(before + 2); // total and count
    tidy(() => mean.updateState(tensor([1, 2, 3])));
    mean.resetState();
    expect(memory().numTensors).toBe(before + 2);
    mean.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('a compiled, trained model frees its weights, metrics and the optimizer it made from a name', async () => {
    const before = memory().numTensors;
    const model = new Sequential([new Dense({ units: 4, inputShape: [3] } as never), new Dense({ units: 2 })]);
    model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['mae', 'accuracy'] });
    const x = range(4, 3);
    const y = range(4, 2);
    await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0 });
    // Compiling again frees the first compile's metrics and optimizer.
    model.compile({ optimizer: 'sgd', loss: 'mse', metrics: ['mae'] });
    await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0 });
    model.dispose();
    x.dispose();
    y.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('leaves an Optimizer object passed to compile to its owner', async () => {
    const optimizer = new SGD({ learningRate: 0.1, momentum: 0.9 });
    const model = new Sequential([fixedDense(2, 3)]);
    model.compile({ optimizer, loss: 'mse' });
    const x = range(2, 3);
    const y = range(2, 2);
    await model.fit(x, y, { epochs: 1, verbose: 0 });
    // iterations, the learning rate, and a momentum slot for the kernel and for the bias.
    expect(optimizer.variables.map((v) => v.name.split('/').pop())).toEqual(['iterations', 'learning_rate', expect.stringMatching(/momentum$/), expect.stringMatching(/momentum$/)]);
    model.dispose();
    expect(optimizer.variables.map((v) => v.isDisposed)).toEqual([false, false, false, false]);
    optimizer.dispose();
    dispose([x, y]);
  });
});
