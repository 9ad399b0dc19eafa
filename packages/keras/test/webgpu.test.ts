// Keras 3's golden fit numbers on WebGPU (Dawn on Chromium's SwiftShader in CI, or a real GPU):
// the traced steps are compiled by the backend, captured on their first call and replayed, so
// this is the capture-and-replay path under real training (optimizer slots, variables rewritten
// every step, metrics). Without an adapter the suite fails in its setup, naming what to install.
import '@tessera/backend-webgpu';
import { expect, it } from 'vitest';
import { describeFitGolden } from './fit-golden-suite.js';
import { fitRecordingWarmups } from './prepare-steps.js';

describeFitGolden('webgpu', () => 'webgpu');


it("fit prepares the train and test steps ahead of each batch size's first call (WebGPU compiles graphs)", async () => {
  const { warmups, losses } = await fitRecordingWarmups();
  expect(warmups).toEqual(['train:4', 'train:2', 'test:4', 'test:2']);
  expect(losses).toHaveLength(2);
  losses.forEach((loss) => expect(Number.isFinite(loss)).toBe(true));
});
