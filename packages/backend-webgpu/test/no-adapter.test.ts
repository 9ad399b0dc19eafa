import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('no adapter in Node', () => {
  it('says what to install when Dawn finds no Vulkan driver', async () => {
    // A bundled script under the package, so the child resolves the real `webgpu` package.
    const { build } = await import('tsup');
    const outDir = join(packageDir, 'test-results', 'no-adapter');
    mkdirSync(outDir, { recursive: true });
    const entry = join(outDir, 'entry.ts');
    writeFileSync(
      entry,
      `import { acquireDevice } from '../../src/device.js';\n` +
        `acquireDevice().then(() => console.log('ADAPTER FOUND'), (e) => { console.log(String(e.message)); });\n`,
    );
    await build({ config: false, entry: { main: entry }, format: ['esm'], platform: 'node', outDir, noExternal: [/.*/], dts: false, silent: true });
    const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', LD_LIBRARY_PATH: '' };
    const output = execFileSync(process.execPath, [join(outDir, 'main.js')], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(output).toMatch(/webgpu \(Dawn\) found no GPU adapter/);
    expect(output).toMatch(/apt-get install chromium/);
    expect(output).toMatch(/VK_ICD_FILENAMES=\/usr\/lib\/chromium\/vk_swiftshader_icd\.json/);
  });
});
