/**
 * Chromium's SwiftShader as the Vulkan driver of the WebGPU contenders (`--swiftshader`), found the
 * way @tessera/backend-webgpu's tests find it (test/swiftshader.ts there), so both WebGPU contenders
 * can run on a machine without a GPU. Their figures are then a CPU rasteriser's, and their cells say so.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const KNOWN_ICDS = ['/usr/lib/chromium/vk_swiftshader_icd.json', '/usr/lib64/chromium/vk_swiftshader_icd.json'];

/** The ICD file of Chromium's SwiftShader if Chromium is installed (Debian's package, or a known path). */
export function findSwiftShaderIcd(): string | undefined {
  const known = KNOWN_ICDS.find((path) => existsSync(path));
  if (known !== undefined) return known;
  for (const pkg of ['chromium', 'chromium-common']) {
    try {
      const files = execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const icd = files.split('\n').find((line) => line.endsWith('vk_swiftshader_icd.json'));
      if (icd !== undefined && existsSync(icd)) return icd;
    } catch {
      // No dpkg or no such package: try the next.
    }
  }
  return undefined;
}

/**
 * The environment for Dawn to use SwiftShader: its ICD, Chromium's own Vulkan loader (Debian ships
 * libvulkan.so.1 beside it) and a runtime dir (XDG_RUNTIME_DIR when set, else `runtimeDir`). Only
 * called when the environment as it is gives no adapter, so the ICD replaces whatever VK_ICD_FILENAMES said.
 */
export function swiftShaderEnv(icd: string, runtimeDir: string, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const dir = dirname(icd);
  const loader = existsSync(join(dir, 'libvulkan.so.1'));
  return {
    ...env,
    VK_ICD_FILENAMES: icd,
    ...(loader ? { LD_LIBRARY_PATH: env.LD_LIBRARY_PATH ? `${env.LD_LIBRARY_PATH}:${dir}` : dir } : {}),
    XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR ?? runtimeDir,
  };
}
