import { defineConfig } from 'vitest/config';
// The one place that knows how Dawn finds SwiftShader; this package's webgpu tests use it as
// backend-webgpu's own tests do, rather than a copy that could drift from it.
import { swiftShaderEnv } from '../backend-webgpu/test/swiftshader.js';

// Dawn reads these when the worker process starts (LD_LIBRARY_PATH is read by the loader), so they
// are set here, before vitest forks its workers, rather than inside a test.
Object.assign(process.env, swiftShaderEnv());

const WEBGPU_TESTS = ['test/webgpu.test.ts'];

export default defineConfig({
  test: {
    // A safety limit, not a speed check: CI runs every package's tests at once on two cores.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report feeds the pass/fail summary line of the root `npm test` (scripts/test-all.mjs).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      {
        extends: true,
        test: { name: 'layers', include: ['test/**/*.test.ts'], exclude: WEBGPU_TESTS },
      },
      {
        extends: true,
        test: {
          name: 'webgpu',
          include: WEBGPU_TESTS,
          // One forked worker, as backend-webgpu's tests run: Dawn's native module and SwiftShader's
          // threads per process, and the machine is shared. A project with one worker runs after the others.
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
          // SwiftShader is a CPU: a case's many dispatches and reads can take seconds.
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
