import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, dispose, memory, tidy } from '@tessera/core';
import {
  type CallArgs,
  type Config,
  type Layer,
  type LayerShape,
  deserializeLayer,
  getAttachedMask,
  getConstraint,
  getInitializer,
  getRegularizer,
  serializeConstraint,
  serializeInitializer,
  serializeRegularizer,
} from '../src/index.js';
import { type FixtureCase, TEST_BACKEND, decode, expectArrayClose, fixtures, useTestBackend } from './helpers.js';

// Every layer configuration in fixtures/layers.json (written by real Keras 3) rebuilt from Keras's
// own config, given Keras's weights and inputs, and compared with Keras's outputs.

beforeAll(useTestBackend);

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

/** Key sets of a config, recursing into nested layer configs (Bidirectional, TimeDistributed). */
function keyTree(config: Config): unknown {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(config).sort()) {
    const value = config[key] as Config | undefined;
    const nested = value !== null && typeof value === 'object' && !Array.isArray(value) && 'class_name' in value && 'config' in value;
    out[key] = nested && (key === 'layer' || key === 'backward_layer') ? keyTree(value.config as Config) : true;
  }
  return out;
}

const valueCases = fixtures.cases.filter((c) => c.check !== 'config_only');

describe(`layers on the ${TEST_BACKEND} backend match Keras ${fixtures.keras_version} (${fixtures.backend} backend) fixtures`, () => {
  it.each(valueCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
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
      outputs.forEach((out, i) => expectArrayClose(out, keras[i], tol, `${c.name} output ${i}`));
    } else if (c.check === 'dropout') {
      // Different generators draw different masks; what must agree is the form: each entry is 0 or x/(1-rate).
      const rate = c.config.rate as number;
      const x = inputs[0].dataSync();
      const y = outputs[0].dataSync();
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
      const xv = x.dataSync();
      const yv = outputs[0].dataSync();
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
      const y = Array.from(outputs[0].dataSync());
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
      layer.weights.forEach((w, i) => expectArrayClose(w, c.weights_after![i], tol, `${c.name} weight ${i} after the call`));
    }
    if (c.output_mask !== undefined) {
      const mask = getAttachedMask(outputs[0]);
      if (c.output_mask === null) expect(mask).toBeNull();
      else expectArrayClose(mask!, c.output_mask, 0, `${c.name} output mask`);
    }
    dispose([inputs, outputs, outputs.map(getAttachedMask)]);
    const maskArgs = args.mask;
    dispose([maskArgs, args.attentionMask]);
    layer.dispose();
    expect(memory().numTensors).toBe(before);
  });
});

describe('configs round-trip with Keras keys', () => {
  it.each(fixtures.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const layer = deserializeLayer({ class_name: c.class_name, config: c.config });
    const config = layer.getConfig();
    expect(keyTree(config)).toEqual(keyTree(c.config));
    const again = deserializeLayer({ class_name: c.class_name, config: JSON.parse(JSON.stringify(config)) });
    expect(again.getConfig()).toEqual(config);
    expect(again.className).toBe(c.class_name);
  });

  it('writes the values of Keras arguments as Keras does', () => {
    const byName = new Map(fixtures.cases.map((c) => [c.name, c]));
    for (const name of ['dense_default', 'conv2d_same_stride2', 'lstm_sequences_state', 'gru_reset_before', 'batch_normalization_training', 'multi_head_attention_cross']) {
      const c = byName.get(name)!;
      const ours = deserializeLayer({ class_name: c.class_name, config: c.config }).getConfig();
      expect(ours).toEqual(c.config);
    }
  });
});

describe('components match Keras', () => {
  it('regularizer penalties', () => {
    for (const [name, r] of Object.entries(fixtures.components.regularizers)) {
      const value = tidy(() => {
        const reg = getRegularizer(r.serialized as never)!;
        return reg.call(decode(r.input)).dataSync()[0];
      });
      expect(value, name).toBeCloseTo(r.output, 5);
    }
  });
});

describe('components serialize like Keras', () => {
  it.each(Object.entries(fixtures.components.initializers))('initializer %s', (_name, serialized) => {
    expect(serializeInitializer(getInitializer(serialized as never))).toEqual(serialized);
  });
  it.each(Object.entries(fixtures.components.regularizers))('regularizer %s', (_name, r) => {
    expect(serializeRegularizer(getRegularizer(r.serialized as never))).toEqual(r.serialized);
  });
  it.each(Object.entries(fixtures.components.constraints))('constraint %s', (_name, c) => {
    const constraint = getConstraint(c.serialized as never)!;
    expect(serializeConstraint(constraint)).toEqual(c.serialized);
    const out: Tensor = tidy(() => constraint.call(decode(c.input)));
    expectArrayClose(out, c.output, 1e-6, `constraint ${_name}`);
    out.dispose();
  });
});
