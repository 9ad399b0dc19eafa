import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { adapterNote } from '../src/contenders/adapter.js';
import { CONTENDERS, contendersFor } from '../src/contenders/catalogue.js';
import { markdownReport } from '../src/report.js';
import { runBench } from '../src/runner.js';
import { findSwiftShaderIcd } from '../src/swiftshader.js';
import { findWorkload, WORKLOADS } from '../src/workloads.js';

// The runner spawns dist/child.js; the package's test script builds it first.
const built = existsSync(fileURLToPath(new URL('../dist/child.js', import.meta.url)));

/** Dawn with these finds no Vulkan driver, GPU or not: the state of a machine without one. */
const NO_DRIVER = { VK_ICD_FILENAMES: '/nonexistent/icd.json', LD_LIBRARY_PATH: '' };
let saved: Record<string, string | undefined> = {};
beforeEach(() => {
  saved = Object.fromEntries(Object.keys(NO_DRIVER).map((k) => [k, process.env[k]]));
  Object.assign(process.env, NO_DRIVER);
});
afterEach(() => {
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

describe('the TF.js WebGPU contender', () => {
  it('is in the catalogue, on every workload, as a WebGPU contender run by default', () => {
    const info = CONTENDERS.find((c) => c.id === 'tfjs-webgpu');
    expect(info).toMatchObject({ family: 'tfjs', variant: 'webgpu', subject: false, webgpu: true });
    expect(info!.optIn).toBeUndefined();
    expect(info!.settings).toContain('@tensorflow/tfjs-backend-webgpu 4.22.0');
    for (const w of WORKLOADS) {
      expect(contendersFor(w).map((c) => c.id), w.name).toContain('tfjs-webgpu');
      expect(info!.cannot(w), w.name).toBeUndefined();
    }
    expect(CONTENDERS.filter((c) => c.webgpu).map((c) => c.id)).toEqual(['tessera-webgpu-traced', 'tfjs-webgpu']);
  });

  it('labels software adapters the way both WebGPU contenders note them', () => {
    const swiftshader = { vendor: 'google', architecture: 'swiftshader', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver 5.0.0' };
    expect(adapterNote(swiftshader)).toBe(
      'software adapter (google swiftshader swiftshader-device-subzero- SwiftShader driver 5.0.0): not a GPU figure',
    );
    expect(adapterNote({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' })).toMatch(/^software adapter/);
    expect(adapterNote({ vendor: 'mesa', description: 'lavapipe' })).toMatch(/^software adapter/);
    expect(adapterNote({ vendor: 'x', isFallbackAdapter: true })).toBe('software adapter (x): not a GPU figure');
    expect(adapterNote({ vendor: 'x' }, true)).toBe('software adapter (x): not a GPU figure');
    expect(adapterNote({ vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H100' })).toBe('adapter: nvidia hopper NVIDIA H100');
    expect(adapterNote(undefined)).toBe('adapter: adapter not reported');
  });

  it('is unavailable, saying what is missing, where Dawn finds no adapter (and --swiftshader is not given)', { timeout: 120_000 }, async () => {
    expect(built).toBe(true);
    const results = await runBench({ workloads: [findWorkload('matmul-128')], contenders: ['tfjs-webgpu', 'tessera-webgpu-traced'], budgetMs: 100 });
    const outcomes = results.workloads[0].outcomes;
    expect(outcomes.map((o) => [o.contender, o.status])).toEqual([
      ['tessera-webgpu-traced', 'unavailable'],
      ['tfjs-webgpu', 'unavailable'],
    ]);
    const tfjs = outcomes.find((o) => o.contender === 'tfjs-webgpu')!;
    expect(tfjs.reason).toMatch(/^no WebGPU adapter here: navigator\.gpu \(the webgpu package, Dawn\) found none/);
    expect(tfjs.reason).toMatch(/Vulkan driver/);
    expect(tfjs.reason).toMatch(/--swiftshader/);
    expect(outcomes[0].reason).toMatch(/found no GPU adapter/);
  });
});

describe('--swiftshader', () => {
  it('runs both WebGPU contenders on SwiftShader, labelled software, and their outputs agree with tfjs-cpu', { timeout: 180_000 }, async () => {
    expect(built).toBe(true);
    const icd = findSwiftShaderIcd();
    if (icd === undefined) {
      throw new Error(
        "Chromium's SwiftShader Vulkan driver (vk_swiftshader_icd.json) was not found: install Chromium (apt-get install chromium), as CI does, to run this test",
      );
    }
    const lines: string[] = [];
    const results = await runBench({
      workloads: [findWorkload('matmul-128')],
      contenders: ['tfjs-cpu', 'tfjs-webgpu', 'tessera-webgpu-traced'],
      budgetMs: 100,
      swiftshader: true,
      log: (line) => lines.push(line),
    });
    expect(lines.find((l) => l.startsWith('--swiftshader:'))).toContain(`the WebGPU contenders run on SwiftShader (${icd})`);
    const outcomes = results.workloads[0].outcomes;
    expect(outcomes.map((o) => [o.contender, o.status, o.reason])).toEqual([
      ['tessera-webgpu-traced', 'ok', undefined],
      ['tfjs-cpu', 'ok', undefined],
      ['tfjs-webgpu', 'ok', undefined],
    ]);
    for (const o of outcomes) {
      const others = outcomes.map((x) => x.contender).filter((c) => c !== o.contender);
      expect(o.check, o.contender).toEqual({ ok: true, agreesWith: others });
    }
    for (const id of ['tfjs-webgpu', 'tessera-webgpu-traced']) {
      expect(outcomes.find((o) => o.contender === id)!.note, id).toMatch(/^software adapter \(.*swiftshader.*\): not a GPU figure$/i);
    }
    // Only the WebGPU contenders' children got SwiftShader: tfjs-cpu ran as before, with no adapter note.
    expect(outcomes.find((o) => o.contender === 'tfjs-cpu')!.note).toBeUndefined();
    expect(markdownReport(results)).toContain('software adapter, not a GPU');
  });
});
