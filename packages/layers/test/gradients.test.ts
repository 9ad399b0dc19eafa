import { beforeAll, describe, expect, it } from 'vitest';
import { GradientTape, type Tensor, type Variable, dispose, mul, setBackend, sum, tensor, tidy } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { type CallArgs, type Layer, deserializeLayer } from '../src/index.js';
import { type FixtureCase, decode, fixtures } from './helpers.js';

// Layers are trainable: tape gradients with respect to every trainable weight agree with central
// finite differences of the layer's own forward pass (float32, so a loose tolerance).

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

const CASES = [
  'dense_default',
  'prelu_shared',
  'embedding_default',
  'conv1d_causal_dilated',
  'conv2d_same_stride2',
  'conv2d_groups',
  'conv2d_transpose_same_stride2',
  'separable_conv2d_same',
  'batch_normalization_training',
  'layer_normalization_axes',
  'simple_rnn_state_masked',
  'lstm_masked',
  'gru_reset_before',
  'gru_masked',
  'bidirectional_lstm_concat',
  'time_distributed_conv2d',
  'attention_concat_causal',
  'multi_head_attention_cross',
];

function setup(c: FixtureCase): { layer: Layer; inputs: Tensor[]; args: CallArgs } {
  const layer = deserializeLayer({ class_name: c.class_name, config: c.config });
  const shapes = c.inputs!.map((i) => i.shape);
  layer.build(c.input_is_list ? shapes : shapes[0]);
  const weights = c.weights!.map(decode);
  layer.setWeights(weights);
  dispose(weights);
  const args: CallArgs = { training: c.kwargs?.training };
  if (c.kwargs?.use_causal_mask) args.useCausalMask = true;
  if (c.mask !== undefined && !Array.isArray(c.mask)) args.mask = decode(c.mask);
  return { layer, inputs: c.inputs!.map(decode), args };
}

describe('gradients through layers match finite differences', () => {
  it.each(CASES)('%s', (name) => {
    const c = fixtures.cases.find((k) => k.name === name)!;
    const { layer, inputs, args } = setup(c);
    // A fixed projection of the first output, so every output element matters differently.
    const probe = tidy(() => {
      const out = layer.apply(c.input_is_list ? inputs : inputs[0], args);
      const first = Array.isArray(out) ? out[0] : out;
      const n = first.size;
      return tensor(Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + 0.7)), first.shape);
    });
    const loss = (): Tensor =>
      tidy(() => {
        const out = layer.apply(c.input_is_list ? inputs : inputs[0], args);
        return sum(mul(Array.isArray(out) ? out[0] : out, probe));
      });
    const weights = layer.trainableWeights;
    expect(weights.length).toBeGreaterThan(0);
    const tape = new GradientTape();
    const value = tape.record(loss);
    const gradients = tape.gradient(value, weights);
    tape.dispose();
    const eps = 1e-2;
    weights.forEach((w: Variable, wi) => {
      const g = gradients[wi];
      expect(g, `${name}: gradient of ${w.name}`).not.toBeNull();
      const analytic = Array.from(g!.dataSync() as Float32Array);
      const original = Float32Array.from(w.dataSync() as Float32Array);
      // A few entries per weight keep the test quick; spread them over the tensor.
      const picks = [...new Set([0, Math.floor(original.length / 2), original.length - 1])];
      for (const i of picks) {
        const probeAt = (delta: number) => {
          const shifted = Float32Array.from(original);
          shifted[i] += delta;
          w.assign(tensor(shifted, w.shape));
          const l = loss();
          const v = l.dataSync()[0];
          l.dispose();
          return v;
        };
        const numeric = (probeAt(eps) - probeAt(-eps)) / (2 * eps);
        w.assign(tensor(original, w.shape));
        expect(Math.abs(numeric - analytic[i]), `${name}: d loss / d ${w.name}[${i}] numeric ${numeric} tape ${analytic[i]}`).toBeLessThan(
          2e-2 * (1 + Math.abs(numeric)),
        );
      }
    });
    dispose([value, gradients, inputs, probe, args.mask]);
    layer.dispose();
  });
});
