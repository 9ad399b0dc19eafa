import { BackendError } from '@tessera/core';

/** A device and what must stay referenced while it lives. */
export interface GpuContext {
  readonly device: GPUDevice;
  readonly adapter: GPUAdapter;
  /** Where the device came from, for messages: `navigator.gpu` or the `webgpu` package (Dawn). */
  readonly source: 'navigator.gpu' | 'webgpu (Dawn)';
}

/**
 * Dawn's `GPU` object from `create()` must outlive every adapter and device made from it, or the
 * process crashes when it is collected; we keep each one here for the life of the process.
 */
const dawnInstances: unknown[] = [];

const INSTALL_HINT_NODE =
  'In Node the `webgpu` package (Dawn) needs a Vulkan driver: a GPU vendor driver or Mesa ' +
  '(`apt-get install mesa-vulkan-drivers libvulkan1`), or a software one: `apt-get install chromium` ' +
  'and set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json and LD_LIBRARY_PATH=/usr/lib/chromium ' +
  'before starting node.';
const INSTALL_HINT_BROWSER =
  'Use a browser with WebGPU enabled (Chrome/Edge 113+, Safari 26+, Firefox 141+ on Windows), served over https or localhost.';

async function nodeGpu(): Promise<GPU> {
  // A computed specifier keeps browser bundlers from trying to resolve the Node-only package.
  const specifier = 'webgpu';
  let module: { create: (flags: string[]) => GPU };
  try {
    module = (await import(/* @vite-ignore */ specifier)) as typeof module;
  } catch (error) {
    throw new BackendError(
      `webgpu: no navigator.gpu and the 'webgpu' package (Dawn for Node) could not be loaded: ${(error as Error).message}. ` +
        'Install it with `npm i webgpu`, or run in a browser with WebGPU.',
    );
  }
  const gpu = module.create([]);
  dawnInstances.push(gpu);
  return gpu;
}

/** Finds a GPU: `navigator.gpu` in browsers (and runtimes that have it), else Dawn through `webgpu`. */
export async function acquireDevice(): Promise<GpuContext> {
  const navigatorGpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  const source = navigatorGpu !== undefined ? 'navigator.gpu' : 'webgpu (Dawn)';
  const gpu = navigatorGpu ?? (await nodeGpu());
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) {
    const hint = navigatorGpu !== undefined ? INSTALL_HINT_BROWSER : INSTALL_HINT_NODE;
    throw new BackendError(`webgpu: ${source} found no GPU adapter. ${hint}`);
  }
  const limits = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
      maxBufferSize: limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    },
  });
  return { device, adapter, source };
}
