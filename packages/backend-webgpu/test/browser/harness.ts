import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserReport } from './page.js';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** Chromium's binary: $CHROMIUM_PATH, else Debian's and the usual places. */
export function findChromium(): string | undefined {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv !== undefined && existsSync(fromEnv)) return fromEnv;
  return CANDIDATES.find((path) => existsSync(path));
}

/** Bundles page.ts (with core and this package's source) into one browser script. */
export async function bundlePage(): Promise<string> {
  const { build } = await import('tsup');
  const outDir = mkdtempSync(join(tmpdir(), 'tessera-webgpu-page-'));
  await build({
    config: false,
    entry: { page: fileURLToPath(new URL('./page.ts', import.meta.url)) },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    outDir,
    noExternal: [/.*/],
    dts: false,
    sourcemap: false,
    splitting: false,
    silent: true,
  });
  return join(outDir, 'page.js');
}

const PAGE_HTML = '<!doctype html><meta charset="utf-8"><title>tessera webgpu conformance</title><script type="module" src="/page.js"></script>';

/**
 * Serves the bundled page on localhost, opens it in headless Chromium with WebGPU on SwiftShader,
 * and resolves with the report the page POSTs back.
 */
export async function runInChromium(chromium: string, script: string, timeoutMs: number): Promise<BrowserReport> {
  const profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
  let browser: ReturnType<typeof spawn> | undefined;
  let log = '';
  const server = createServer();
  try {
    return await new Promise<BrowserReport>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no report from Chromium within ${timeoutMs} ms; its log:\n${log.slice(-4000)}`)), timeoutMs);
      server.on('request', (request, response) => {
        if (request.method === 'POST' && request.url === '/report') {
          let body = '';
          request.on('data', (chunk: Buffer) => (body += chunk.toString()));
          request.on('end', () => {
            response.end('ok');
            clearTimeout(timer);
            resolve(JSON.parse(body) as BrowserReport);
          });
          return;
        }
        if (request.url === '/page.js') {
          response.setHeader('content-type', 'text/javascript');
          response.end(readFileSync(script));
          return;
        }
        response.setHeader('content-type', 'text/html');
        response.end(PAGE_HTML);
      });
      server.listen(0, '127.0.0.1', () => {
        const { port } = server.address() as AddressInfo;
        browser = spawn(
          chromium,
          [
            '--headless=new',
            '--no-sandbox',
            '--no-first-run',
            '--enable-unsafe-webgpu',
            '--use-webgpu-adapter=swiftshader',
            '--enable-features=Vulkan',
            `--user-data-dir=${profile}`,
            `http://127.0.0.1:${port}/`,
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        browser.stdout?.on('data', (d: Buffer) => (log += d.toString()));
        browser.stderr?.on('data', (d: Buffer) => (log += d.toString()));
        browser.on('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`Chromium exited (code ${code}) before reporting; its log:\n${log.slice(-4000)}`));
        });
      });
    });
  } finally {
    server.close();
    if (browser !== undefined) {
      browser.removeAllListeners('exit');
      const exited = new Promise((resolve) => {
        browser!.once('exit', resolve);
        setTimeout(resolve, 5000);
      });
      if (browser.exitCode === null) browser.kill();
      await exited;
    }
    // Chromium's helpers may still be closing files in the profile; a leftover temp dir is harmless.
    try {
      rmSync(profile, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch {
      // Left for the OS's temp cleanup.
    }
  }
}
