import { beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Kernel } from '../src/index.js';
import { customGrad, registerBackend, setBackend } from '../src/index.js';
import type { ConformanceCase } from '../src/testing/index.js';
import { ConformanceFailure, ReferenceBackend, checkCase, registerReferenceBackend, runConformance } from '../src/testing/index.js';

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
});

// The suite is only as good as its ability to fail: each of these cases is wrong on purpose.
describe('the conformance runner catches', () => {
  it('a wrong hand-written expectation', async () => {
    const c: ConformanceCase = {
      name: 'wrong value',
      op: 'add',
      inputs: [{ shape: [2], values: [1, 2] }],
      run: (x) => x.add(1),
      expected: [[2, 4]],
    };
    await expect(checkCase(c, 'reference')).rejects.toThrow(ConformanceFailure);
    await expect(checkCase(c, 'reference')).rejects.toThrow('output 0: element 1 is 3, expected 4');
  });

  it('a wrong gradient', async () => {
    const squareWithBadGrad = customGrad((x) => ({ value: x.mul(x), gradFunc: ([dy]) => [dy.mul(x).mul(3)] }));
    const c: ConformanceCase = {
      name: 'bad gradient',
      op: 'mul',
      inputs: [{ shape: [3], range: [0.5, 2] }],
      run: (x) => squareWithBadGrad(x),
      gradWrt: [0],
    };
    await expect(checkCase(c, 'reference')).rejects.toThrow(/gradient vs finite differences/);
  });

  it('a kernel that leaks storage', async () => {
    const inner = new ReferenceBackend();
    const leaky: Backend = {
      name: 'leaky-reference',
      kernels: {
        ...inner.kernels,
        add: (...args: Parameters<Kernel>) => {
          inner.write(new Float32Array(2), [2], 'float32'); // scratch never freed
          return (inner.kernels.add as Kernel)(...args);
        },
      },
      write: (values, shape, dtype) => inner.write(values, shape, dtype),
      share: (id) => inner.share(id),
      read: (id) => inner.read(id),
      readSync: (id) => inner.readSync(id),
      free: (id) => inner.free(id),
      memory: () => inner.memory(),
    };
    registerBackend('leaky-reference', () => leaky);
    const c: ConformanceCase = { name: 'leaky', op: 'add', inputs: [{ shape: [2] }], run: (x) => x.add(1) };
    const report = await runConformance('leaky-reference', [c]);
    expect(report.passed).toBe(0);
    expect(report.failures[0].message).toBe('leaky [leaky-reference]: leaked 0 tensors and 8 bytes');
  });

  it('and passes a right case', async () => {
    const report = await runConformance('reference', [
      { name: 'right', op: 'add', inputs: [{ shape: [2], values: [1, 2] }], run: (x) => x.add(1), expected: [[2, 3]], gradWrt: [0] },
    ]);
    expect(report).toMatchObject({ total: 1, passed: 1, failures: [] });
  });
});
