/// <reference types="@webgpu/types" />
/**
 * @tessera/backend-webgpu: importing it registers the backend 'webgpu'. Select it with
 * `await setBackend('webgpu')`; read values with `await t.data()`.
 */
import { engine, registerBackend } from '@tessera/core';
import { WebGPUBackend } from './backend.js';
import { acquireDevice } from './device.js';

export { WebGPUBackend } from './backend.js';
export type { WebGPUStats } from './backend.js';
export type { PoolStats } from './buffer-pool.js';
export { sizeClass } from './buffer-pool.js';
export { acquireDevice } from './device.js';
export type { GpuContext } from './device.js';

/** Below the WASM backend's default priority (1): WebGPU is used when asked for. */
export const WEBGPU_PRIORITY = 0;

/** The instance the engine holds for 'webgpu', so a late loss of an older device cannot unregister a newer one. */
let current: WebGPUBackend | undefined;

async function createBackend(): Promise<WebGPUBackend> {
  const context = await acquireDevice();
  const backend = new WebGPUBackend(context, (lost) => {
    if (lost !== current) return;
    // A lost device cannot come back: drop the instance so the next setBackend('webgpu') makes a new one.
    current = undefined;
    engine.removeBackend('webgpu');
    registerBackend('webgpu', createBackend, WEBGPU_PRIORITY);
  });
  current = backend;
  return backend;
}

if (!engine.backendNames().includes('webgpu')) registerBackend('webgpu', createBackend, WEBGPU_PRIORITY);
