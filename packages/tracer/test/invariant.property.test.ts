import { setBackend } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { describeInvariant } from './invariant-suite.js';

/** The backend under test: the reference backend, or `TESSERA_TEST_BACKEND` (wasm also runs it in its own package). */
const BACKEND = process.env.TESSERA_TEST_BACKEND ?? 'reference';
const BACKEND_PACKAGES: Record<string, string> = { wasm: '@tessera/backend-cpu-wasm', webgpu: '@tessera/backend-webgpu' };

describeInvariant(BACKEND, async () => {
  if (BACKEND === 'reference') registerReferenceBackend();
  else await import(/* @vite-ignore */ BACKEND_PACKAGES[BACKEND] ?? BACKEND);
  await setBackend(BACKEND);
});
