import { beforeAll, describe, expect, it } from 'vitest';
import { DisposedError, memory, setBackend, tensor } from '../src/index.js';
import { conformanceCases, registerReferenceBackend } from '../src/testing/index.js';
import { specValues } from '../src/testing/conformance/values.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

// Every op the conformance table covers, called with one input already disposed: a DisposedError
// that names the op, and nothing left behind.
const oneCasePerOp = [...new Map(conformanceCases.filter((c) => c.inputs.length > 0).map((c) => [c.op, c])).values()];

describe('a disposed input', () => {
  it.each(oneCasePerOp.map((c) => [c.op, c] as const))('%s throws DisposedError and leaks nothing', (_op, c) => {
    const inputs = c.inputs.map((spec, i) => tensor(specValues(spec, i), spec.shape, spec.dtype ?? 'float32'));
    const last = inputs.length - 1;
    inputs[last].dispose();
    const before = memory();
    expect(() => c.run(...inputs)).toThrow(DisposedError);
    const after = memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
    inputs.forEach((t) => t.dispose());
  });
});
