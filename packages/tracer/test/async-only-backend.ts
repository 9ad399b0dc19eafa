import type { Backend } from '@tessera/core';
import { BackendError, engine } from '@tessera/core';
import { ReferenceBackend } from '@tessera/core/testing';

/** The name {@link registerAsyncOnlyBackend} registers. */
export const ASYNC_ONLY = 'async-only';

/**
 * Core's reference kernels behind a backend that, like WebGPU, reads only asynchronously: its
 * `readSync` throws. It shows what the tracer does where it cannot read a value while tracing.
 */
export function asyncOnlyBackend(): Backend {
  const inner = new ReferenceBackend();
  return {
    name: ASYNC_ONLY,
    kernels: inner.kernels,
    write: (values, shape, dtype) => inner.write(values, shape, dtype),
    share: (id) => inner.share(id),
    read: async (id) => inner.readSync(id),
    readSync: () => {
      throw new BackendError(`${ASYNC_ONLY}: no synchronous reads (as on WebGPU); use 'await t.data()'`);
    },
    free: (id) => inner.free(id),
    memory: () => inner.memory(),
  };
}

/** Registers {@link asyncOnlyBackend} (lowest priority, never the default) and returns its name. */
export function registerAsyncOnlyBackend(): string {
  if (!engine.backendNames().includes(ASYNC_ONLY)) engine.registerBackend(ASYNC_ONLY, asyncOnlyBackend, -200);
  return ASYNC_ONLY;
}
