import { describe, expect, it } from 'vitest';
import { registeredLayerNames } from '../src/index.js';
import { fixtures } from './helpers.js';

// The catalogue issue 6 asks for. Each must be registered (so configs load) and have at least two
// Keras fixture configurations.
const ISSUE_CATALOGUE = [
  'Dense', 'InputLayer', 'Dropout', 'Conv1D', 'Conv2D', 'Conv2DTranspose', 'DepthwiseConv2D', 'SeparableConv2D',
  'MaxPooling1D', 'MaxPooling2D', 'AveragePooling1D', 'AveragePooling2D', 'GlobalAveragePooling1D',
  'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D', 'Flatten', 'Reshape', 'Permute',
  'RepeatVector', 'Embedding', 'BatchNormalization', 'LayerNormalization', 'Activation', 'ReLU', 'LeakyReLU', 'ELU',
  'PReLU', 'Softmax', 'Rescaling', 'ZeroPadding2D', 'UpSampling2D', 'Cropping2D', 'Add', 'Subtract', 'Multiply',
  'Average', 'Maximum', 'Minimum', 'Concatenate', 'Dot', 'SimpleRNN', 'LSTM', 'GRU', 'Bidirectional',
  'TimeDistributed', 'MultiHeadAttention', 'Attention', 'SpatialDropout1D', 'SpatialDropout2D', 'GaussianNoise',
  'Masking',
];

describe('the catalogue', () => {
  it('registers every layer of the issue under its Keras class name, and no abstract base', () => {
    const names = registeredLayerNames();
    expect(ISSUE_CATALOGUE.filter((n) => !names.includes(n))).toEqual([]);
    expect(names).not.toContain('Layer');
    expect(names).not.toContain('RNN');
  });

  it('has at least two Keras fixture configurations for every layer', () => {
    const counts = new Map<string, number>();
    for (const c of fixtures.cases) counts.set(c.class_name, (counts.get(c.class_name) ?? 0) + 1);
    expect(ISSUE_CATALOGUE.filter((n) => (counts.get(n) ?? 0) < 2)).toEqual([]);
  });
});
