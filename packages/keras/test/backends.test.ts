// Keras 3's golden fit numbers on the WASM backend (threads off and on): the traced train, test and
// predict steps run its kernels, fused regions and epilogues.
import { engine } from '@tessera/core';
import { setThreads } from '@tessera/backend-cpu-wasm';
import { afterAll, expect, it } from 'vitest';
import { describeFitGolden } from './fit-golden-suite.js';
import { fitRecordingWarmups } from './prepare-steps.js';

describeFitGolden('wasm', async () => {
  await setThreads(1);
  return 'wasm';
});
describeFitGolden('wasm with 2 threads', async () => {
  await engine.setBackend('wasm');
  await setThreads(2);
  return 'wasm';
});

afterAll(async () => {
  await setThreads(1);
});


it('fit warms its steps up once per batch size on wasm too (which compiles graphs by recording their first run)', async () => {
  await engine.setBackend('wasm');
  const { warmups, losses } = await fitRecordingWarmups();
  expect(warmups).toEqual(['train:4', 'train:2', 'test:4', 'test:2']);
  expect(losses).toHaveLength(2);
});
