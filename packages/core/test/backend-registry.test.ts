import { describe, expect, it } from 'vitest';
import { BackendError, getBackend, registerBackend, setBackend, tensor } from '../src/index.js';
import { ReferenceBackend, registerReferenceBackend } from '../src/testing/reference/backend.js';

describe('backend registry', () => {
  it('names the registered backends when an unknown one is asked for', async () => {
    registerReferenceBackend();
    await expect(setBackend('nope')).rejects.toThrow(BackendError);
    await expect(setBackend('nope')).rejects.toThrow(/no backend named 'nope' is registered \(registered: .*reference/);
  });

  it('mixing tensors of two backends is an error, never a silent copy', async () => {
    registerReferenceBackend();
    registerBackend('other-reference', () => Object.assign(new ReferenceBackend(), { name: 'other-reference' }));
    await setBackend('reference');
    const a = tensor([1, 2]);
    await setBackend('other-reference');
    expect(getBackend()).toBe('other-reference');
    const b = tensor([1, 2]);
    expect(() => a.add(b)).toThrow(BackendError);
    expect(() => a.add(b)).toThrow("add: a lives on backend 'reference' but the active backend is 'other-reference'");
    await setBackend('reference');
  });

  it('reports a backend whose initialization fails, and can try again', async () => {
    let attempts = 0;
    registerBackend('flaky', async () => {
      attempts++;
      throw new Error('no adapter');
    });
    await expect(setBackend('flaky')).rejects.toThrow("setBackend: backend 'flaky' failed to initialize: no adapter");
    await expect(setBackend('flaky')).rejects.toThrow(BackendError);
    expect(attempts).toBe(2);
  });

  it('registering a name twice is an error', () => {
    registerReferenceBackend();
    expect(() => registerBackend('reference', () => new ReferenceBackend())).toThrow(/already registered/);
  });
});
