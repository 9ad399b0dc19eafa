import { defineConfig } from 'vitest/config';
// How Dawn finds SwiftShader, shared with backend-webgpu's own tests (as the layers package does).
import { swiftShaderEnv } from '../backend-webgpu/test/swiftshader.js';

// Dawn reads these when the worker process starts (LD_LIBRARY_PATH is read by the loader), so they
// are set here, before vitest forks its workers, rather than inside a test.
Object.assign(process.env, swiftShaderEnv());

const WEBGPU_TESTS = ['test/webgpu.test.ts'];

export default defineConfig({
  test: {
    // A safety limit, not a speed check: CI runs every package's tests at once on two cores, where a
    // property test over a thousand programs can take many times its quiet-machine seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report feeds the pass/fail summary line of the root `npm test` (scripts/test-all.mjs).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
    projects: [
      { extends: true, test: { name: 'keras', include: ['test/**/*.test.ts'], exclude: WEBGPU_TESTS } },
      {
        extends: true,
        test: {
          name: 'webgpu',
          include: WEBGPU_TESTS,
          // One forked worker, as backend-webgpu's tests run: Dawn's native module and SwiftShader's
          // threads per process, and the machine is shared.
          pool: 'forks',
          maxWorkers: 1,
          fileParallelism: false,
        },
      },
    ],
  },
});
