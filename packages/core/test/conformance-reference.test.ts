import { describe, it } from 'vitest';
import { checkCase, conformanceCases } from '../src/testing/index.js';

// The suite against the reference itself: checks hand-written expectations, gradients against finite
// differences, and leaks; other backends run the same table in their own packages.
describe('conformance on the reference backend', () => {
  it.each(conformanceCases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await checkCase(c, 'reference');
  });
});
