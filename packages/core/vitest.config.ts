import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A safety limit, not a speed check: CI runs every package's tests at once on two cores, where a
    // property test over a thousand programs can take many times its quiet-machine seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // The JSON report feeds the pass/fail summary line of the root `npm test` (scripts/test-all.mjs).
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
