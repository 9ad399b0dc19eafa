import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/core';
import { memory, setBackend, tensor, variable } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { trace } from '@tessera/tracer';
import {
  CosineDecay,
  ExponentialDecay,
  PiecewiseConstantDecay,
  SGD,
  getOptimizer,
  Adam,
  AdamW,
  RMSprop,
  Adagrad,
  Adadelta,
  Adamax,
  Nadam,
} from '../src/index.js';
import type { LearningRateSchedule, Optimizer } from '../src/index.js';
import { expectClose, fixture } from './helpers.js';

interface Fixture {
  w0: number[][];
  b0: number[];
  grads: [number[][], number[]][];
  cases: { optimizer: string; config: Record<string, unknown>; trajectory: [number[][], number[]][]; learning_rate: number | null }[];
}
const data = fixture<Fixture>('optimizers.json');

const camel = (k: string) => k.replace(/_(\d|[a-z])/g, (_, c: string) => c.toUpperCase());
function schedule(spec: { class: string; config: Record<string, number | boolean | number[]> }): LearningRateSchedule {
  const c = Object.fromEntries(Object.entries(spec.config).map(([k, v]) => [camel(k), v])) as Record<string, never>;
  if (spec.class === 'ExponentialDecay') return new ExponentialDecay(c as never);
  if (spec.class === 'CosineDecay') return new CosineDecay(c as never);
  return new PiecewiseConstantDecay(c.boundaries, c.values);
}
const classes: Record<string, new (o: Record<string, unknown>) => Optimizer> = { SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam };
function make(name: string, config: Record<string, unknown>): Optimizer {
  const options: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) {
    options[k === 'beta_1' ? 'beta1' : k === 'beta_2' ? 'beta2' : camel(k)] =
      k === 'learning_rate' && typeof v === 'object' ? schedule(v as never) : v;
  }
  return new classes[name](options);
}

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('optimizers match Keras 3 trajectories', () => {
  for (const c of data.cases) {
    const label = `${c.optimizer} ${JSON.stringify(c.config)}`;
    it(`${label} (eager)`, () => {
      const opt = make(c.optimizer, c.config);
      const w = variable(tensor(data.w0));
      const b = variable(tensor(data.b0));
      data.grads.forEach(([gw, gb], i) => {
        opt.applyGradients([[tensor(gw), w], [tensor(gb), b]]);
        expectClose(w, c.trajectory[i][0], 1e-6, 1e-5);
        expectClose(b, c.trajectory[i][1], 1e-6, 1e-5);
      });
      expect(opt.iterations.item()).toBe(data.grads.length);
      if (c.learning_rate !== null) expect(opt.getConfig().learning_rate).toBe(c.learning_rate);
    });
    it(`${label} (traced, slots built before tracing, one graph)`, () => {
      const opt = make(c.optimizer, c.config);
      const w = variable(tensor(data.w0));
      const b = variable(tensor(data.b0));
      opt.build([w, b]);
      const step = trace((gw: Tensor, gb: Tensor) => {
        opt.applyGradients([[gw, w], [gb, b]]);
        return gw.sum();
      });
      data.grads.forEach(([gw, gb], i) => {
        step(tensor(gw), tensor(gb)).dispose();
        expectClose(w, c.trajectory[i][0], 1e-6, 1e-5);
        expectClose(b, c.trajectory[i][1], 1e-6, 1e-5);
      });
      expect(step.traceCount).toBe(1);
    });
  }
});

describe('optimizer behaviour', () => {
  it('names resolve to optimizers with Keras defaults; unknown names are refused with the list', () => {
    expect(getOptimizer('adam')).toBeInstanceOf(Adam);
    expect((getOptimizer('Adam') as Adam).epsilon).toBe(1e-7);
    expect(getOptimizer('sgd').learningRate).toBeCloseTo(0.01, 7);
    expect((getOptimizer('adagrad') as Adagrad).initialAccumulatorValue).toBe(0.1);
    expect(getOptimizer('adamw').weightDecay).toBe(0.004);
    expect(() => getOptimizer('adum')).toThrow(/unknown optimizer "adum".*adam/);
  });

  it('setting the learning rate is seen by a traced step without retracing', () => {
    const opt = new SGD({ learningRate: 0.1 });
    const w = variable(tensor([1, 1]));
    opt.build([w]);
    const step = trace((g: Tensor) => {
      opt.applyGradients([[g, w]]);
      return g.sum();
    });
    step(tensor([1, 2])).dispose();
    expectClose(w, [0.9, 0.8]);
    opt.learningRate = 0.5;
    step(tensor([1, 2])).dispose();
    expectClose(w, [0.4, -0.2]);
    expect(step.traceCount).toBe(1);
  });

  it('rejects conflicting clipping, bad shapes and setting a number on a schedule', () => {
    expect(() => new SGD({ clipnorm: 1, clipvalue: 1 })).toThrow(/only one of clipnorm, clipvalue and globalClipnorm/);
    const w = variable(tensor([1, 1]));
    const opt = new SGD();
    expect(() => opt.applyGradients([[tensor([1, 2, 3]), w]])).toThrow(/gradient for .* must have the variable's shape \[2\], got \[3\]/);
    expect(w.arraySync()).toEqual([1, 1]);
    const scheduled = new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 1, decayRate: 0.5 }) });
    expect(() => {
      scheduled.learningRate = 0.3;
    }).toThrow(/ExponentialDecay schedule/);
    expect(scheduled.learningRate).toBeCloseTo(0.1, 7);
  });

  it('a null gradient leaves its variable alone; eager updates leak nothing', () => {
    const opt = new Adam();
    const w = variable(tensor([1, 2]));
    const v = variable(tensor([3]));
    opt.applyGradients([[tensor([0.5, 0.5]), w], [null, v]]);
    expect(v.arraySync()).toEqual([3]);
    const g = tensor([0.1, 0.2]);
    const before = memory();
    for (let i = 0; i < 20; i++) opt.applyGradients([[g, w]]);
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});
