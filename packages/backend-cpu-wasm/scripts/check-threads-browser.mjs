// Checks threads in a real browser (headless Chromium): a bundle of the package served with and
// without cross-origin isolation must run matMul on 2 threads (isolated) or fall back to 1 thread
// with no error (not isolated), with the same values either way. Needs `chromium` on the PATH and a
// built package. Run: node scripts/check-threads-browser.mjs
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

const entry = `
import { engine, matMul, tensor } from '@tessera/core';
import { setThreads } from '@tessera/backend-cpu-wasm';

const out = { isolated: globalThis.crossOriginIsolated };
try {
  await engine.setBackend('wasm');
  const n = 200;
  const a = tensor(new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 500 - 1), [n, n]);
  const one = matMul(a, a).dataSync();
  out.threads = await setThreads(2);
  const two = matMul(a, a).dataSync();
  out.equal = one.every((v, i) => v === two[i]);
} catch (error) {
  out.error = String((error && error.stack) || error);
}
document.body.textContent = 'RESULT' + JSON.stringify(out);
`;

const bundle = await build({
  stdin: { contents: entry, resolveDir: packageRoot, loader: 'js' },
  bundle: true,
  platform: 'browser',
  format: 'esm',
  write: false,
  logLevel: 'error',
});
const files = {
  '/': ['text/html', '<!doctype html><html><body>loading</body><script type="module" src="/bundle.js"></script></html>'],
  '/bundle.js': ['text/javascript', bundle.outputFiles[0].text],
};

function serve(isolated) {
  return new Promise((resolve) => {
    const server = createServer((request, response) => {
      const file = files[request.url];
      if (file === undefined) return void response.writeHead(404).end();
      const headers = { 'content-type': file[0] };
      if (isolated) Object.assign(headers, { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      response.writeHead(200, headers).end(file[1]);
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

const profile = mkdtempSync(join(tmpdir(), 'tessera-chromium-'));
let failed = false;
try {
  for (const isolated of [true, false]) {
    const server = await serve(isolated);
    const url = `http://127.0.0.1:${server.address().port}/`;
    // Asynchronously: the page is served from this process.
    const { stdout: dom } = await promisify(execFile)(
      'chromium',
      ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--virtual-time-budget=30000', '--dump-dom', url],
      { encoding: 'utf8', timeout: 120_000 },
    );
    server.close();
    const result = JSON.parse(/RESULT(\{.*\})/.exec(dom)?.[1] ?? '{"error":"no result in the page"}');
    const ok = result.error === undefined && result.equal === true && result.threads === (isolated ? 2 : 1) && result.isolated === isolated;
    failed ||= !ok;
    console.log(`${isolated ? 'cross-origin isolated' : 'not isolated         '}: ${ok ? 'ok  ' : 'FAIL'} ${JSON.stringify(result)}`);
  }
} finally {
  rmSync(profile, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
