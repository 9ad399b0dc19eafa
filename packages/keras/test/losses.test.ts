import { beforeAll, describe, expect, it } from 'vitest';
import { GradientTape, setBackend, tensor, variable } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { trace } from '@tessera/tracer';
import * as L from '../src/losses/index.js';
import { expectClose, fixture } from './helpers.js';

interface Case {
  class: string;
  config: Record<string, unknown>;
  reduction: L.Reduction;
  y_true: number[];
  y_pred: number[];
  sample_weight: number[];
  label_dtype: 'float32' | 'int32';
  value: number | number[];
  weighted: number | number[];
}
const cases = fixture<{ cases: Case[] }>('losses.json').cases;
const camel = (k: string) => k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

describe('losses match Keras 3', () => {
  for (const c of cases) {
    it(`${c.class} ${JSON.stringify(c.config)} reduction=${c.reduction}`, () => {
      const options = Object.fromEntries(Object.entries(c.config).map(([k, v]) => [camel(k), v]));
      const Ctor = (L as unknown as Record<string, new (o: object) => L.Loss>)[c.class];
      const loss = new Ctor({ ...options, reduction: c.reduction });
      const yTrue = tensor(c.y_true as never, undefined, c.label_dtype);
      const yPred = tensor(c.y_pred as never);
      expectClose(loss.call(yTrue, yPred), c.value, 2e-6, 2e-5);
      expectClose(loss.call(yTrue, yPred, tensor(c.sample_weight)), c.weighted, 2e-6, 2e-5);
    });
  }
});

describe('loss behaviour', () => {
  it('names (Keras snake_case, aliases and camelCase) resolve to the same loss', () => {
    expect(L.getLoss('mse')).toBeInstanceOf(L.MeanSquaredError);
    expect(L.getLoss('meanSquaredError')).toBeInstanceOf(L.MeanSquaredError);
    expect(L.getLoss('sparse_categorical_crossentropy')).toBeInstanceOf(L.SparseCategoricalCrossentropy);
    expect(L.getLoss('kld')).toBeInstanceOf(L.KLDivergence);
    expect(() => L.getLoss('mean_squard_error')).toThrow(/unknown loss "mean_squard_error".*mean_squared_error/);
    expect(() => new L.MeanSquaredError({ reduction: 'avg' as never })).toThrow(/MeanSquaredError: unknown reduction "avg"/);
  });

  it('a wrong label shape is named', () => {
    expect(() => new L.CategoricalCrossentropy().call(tensor([0, 1]), tensor([[0.5, 0.5], [0.2, 0.8]]))).toThrow(
      /categoricalCrossentropy: yTrue and yPred must have the same shape .* got \[2\] and \[2,2\]/,
    );
  });

  it('crossentropy on logits has the softmax gradient and traces to the same value', () => {
    const logits = variable(tensor([[1, 2, 0.5]]));
    const labels = tensor([[0, 1, 0]]);
    const loss = new L.CategoricalCrossentropy({ fromLogits: true });
    const tape = new GradientTape();
    const value = tape.record(() => loss.call(labels, logits));
    const [g] = tape.gradient(value, [logits]);
    const e = [Math.exp(1), Math.exp(2), Math.exp(0.5)];
    const s = e[0] + e[1] + e[2];
    expectClose(g!, [[e[0] / s, e[1] / s - 1, e[2] / s]]);
    const traced = trace((t: typeof labels, p: typeof labels) => loss.call(t, p));
    expectClose(traced(labels, logits), value.item());
  });
});
