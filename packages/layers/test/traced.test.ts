// The traced half of the fixture suite: every Keras fixture through trace(), weights built inside a
// first trace, and a stateful layer's assignAdd as an ordered effect of the graph.
import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, type Variable, dispose, memory, ones, tensor } from '@tessera/core';
import { trace } from '@tessera/tracer';
import {
  BatchNormalization,
  type CallArgs,
  Conv2D,
  Dense,
  GRU,
  LSTM,
  Layer,
  type LayerInputs,
  type LayerShape,
  deserializeLayer,
} from '../src/index.js';
import { type FixtureCase, TEST_BACKEND, decode, expectArrayClose, extraCases, extraMask, fixtures, useTestBackend } from './helpers.js';

beforeAll(useTestBackend);

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional']);

describe(`traced layers on the ${TEST_BACKEND} backend match Keras`, () => {
  it.each(fixtures.cases.filter((c) => c.check === 'values').map((c) => [c.name, c] as const))('%s', (_name, c: FixtureCase) => {
    const layer = deserializeLayer({ class_name: c.class_name, config: c.config });
    const shapes = c.inputs!.map((i) => i.shape);
    layer.build(c.input_is_list ? shapes : shapes[0]);
    const weights = c.weights!.map(decode);
    layer.setWeights(weights);
    const inputs = c.inputs!.map(decode);
    const args: CallArgs = {};
    if (c.kwargs?.training !== undefined) args.training = c.kwargs.training;
    if (c.kwargs?.return_attention_scores) args.returnAttentionScores = true;
    if (c.kwargs?.use_causal_mask) args.useCausalMask = true;
    const mask = c.mask === undefined ? null : Array.isArray(c.mask) ? c.mask.map((m) => (m === null ? null : decode(m))) : decode(c.mask);
    const attentionMask = c.attention_mask === undefined ? null : decode(c.attention_mask);
    const f = trace((xs: Tensor[], m: unknown, a: unknown) =>
      layer.apply(c.input_is_list ? xs : xs[0], { ...args, mask: m as CallArgs['mask'], attentionMask: a }),
    );
    const out = f(inputs, mask, attentionMask);
    const outs = Array.isArray(out) ? out : [out];
    const tol = RECURRENT.has(c.class_name) ? 1e-4 : 1e-5;
    outs.forEach((o, i) => expectArrayClose(o, c.outputs![i], tol, `${c.name} traced output ${i}`));
    if (c.weights_after) layer.weights.forEach((w, i) => expectArrayClose(w, c.weights_after![i], tol, `${c.name} traced weight ${i}`));
    expect(f.traceCount).toBe(1);
    dispose([weights, inputs, outs, mask, attentionMask]);
    layer.dispose();
  });
});

describe(`traced extra Keras cases on the ${TEST_BACKEND} backend`, () => {
  it.each(extraCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const before = memory().numTensors;
    const layer = deserializeLayer({ class_name: c.class_name, config: c.config });
    const shapes = c.inputs.map((i) => i.shape);
    layer.build(c.is_list ? shapes : shapes[0]);
    const weights = c.weights.map((w) => tensor(w.values, w.shape));
    layer.setWeights(weights);
    const xs = c.inputs.map((i) => tensor(i.values, i.shape));
    const mask = extraMask(c);
    const f = trace((inputs: Tensor[], m: unknown) =>
      layer.apply(c.is_list ? inputs : inputs[0], { mask: m as CallArgs['mask'], useCausalMask: c.kw.use_causal_mask === true }),
    );
    const out = f(xs, mask ?? null);
    const outs = (Array.isArray(out) ? out : [out]) as Tensor[];
    expect(outs.length).toBe(c.outputs.length);
    outs.forEach((o, k) => {
      expect(o.shape).toEqual(c.outputs[k].shape);
      const got = Array.from(o.dataSync() as Float32Array);
      got.forEach((v, i) => expect(Math.abs(v - c.outputs[k].values[i]), `${c.name} traced output ${k}[${i}]`).toBeLessThan(1e-4));
    });
    expect(f.traceCount).toBe(1);
    f.dispose();
    dispose([weights, xs, outs, mask]);
    layer.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe(`layers under trace on the ${TEST_BACKEND} backend`, () => {
  it('a running sum counts every traced call (assignAdd as an ordered effect)', () => {
    class RunningSum extends Layer {
      static override className = 'TracedRunningSum';
      total: Variable | null = null;
      override build(shape: LayerShape | readonly LayerShape[]) {
        this.total = this.addWeight({ name: 'total', shape: [(shape as LayerShape)[1]!], initializer: 'zeros', trainable: false });
      }
      call(inputs: LayerInputs): Tensor {
        this.total!.assignAdd((inputs as Tensor).sum(0));
        return inputs as Tensor;
      }
    }
    const layer = new RunningSum();
    const f = trace((x: Tensor) => layer.apply(x) as Tensor);
    for (let i = 0; i < 4; i++) dispose(f(tensor([[1, 2]])));
    expect(Array.from(layer.total!.dataSync())).toEqual([4, 8]);
    expect(f.traceCount).toBe(1);
  });

  it.each([
    ['Dense', () => new Dense({ units: 3 }), [2, 4]],
    ['LSTM', () => new LSTM({ units: 3 }), [2, 5, 4]],
    ['GRU', () => new GRU({ units: 3 }), [2, 5, 4]],
    ['BatchNormalization', () => new BatchNormalization(), [2, 4]],
    ['Conv2D', () => new Conv2D({ filters: 2, kernelSize: 3 }), [1, 5, 5, 2]],
  ] as const)('%s builds its weights inside the first trace and then equals eager', (_name, make, shape) => {
    const layer = make();
    const f = trace((x: Tensor) => layer.apply(x) as Tensor);
    const x = ones([...shape]);
    const traced = Array.from(f(x).dataSync());
    const eager = Array.from((layer.apply(x) as Tensor).dataSync());
    expect(traced).toEqual(eager.map((v) => expect.closeTo(v, 5)));
  });

  it('an open batch dimension traces at most twice over four batch sizes', () => {
    const layer = new Dense({ units: 2 });
    layer.build([null, 3]);
    const f = trace((x: Tensor) => layer.apply(x) as Tensor);
    for (const b of [1, 2, 3, 4]) dispose(f(ones([b, 3])));
    expect(f.traceCount).toBeLessThanOrEqual(2);
  });
});
