import { existsSync, mkdtempSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
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
 * Environment for Dawn to find SwiftShader: the ICD, Chromium's own Vulkan loader (Debian ships
 * libvulkan.so.1 beside it) and a runtime dir. Variables already set win, so a real GPU can be used.
 */
export function swiftShaderEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const icd = env.VK_ICD_FILENAMES ?? findSwiftShaderIcd();
  if (icd === undefined) return {};
  const dir = dirname(icd);
  const libraryPath = env.LD_LIBRARY_PATH ? `${env.LD_LIBRARY_PATH}:${dir}` : dir;
  return {
    VK_ICD_FILENAMES: icd,
    LD_LIBRARY_PATH: existsSync(join(dir, 'libvulkan.so.1')) ? libraryPath : (env.LD_LIBRARY_PATH ?? ''),
    XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR ?? mkdtempSync(join(tmpdir(), 'tessera-webgpu-')),
  };
}
