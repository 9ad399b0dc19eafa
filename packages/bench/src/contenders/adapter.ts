/**
 * What the WebGPU contenders share: a `navigator.gpu` in Node (from the `webgpu` package, Dawn) and
 * the label of the adapter a figure was measured on, so a software adapter is never read as a GPU.
 */
import { importOptional } from './types.js';

/** The standard GPUAdapterInfo fields the label is made of (`isFallbackAdapter` is on the info since 2024). */
export interface AdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** The little of WebGPU's `GPU` and `GPUAdapter` the bench touches (the package builds without @webgpu/types). */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<AdapterLike | null>;
}
export interface AdapterLike {
  info?: AdapterInfoLike;
  /** Before GPUAdapterInfo carried it. */
  isFallbackAdapter?: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software/i;

/**
 * The table's note for an adapter: `adapter: <vendor architecture device description>`, or
 * `software adapter (...): not a GPU figure` for a fallback adapter or a known CPU rasteriser
 * (SwiftShader, llvmpipe, lavapipe).
 */
export function adapterNote(info: AdapterInfoLike | undefined, fallback = false): string {
  const text = info
    ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') || 'adapter without a name'
    : 'adapter not reported';
  const software = fallback || info?.isFallbackAdapter === true || SOFTWARE.test(text);
  return software ? `software adapter (${text}): not a GPU figure` : `adapter: ${text}`;
}

/** What to install when Dawn finds no adapter; the bench's --swiftshader does the last for the WebGPU contenders. */
export const NO_ADAPTER_HINT =
  'Dawn needs a Vulkan driver: a GPU vendor driver, Mesa (mesa-vulkan-drivers), or Chromium\'s SwiftShader, which the bench\'s --swiftshader sets up';

/**
 * Dawn's `GPU` object must outlive every adapter and device made from it, or the process crashes
 * when it is collected: it is kept here for the life of the process.
 */
const dawnInstances: unknown[] = [];

/**
 * `navigator.gpu`: the runtime's own when it has one, else Dawn's from the `webgpu` package, installed
 * as `globalThis.navigator.gpu` together with the WebGPU globals (GPUBufferUsage, GPUMapMode, ...)
 * that libraries written for browsers (TF.js's webgpu backend) expect.
 */
export async function navigatorGpu(): Promise<GpuLike> {
  const existing = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (existing) return existing;
  const dawn = await importOptional<{ create(flags: string[]): GpuLike; globals: Record<string, unknown> }>('webgpu');
  const gpu = dawn.create([]);
  dawnInstances.push(gpu);
  Object.assign(globalThis, dawn.globals);
  const g = globalThis as unknown as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  return gpu;
}
