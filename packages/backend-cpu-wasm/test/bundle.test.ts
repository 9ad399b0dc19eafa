// What a bundler makes of the built package: one browser-targeted bundle with no plugin, no copied
// .wasm file and no path setting, which must still start the backend and compute.
import { build } from 'esbuild';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'tessera-wasm-bundle-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const entry = `
import { add, setBackend, tensor } from '@tessera/core';
import '@tessera/backend-cpu-wasm';

export async function run() {
  await setBackend('wasm');
  const sum = add(tensor([1, 2, 3]), tensor([10, 20, 30]));
  return Array.from(await sum.data());
}
`;

describe('@tessera/backend-cpu-wasm in a bundle', () => {
  it('bundles for the browser with no configuration and runs from the bundle alone', async () => {
    const result = await build({
      stdin: { contents: entry, resolveDir: packageRoot, loader: 'js' },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    const code = result.outputFiles[0].text;
    // No file to fetch, no Node module to shim.
    expect(code).not.toMatch(/\.wasm['"`]/);
    expect(code).not.toMatch(/from ['"]node:|require\(['"](fs|path|url)['"]\)/);
    const file = join(workDir, 'bundle.mjs');
    writeFileSync(file, code);
    const bundled = (await import(pathToFileURL(file).href)) as { run: () => Promise<number[]> };
    expect(await bundled.run()).toEqual([11, 22, 33]);
  });
});
