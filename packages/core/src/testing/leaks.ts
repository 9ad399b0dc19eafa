import { engine } from '../engine/engine.js';

/**
 * Runs `fn` (sync or async) and throws if it left tensors or bytes behind on any backend:
 * wrap a test body with it to make a leak fail the test.
 *
 * @example it('leaks nothing', () => expectNoLeaks(() => model.predict(x).dispose()));
 */
export async function expectNoLeaks(fn: () => unknown): Promise<void> {
  const before = engine.memory();
  await fn();
  const after = engine.memory();
  const problems: string[] = [];
  if (after.numTensors !== before.numTensors) problems.push(`${after.numTensors - before.numTensors} tensors`);
  for (const [name, m] of Object.entries(after.backends)) {
    const was = before.backends[name] ?? { numBytes: 0, numDataBuffers: 0 };
    if (m.numBytes !== was.numBytes) problems.push(`${m.numBytes - was.numBytes} bytes on '${name}'`);
  }
  if (problems.length > 0) throw new Error(`expectNoLeaks: the function leaked ${problems.join(', ')}`);
}
