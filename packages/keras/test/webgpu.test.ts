// Keras 3's golden fit numbers on WebGPU (Dawn on Chromium's SwiftShader in CI, or a real GPU):
// the traced steps are compiled by the backend, captured on their first call and replayed, so
// this is the capture-and-replay path under real training (optimizer slots, variables rewritten
// every step, metrics). Without an adapter the suite fails in its setup, naming what to install.
import '@tessera/backend-webgpu';
import type { Tensor } from '@tessera/core';
import { setBackend, tensor } from '@tessera/core';
import { Dense } from '@tessera/layers';
import { beforeAll, expect, it } from 'vitest';
import { Sequential } from '../src/index.js';
import { describeFitGolden } from './fit-golden-suite.js';
import { flat } from './helpers.js';
import { fitRecordingWarmups } from './prepare-steps.js';

describeFitGolden('webgpu', () => 'webgpu');

beforeAll(async () => {
  await setBackend('webgpu');
});


it("fit prepares the train and test steps ahead of each batch size's first call (WebGPU compiles graphs)", async () => {
  const { warmups, losses } = await fitRecordingWarmups();
  expect(warmups).toEqual(['train:4', 'train:2', 'test:4', 'test:2']);
  expect(losses).toHaveLength(2);
  losses.forEach((loss) => expect(Number.isFinite(loss)).toBe(true));
});

it('predictFunction.warmup prepares predict ahead of its first call, which then gives the eager values', async () => {
  const model = new Sequential({ layers: [new Dense({ units: 3, activation: 'tanh', inputShape: [2] })] });
  const x = tensor([[1, -2], [0.5, 3]]);
  const eager = flat(await (model.apply(x) as Tensor).array());
  expect(typeof model.predictFunction.warmup).toBe('function');
  await model.predictFunction.warmup?.(x);
  expect(model.predictFunction.traceCount).toBe(1);
  const y = model.predict(x, { batchSize: 2, verbose: 0 }) as Tensor;
  flat(await y.array()).forEach((v, i) => expect(v).toBeCloseTo(eager[i], 5));
  expect(model.predictFunction.traceCount).toBe(1);
  model.dispose();
  [x, y].forEach((t) => t.dispose());
});
