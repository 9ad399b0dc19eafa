/**
 * @tessera/backend-cpu-wasm: Tessera's CPU backend, AssemblyScript kernels compiled to wasm SIMD.
 * Importing it registers the backend as `wasm`, the default whenever it is installed. The kernels'
 * binary is inlined in this module, so Node and every bundler load it with no configuration.
 *
 * @example
 * import { setBackend, tensor } from '@tessera/core';
 * import '@tessera/backend-cpu-wasm';
 *
 * await setBackend('wasm'); // optional in Node: the default backend starts on first use
 * tensor([1, 2, 3]).square().print();
 */
import { registerBackend } from '@tessera/core';
import { WasmBackend } from './backend.js';

/** Above the reference backend (core's testing backend registers at -100), so `wasm` is the default. */
const PRIORITY = 10;

/**
 * Synchronous where the platform allows it, so that in Node the default backend starts on the first
 * op with no `await`; on a browser's main thread (which refuses synchronous compilation of a module
 * this size) the engine asks for `await setBackend('wasm')` or `await ready()`.
 */
function startBackend(): WasmBackend | Promise<WasmBackend> {
  try {
    return WasmBackend.createSync();
  } catch {
    return WasmBackend.create();
  }
}

registerBackend('wasm', startBackend, PRIORITY);

export { WasmBackend } from './backend.js';
export { getThreads, setThreads } from './threads/index.js';
export type { WasmBackendOptions, WasmHeapInfo } from './backend.js';
export { WasmMemoryError } from './memory.js';
