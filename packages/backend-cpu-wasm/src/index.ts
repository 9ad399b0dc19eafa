/**
 * @tessera/backend-cpu-wasm: Tessera's CPU backend, AssemblyScript kernels compiled to wasm SIMD.
 * Importing it registers the backend as `wasm` (the default when installed).
 *
 * @example
 * import '@tessera/backend-cpu-wasm';
 * await setBackend('wasm');
 */
import { registerBackend } from '@tessera/core';
import { WasmBackend } from './backend.js';

/** The wasm backend outranks the reference and is the default whenever it is installed. */
const PRIORITY = 10;

registerBackend('wasm', () => WasmBackend.create(), PRIORITY);

export { WasmBackend } from './backend.js';
export type { WasmBackendOptions, WasmHeapInfo } from './backend.js';
export { WasmMemoryError } from './memory.js';
