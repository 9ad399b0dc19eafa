import { beforeAll, describe, expect, it } from 'vitest';
import { type Tensor, tidy } from '@tessera/core';
import {
  type Config,
  deserializeLayer,
  getConstraint,
  getInitializer,
  getRegularizer,
  serializeConstraint,
  serializeInitializer,
  serializeRegularizer,
} from '../src/index.js';
import { describeKerasFixtures } from './fixture-suites.js';
import { TEST_BACKEND, decode, expectArrayClose, fixtures, useBackend } from './helpers.js';

// Every layer configuration in fixtures/layers.json (written by real Keras 3) rebuilt from Keras's
// own config, given Keras's weights and inputs, and compared with Keras's outputs (on the reference
// backend, or the one TESSERA_TEST_BACKEND names); configs and components against Keras's.

beforeAll(() => useBackend(TEST_BACKEND));

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

describeKerasFixtures(TEST_BACKEND);

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
  it('regularizer penalties', async () => {
    for (const [name, r] of Object.entries(fixtures.components.regularizers)) {
      const penalty = tidy(() => getRegularizer(r.serialized as never)!.call(decode(r.input)));
      const [value] = await penalty.data();
      penalty.dispose();
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
  it.each(Object.entries(fixtures.components.constraints))('constraint %s', async (_name, c) => {
    const constraint = getConstraint(c.serialized as never)!;
    expect(serializeConstraint(constraint)).toEqual(c.serialized);
    const out: Tensor = tidy(() => constraint.call(decode(c.input)));
    await expectArrayClose(out, c.output, 1e-6, `constraint ${_name}`);
    out.dispose();
  });
});
