// Keras 3's golden fit numbers on WebGPU (Dawn on Chromium's SwiftShader in CI, or a real GPU):
// the traced steps are compiled by the backend, captured on their first call and replayed, so
// this is the capture-and-replay path under real training (optimizer slots, variables rewritten
// every step, metrics). Without an adapter the suite fails in its setup, naming what to install.
import '@tessera/backend-webgpu';
import { describeFitGolden } from './fit-golden-suite.js';

describeFitGolden('webgpu', () => 'webgpu');
