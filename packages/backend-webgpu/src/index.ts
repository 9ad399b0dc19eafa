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

async function createBackend(): Promise<WebGPUBackend> {
  const context = await acquireDevice();
  return new WebGPUBackend(context, () => {
    // A lost device cannot come back: drop the instance so the next setBackend('webgpu') makes a new one.
    const wasActive = engine.backendName === 'webgpu';
    engine.removeBackend('webgpu');
    registerBackend('webgpu', createBackend, WEBGPU_PRIORITY);
    if (wasActive) lostWhileActive = true;
  });
}

/** Whether the device was lost while 'webgpu' was the active backend (for diagnostics). */
export let lostWhileActive = false;

if (!engine.backendNames().includes('webgpu')) registerBackend('webgpu', createBackend, WEBGPU_PRIORITY);
