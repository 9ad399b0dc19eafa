import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { Tensor } from '@tessera/core';
import { DTypeError, ShapeError, memory, setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { Dense } from '@tessera/layers';
import { Input, Model, Sequential, TerminateOnNaN } from '../src/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

const ones = (n: number, d: number) => tensor(Array.from({ length: n * d }, () => 1), [n, d]);

function mlp(name: string): Sequential {
  const m = new Sequential({ name, layers: [new Dense({ units: 2, inputShape: [4], name: `${name}_dense` } as never)] });
  m.compile({ optimizer: 'sgd', loss: 'mse' });
  return m;
}

/** Runs `fn` (expected to fail) and checks no tensor or byte was left behind. */
async function leaksNothing(fn: () => unknown): Promise<void> {
  const before = memory();
  try {
    await fn();
  } catch {
    // the error itself is asserted by the caller
  }
  expect(memory().numTensors).toBe(before.numTensors);
  expect(memory().numBytes).toBe(before.numBytes);
}

async function stillWorks(model: Model): Promise<void> {
  const out = model.predict(ones(3, 4), { verbose: 0 }) as Tensor;
  expect(out.shape).toEqual([3, 2]);
  out.dispose();
}

describe('bad input: clear errors naming the model, the input, expected and given; the model stays usable', () => {
  it('wrong input shape to predict, fit and evaluate', async () => {
    const model = mlp('shape_model');
    const bad = ones(5, 3);
    const y = ones(5, 2);
    expect(() => model.predict(bad, { verbose: 0 })).toThrow(ShapeError);
    expect(() => model.predict(bad, { verbose: 0 })).toThrow("shape_model.predict: input 'shape_model_dense' expects shape [null,4], got [5,3]");
    await expect(model.fit(bad, y, { verbose: 0 })).rejects.toThrow("shape_model.fit: input 'shape_model_dense' expects shape [null,4], got [5,3]");
    await expect(model.evaluate(bad, y, { verbose: 0 })).rejects.toThrow("shape_model.evaluate: input 'shape_model_dense' expects shape [null,4], got [5,3]");
    await leaksNothing(() => model.predict(bad, { verbose: 0 }));
    await leaksNothing(() => model.fit([[1, 2, 3]], [[1, 2]], { verbose: 0 }));
    await stillWorks(model);
  });

  it('functional models name the input that is wrong', () => {
    const a = Input({ shape: [4], name: 'left' });
    const b = Input({ shape: [2], name: 'right' });
    const out = new Dense({ units: 1 } as never).apply(b);
    const model = new Model({ name: 'two_in', inputs: [a, b], outputs: out });
    expect(() => model.predict([ones(2, 4), ones(2, 3)], { verbose: 0 })).toThrow("two_in.predict: input 'right' expects shape [null,2], got [2,3]");
    expect(() => model.predict([ones(2, 4)], { verbose: 0 })).toThrow('two_in.predict: x must be 2 tensors (one per model input), got 1');
    expect((model.predict([ones(2, 4), ones(2, 2)], { verbose: 0 }) as Tensor).shape).toEqual([2, 1]);
  });

  it('wrong dtype', async () => {
    const model = mlp('dtype_model');
    const flags = tensor([[true, false, true, false]]);
    expect(() => model.predict(flags, { verbose: 0 })).toThrow(DTypeError);
    expect(() => model.predict(flags, { verbose: 0 })).toThrow("dtype_model.predict: input 'dtype_model_dense' expects dtype float32, got bool");
    // int32 data is converted, as Keras converts integer arrays.
    expect((model.predict(tensor([[1, 2, 3, 4]], [1, 4], 'int32'), { verbose: 0 }) as Tensor).shape).toEqual([1, 2]);
    await leaksNothing(() => model.predict(flags, { verbose: 0 }));
    await stillWorks(model);
  });

  it('x and y of different lengths', async () => {
    const model = mlp('length_model');
    await expect(model.fit(ones(10, 4), ones(8, 2), { verbose: 0 })).rejects.toThrow('length_model.fit: x and y must have the same number of samples, got 10 and 8');
    await expect(model.evaluate(ones(10, 4), ones(8, 2), { verbose: 0 })).rejects.toThrow('length_model.evaluate: x and y must have the same number of samples, got 10 and 8');
    await expect(model.fit(ones(4, 4), ones(4, 2), { verbose: 0, sampleWeight: [1, 2] })).rejects.toThrow(
      'length_model.fit: x and sampleWeight must have the same number of samples, got 4 and 2',
    );
    const [x10, y8] = [ones(10, 4), ones(8, 2)];
    await leaksNothing(() => model.fit(x10, y8, { verbose: 0 }));
    await stillWorks(model);
  });

  it('unknown loss, metric and optimizer names fail at compile and leave the previous compile in place', async () => {
    const model = mlp('names_model');
    expect(() => model.compile({ optimizer: 'adamm', loss: 'mse' })).toThrow('optimizer: unknown optimizer "adamm"');
    expect(() => model.compile({ optimizer: 'adam', loss: 'mean_sqared_error' })).toThrow('loss: unknown loss "mean_sqared_error"');
    expect(() => model.compile({ optimizer: 'adam', loss: 'mse', metrics: ['acuracy'] })).toThrow('metric: unknown metric "acuracy"');
    expect(() => model.compile({ optimizer: 'adam', loss: { nope: 'mse' } })).toThrow("names_model.compile: loss names an unknown output 'nope'; the outputs are names_model_dense");
    const history = await model.fit(ones(4, 4), ones(4, 2), { verbose: 0 });
    expect(history.history.loss).toHaveLength(1);
    expect(model.optimizer!.className).toBe('SGD');
  });

  it('a loss that turns NaN: TerminateOnNaN stops training; without it the history shows NaN', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const y = tensor([[NaN, 0], [0, 0], [0, 0], [0, 0]]);
    const model = mlp('nan_model');
    const stop = new TerminateOnNaN();
    const stopped = await model.fit(ones(4, 4), y, { epochs: 5, batchSize: 2, shuffle: false, verbose: 0, callbacks: [stop] });
    expect(stop.terminatedAtBatch).toBe(0);
    expect(stopped.epoch).toEqual([0]);
    expect(Number.isNaN(stopped.history.loss[0])).toBe(true);
    expect(String(log.mock.calls[0][0])).toMatch(/Batch 0: Invalid loss, terminating training/);
    const free = mlp('nan_free');
    const all = await free.fit(ones(4, 4), y, { epochs: 3, batchSize: 2, shuffle: false, verbose: 0 });
    expect(all.history.loss).toHaveLength(3);
    expect(all.history.loss.every(Number.isNaN)).toBe(true);
  });

  it('fit, evaluate and trainOnBatch on a model never compiled', async () => {
    const model = new Sequential({ name: 'raw', layers: [new Dense({ units: 2, inputShape: [4] } as never)] });
    await expect(model.fit(ones(2, 4), ones(2, 2))).rejects.toThrow('raw.fit: the model must be compiled first; call model.compile({ optimizer, loss })');
    await expect(model.evaluate(ones(2, 4), ones(2, 2))).rejects.toThrow('raw.evaluate: the model must be compiled first');
    await expect(model.trainOnBatch(ones(2, 4), ones(2, 2))).rejects.toThrow('raw.trainOnBatch: the model must be compiled first');
    await stillWorks(model);
  });

  it("an unbuilt model's summary()", () => {
    const model = new Sequential({ name: 'unbuilt', layers: [new Dense({ units: 2 } as never)] });
    expect(() => model.summary({ print: () => {} })).toThrow('unbuilt.summary: the model has not been built yet');
    model.predict(ones(1, 3), { verbose: 0 });
    const text = model.summary({ print: () => {} });
    expect(text).toContain('(None, 2)');
  });

  it('bad fit arguments', async () => {
    const model = mlp('args_model');
    await expect(model.fit(ones(4, 4), ones(4, 2), { epochs: 0, verbose: 0 })).rejects.toThrow('args_model.fit: epochs must be a positive integer, got 0');
    await expect(model.fit(ones(4, 4), ones(4, 2), { batchSize: 2.5, verbose: 0 })).rejects.toThrow('args_model.fit: batchSize must be a positive integer, got 2.5');
    await expect(model.fit(ones(4, 4), ones(4, 2), { validationSplit: 1, verbose: 0 })).rejects.toThrow('args_model.fit: validationSplit must be in [0, 1), got 1');
    await expect(model.fit(ones(4, 4), tensor([[0], [1], [2], [1]]), { classWeight: { 0: 1, 1: 2 }, verbose: 0 })).rejects.toThrow(
      'args_model.fit: classWeight has no weight for class 2 (given: 0, 1)',
    );
  });
});
