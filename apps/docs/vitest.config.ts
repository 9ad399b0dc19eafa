import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The example runs in a child Node process; on a loaded CI machine that can take seconds.
    testTimeout: 60_000,
    // The JSON report feeds the pass/fail summary line of the root `npm test` (scripts/test-all.mjs).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
