// Threads from the built package and from a user's bundle of it: the workers must find their code
// with no configuration (their source travels inline), in a fresh Node process each time.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));
const workDir = mkdtempSync(join(tmpdir(), 'tessera-wasm-threads-'));

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Multiplies the same matrices on 1 and 2 threads and prints what it saw as JSON. */
const program = `
import { engine, matMul, tensor } from '@tessera/core';
import { setThreads } from '@tessera/backend-cpu-wasm';

await engine.setBackend('wasm');
const n = 160;
const values = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 500 - 1);
const a = tensor(values, [n, n]);
const one = matMul(a, a).dataSync();
const threads = await setThreads(2);
const two = matMul(a, a).dataSync();
await setThreads(1);
console.log(JSON.stringify({ threads, equal: one.every((v, i) => v === two[i]), first: one[0] }));
`;

function runModule(file: string): { threads: number; equal: boolean; first: number } {
  const output = execFileSync(process.execPath, [file], { cwd: packageRoot, encoding: 'utf8', timeout: 60_000 });
  return JSON.parse(output.trim().split('\n').pop()!) as { threads: number; equal: boolean; first: number };
}

describe('threads outside the source tree', { timeout: 120_000 }, () => {
  it('start from the built dist with no configuration', () => {
    mkdirSync(join(packageRoot, 'test-results'), { recursive: true });
    const file = join(packageRoot, 'test-results', `threads-dist-${process.pid}.mjs`);
    writeFileSync(file, program);
    try {
      const result = runModule(file);
      expect(result.threads).toBe(2);
      expect(result.equal).toBe(true);
      expect(Number.isFinite(result.first)).toBe(true);
    } finally {
      rmSync(file, { force: true });
    }
  });

  it('start from a single-file bundle of the package', async () => {
    const bundle = await build({
      stdin: { contents: program, resolveDir: packageRoot, loader: 'js' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    expect(bundle.errors).toEqual([]);
    const file = join(workDir, 'bundle.mjs');
    writeFileSync(file, bundle.outputFiles[0].text);
    const result = runModule(file);
    expect(result.threads).toBe(2);
    expect(result.equal).toBe(true);
  });
});
