import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor } from '@tessera/core';
import { setBackend, tensor } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { trace } from '@tessera/tracer';
import * as M from '../src/metrics/index.js';
import { expectClose, fixture } from './helpers.js';

interface Case {
  class: string;
  config: Record<string, unknown>;
  y_true: number[];
  y_pred: number[];
  label_dtype: 'float32' | 'int32';
  sample_weight: number[];
  after_first_half: number;
  after_all: number;
  weighted: number;
}
interface MeanCase {
  class: 'Mean';
  values: number[];
  after_first: number;
  after_weighted: number;
}
const cases = fixture<{ cases: (Case | MeanCase)[] }>('metrics.json').cases;
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('metrics match Keras 3', () => {
  for (const c of cases) {
    if (c.class === 'Mean') {
      const m = c as MeanCase;
      it('Mean with and without weights', () => {
        const mean = new M.Mean();
        mean.updateState(tensor(m.values.slice(0, 2)));
        expectClose(mean.result(), m.after_first, 1e-6);
        mean.updateState(tensor(m.values.slice(2)), undefined, tensor([1, 2, 0.5]));
        expectClose(mean.result(), m.after_weighted, 1e-6);
      });
      continue;
    }
    const k = c as Case;
    it(`${k.class} ${JSON.stringify(k.config)}: two batches, reset, weighted`, () => {
      const options = Object.fromEntries(Object.entries(k.config).map(([key, v]) => [camel(key), v]));
      const Ctor = (M as unknown as Record<string, new (o: object) => M.Metric>)[k.class];
      const metric = new Ctor(options);
      const n = k.y_true.length;
      const yTrue = tensor(k.y_true as never, undefined, k.label_dtype);
      const yPred = tensor(k.y_pred as never);
      const half = (t: Tensor, second: boolean) => t.slice([second ? n / 2 : 0, ...t.shape.slice(1).map(() => 0)], [n / 2, ...t.shape.slice(1)]);
      metric.updateState(half(yTrue, false), half(yPred, false));
      expectClose(metric.result(), k.after_first_half, 1e-5);
      metric.updateState(half(yTrue, true), half(yPred, true));
      expectClose(metric.result(), k.after_all, 1e-5);
      metric.resetState();
      expectClose(metric.result(), 0);
      metric.updateState(yTrue, yPred, tensor(k.sample_weight));
      expectClose(metric.result(), k.weighted, 1e-5);
    });
  }
});

describe('metric behaviour', () => {
  it('updateState traces into a graph and accumulates across calls without retracing', () => {
    const metric = new M.SparseCategoricalAccuracy();
    const step = trace((t: Tensor, p: Tensor) => {
      metric.updateState(t, p);
      return metric.result();
    });
    expectClose(step(tensor([0, 1], [2], 'int32'), tensor([[0.9, 0.1], [0.8, 0.2]])), 0.5);
    expectClose(step(tensor([0, 1], [2], 'int32'), tensor([[0.9, 0.1], [0.1, 0.9]])), 0.75);
    expect(step.traceCount).toBe(1);
  });

  it('unknown names are refused with the list of known ones', () => {
    expect(M.getMetric('auc')).toBeInstanceOf(M.AUC);
    expect(M.getMetric('sparseCategoricalAccuracy')).toBeInstanceOf(M.SparseCategoricalAccuracy);
    expect(() => M.getMetric('acuracy')).toThrow(/unknown metric "acuracy".*accuracy/);
  });
});
