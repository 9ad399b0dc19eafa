import { describe, expect, it } from 'vitest';
import { getBackend } from '@tessera/core';
import { describeExtraCases, describeKerasFixtures, describeTracedFixtures } from './fixture-suites.js';
import { useBackend } from './helpers.js';

// The same Keras golden fixtures on WebGPU, eagerly and traced. In Node the device is Dawn on
// Chromium's SwiftShader (vitest.config.ts sets its environment before the worker starts) or a real
// GPU. Without an adapter the first test fails with the backend's message saying what to install,
// and every suite fails in its setup: nothing is skipped silently.

describe('WebGPU in this process', () => {
  it('has a device (a GPU, or Chromium\'s SwiftShader: `apt-get install chromium`)', async () => {
    await useBackend('webgpu');
    expect(getBackend()).toBe('webgpu');
  });
});

describeKerasFixtures('webgpu');
describeExtraCases('webgpu');
describeTracedFixtures('webgpu');
