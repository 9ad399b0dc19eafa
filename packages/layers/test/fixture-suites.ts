import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, dispose, memory, tensor } from '@tessera/core';
import { trace } from '@tessera/tracer';
import { type CallArgs, type Layer, type LayerShape, deserializeLayer, getAttachedMask } from '../src/index.js';
import { type FixtureCase, decode, expectArrayClose, extraCases, extraMask, fixtures, useBackend } from './helpers.js';

// The Keras fixture suites, each a function of the backend it runs on, so that one test file per
// backend runs them: the reference backend (or TESSERA_TEST_BACKEND) in keras-fixtures, keras-extra
// and traced; real backends in their own files.

const RECURRENT = new Set(['SimpleRNN', 'LSTM', 'GRU', 'Bidirectional']);

function tolerance(c: FixtureCase): number {
  return RECURRENT.has(c.class_name) ? 1e-4 : 1e-5;
}

function buildShapes(c: FixtureCase): LayerShape | LayerShape[] {
  const shapes = c.inputs!.map((i) => i.shape);
  return c.input_is_list ? shapes : shapes[0];
}

function callArgs(c: FixtureCase): CallArgs {
  const args: CallArgs = {};
  if (c.kwargs?.training !== undefined) args.training = c.kwargs.training;
  if (c.kwargs?.return_attention_scores) args.returnAttentionScores = true;
  if (c.kwargs?.use_causal_mask) args.useCausalMask = true;
  if (c.mask !== undefined) args.mask = Array.isArray(c.mask) ? c.mask.map((m) => (m === null ? null : decode(m))) : decode(c.mask);
  if (c.attention_mask !== undefined) args.attentionMask = decode(c.attention_mask);
  return args;
}

/** Keras's layer built from its config, given its weights. */
function kerasLayer(c: FixtureCase): Layer {
  const layer = deserializeLayer({ class_name: c.class_name, config: c.config });
  layer.build(buildShapes(c));
  const weights = c.weights!.map(decode);
  layer.setWeights(weights);
  dispose(weights);
  return layer;
}

const valueCases = fixtures.cases.filter((c) => c.check !== 'config_only');

/** Every layer configuration of fixtures/layers.json (real Keras 3), run eagerly and compared with Keras's outputs. */
export function describeKerasFixtures(backend: string): void {
  describe(`layers on the ${backend} backend match Keras ${fixtures.keras_version} (${fixtures.backend} backend) fixtures`, () => {
    beforeAll(() => useBackend(backend));
    it.each(valueCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
      const before = memory().numTensors;
      const layer = kerasLayer(c);
      // Keras's get_weights order, checked by the weights' own names (the last part of the path).
      expect(layer.weights.map((w) => w.name.split('/').pop())).toEqual(c.weight_names);
      expect(layer.trainableWeights.length).toBe(c.trainable_weight_count);
      const inputs = c.inputs!.map(decode);
      const args = callArgs(c);
      const result = layer.apply(c.input_is_list ? inputs : inputs[0], args);
      const outputs = Array.isArray(result) ? result : [result];
      expect(outputs.length).toBe(c.outputs!.length);
      const tol = tolerance(c);
      const keras = c.outputs!;
      if (c.check === 'values') {
        for (const [i, out] of outputs.entries()) await expectArrayClose(out, keras[i], tol, `${c.name} output ${i}`);
      } else if (c.check === 'dropout') {
        // Different generators draw different masks; what must agree is the form: each entry is 0 or x/(1-rate).
        const rate = c.config.rate as number;
        const x = await inputs[0].data();
        const y = await outputs[0].data();
        let dropped = 0;
        y.forEach((v, i) => {
          if (v === 0) dropped++;
          else expect(v).toBeCloseTo(x[i] / (1 - rate), 5);
        });
        expect(dropped).toBeGreaterThan(0.15 * y.length);
        expect(dropped).toBeLessThan(0.65 * y.length);
      } else if (c.check === 'spatial_dropout1d' || c.check === 'spatial_dropout2d') {
        const rate = c.config.rate as number;
        const x = inputs[0];
        const channels = x.shape[x.rank - 1];
        const steps = x.size / (x.shape[0] * channels);
        const xv = await x.data();
        const yv = await outputs[0].data();
        let droppedChannels = 0;
        for (let b = 0; b < x.shape[0]; b++) {
          for (let ch = 0; ch < channels; ch++) {
            const idx = (s: number) => b * steps * channels + s * channels + ch;
            const zero = yv[idx(0)] === 0;
            if (zero) droppedChannels++;
            for (let s = 0; s < steps; s++) {
              if (zero) expect(Math.abs(yv[idx(s)])).toBe(0);
              else expect(yv[idx(s)]).toBeCloseTo(xv[idx(s)] / (1 - rate), 5);
            }
          }
        }
        expect(droppedChannels).toBeGreaterThan(0);
        expect(droppedChannels).toBeLessThan(x.shape[0] * channels);
      } else if (c.check === 'gaussian_noise') {
        const y = Array.from(await outputs[0].data());
        const mean = y.reduce((a, b) => a + b, 0) / y.length;
        const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
        const stddev = c.config.stddev as number;
        expect(Math.abs(mean)).toBeLessThan(0.03);
        expect(std).toBeGreaterThan(stddev * 0.9);
        expect(std).toBeLessThan(stddev * 1.1);
      }
      // Shape inference from arguments alone (no kernels) agrees with the shapes the call produced.
      const symbolic = c.inputs!.map((i) => [null, ...i.shape.slice(1)]);
      const inferred = layer.computeOutputShape(c.input_is_list ? symbolic : symbolic[0]);
      const inferredList = Array.isArray(inferred[0]) ? (inferred as LayerShape[]) : [inferred as LayerShape];
      // (Attention scores are an extra output of the call, not part of the layer's output shape.)
      const shaped = c.kwargs?.return_attention_scores ? outputs.slice(0, 1) : outputs;
      expect(inferredList).toEqual(shaped.map((o) => [null, ...o.shape.slice(1)]));
      if (c.weights_after !== undefined) {
        for (const [i, w] of layer.weights.entries()) await expectArrayClose(w, c.weights_after![i], tol, `${c.name} weight ${i} after the call`);
      }
      if (c.output_mask !== undefined) {
        const mask = getAttachedMask(outputs[0]);
        if (c.output_mask === null) expect(mask).toBeNull();
        else await expectArrayClose(mask!, c.output_mask, 0, `${c.name} output mask`);
      }
      dispose([inputs, outputs, outputs.map(getAttachedMask)]);
      const maskArgs = args.mask;
      dispose([maskArgs, args.attentionMask]);
      layer.dispose();
      expect(memory().numTensors).toBe(before);
    });
  });
}

/** The cases of fixtures/extra.json, run eagerly. */
export function describeExtraCases(backend: string): void {
  describe(`extra Keras cases on the ${backend} backend`, () => {
    beforeAll(() => useBackend(backend));
    it.each(extraCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
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
      for (const [k, o] of outs.entries()) {
        expect(o.shape).toEqual(c.outputs[k].shape);
        const got = Array.from((await o.data()) as Float32Array);
        got.forEach((v, i) => expect(Math.abs(v - c.outputs[k].values[i]), `${c.name} output ${k}[${i}]`).toBeLessThan(1e-4));
      }
      expect(Object.keys(layer.getConfig()).sort()).toEqual(Object.keys(c.config).sort());
      dispose([weights, xs, outs, args.mask]);
      layer.dispose();
      expect(memory().numTensors).toBe(before);
    });
  });
}

/** Every fixture with values (both files) run through `trace`, compared with Keras's outputs. */
export function describeTracedFixtures(backend: string): void {
  describe(`traced layers on the ${backend} backend match Keras`, () => {
    beforeAll(() => useBackend(backend));
    it.each(fixtures.cases.filter((c) => c.check === 'values').map((c) => [c.name, c] as const))('%s', async (_name, c: FixtureCase) => {
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
      const tol = tolerance(c);
      for (const [i, o] of outs.entries()) await expectArrayClose(o, c.outputs![i], tol, `${c.name} traced output ${i}`);
      if (c.weights_after) {
        for (const [i, w] of layer.weights.entries()) await expectArrayClose(w, c.weights_after[i], tol, `${c.name} traced weight ${i}`);
      }
      expect(f.traceCount).toBe(1);
      dispose([weights, inputs, outs, mask, attentionMask]);
      layer.dispose();
    });
  });

  describe(`traced extra Keras cases on the ${backend} backend`, () => {
    beforeAll(() => useBackend(backend));
    it.each(extraCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
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
      for (const [k, o] of outs.entries()) {
        expect(o.shape).toEqual(c.outputs[k].shape);
        const got = Array.from((await o.data()) as Float32Array);
        got.forEach((v, i) => expect(Math.abs(v - c.outputs[k].values[i]), `${c.name} traced output ${k}[${i}]`).toBeLessThan(1e-4));
      }
      expect(f.traceCount).toBe(1);
      f.dispose();
      dispose([weights, xs, outs, mask]);
      layer.dispose();
      expect(memory().numTensors).toBe(before);
    });
  });
}
