import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, dispose, memory, tensor } from '@tessera/core';
import { type CallArgs, deserializeLayer } from '../src/index.js';
import { TEST_BACKEND, extraCases as cases, extraMask, useTestBackend } from './helpers.js';

// Cases from fixtures/generate_extra.py (real Keras 3): paths the main fixtures do not reach.

beforeAll(useTestBackend);

describe(`extra Keras cases on the ${TEST_BACKEND} backend`, () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const before = memory().numTensors;
    const layer = deserializeLayer({ class_name: c.class_name, config: c.config });
    const shapes = c.inputs.map((i) => i.shape);
    layer.build(c.is_list ? shapes : shapes[0]);
    const weights = c.weights.map((w) => tensor(w.values, w.shape));
    layer.setWeights(weights);
    const xs = c.inputs.map((i) => tensor(i.values, i.shape));
    const args: CallArgs = {};
    const mask = extraMask(c);
    if (mask !== undefined) args.mask = mask;
    if (c.kw.use_causal_mask) args.useCausalMask = true;
    const out = layer.apply(c.is_list ? xs : xs[0], args);
    const outs = (Array.isArray(out) ? out : [out]) as Tensor[];
    expect(outs.length).toBe(c.outputs.length);
    outs.forEach((o, k) => {
      expect(o.shape).toEqual(c.outputs[k].shape);
      const got = Array.from(o.dataSync() as Float32Array);
      got.forEach((v, i) => expect(Math.abs(v - c.outputs[k].values[i]), `${c.name} output ${k}[${i}]`).toBeLessThan(1e-4));
    });
    expect(Object.keys(layer.getConfig()).sort()).toEqual(Object.keys(c.config).sort());
    dispose([weights, xs, outs, args.mask]);
    layer.dispose();
    expect(memory().numTensors).toBe(before);
  });
});
