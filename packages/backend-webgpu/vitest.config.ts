import { defineConfig } from 'vitest/config';
import { swiftShaderEnv } from './test/swiftshader.js';

// Dawn reads these when the worker process starts (LD_LIBRARY_PATH is read by the loader), so they
// are set here, before vitest forks its workers, rather than inside a test.
Object.assign(process.env, swiftShaderEnv());

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One forked worker: Dawn's native module and SwiftShader's threads per process, and the machine is shared.
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 600_000,
    // The JSON report feeds the pass/fail summary line of the root `npm test` (scripts/test-all.mjs).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
