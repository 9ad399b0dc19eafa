// The page the headless-Chromium harness loads: the conformance suite on 'webgpu' through
// navigator.gpu, reported back to the harness with a POST.
import { getBackend, setBackend } from '@tessera/core';
import { checkCase, conformanceCases } from '@tessera/core/testing';
import '../../src/index.js';

export interface BrowserReport {
  readonly userAgent: string;
  readonly backend: string;
  readonly adapter: string;
  readonly total: number;
  readonly passed: number;
  readonly failures: readonly { readonly name: string; readonly message: string }[];
  readonly milliseconds: number;
  readonly error?: string;
}

async function main(): Promise<BrowserReport> {
  const started = performance.now();
  const failures: { name: string; message: string }[] = [];
  const backend = await setBackend('webgpu');
  const adapter = (backend as unknown as { context: { adapter: GPUAdapter } }).context.adapter.info;
  for (const c of conformanceCases) {
    try {
      await checkCase(c, 'webgpu');
    } catch (error) {
      failures.push({ name: c.name, message: (error as Error).message });
    }
  }
  return {
    userAgent: navigator.userAgent,
    backend: getBackend(),
    adapter: `${adapter.vendor} ${adapter.architecture} ${adapter.description}`.trim(),
    total: conformanceCases.length,
    passed: conformanceCases.length - failures.length,
    failures,
    milliseconds: performance.now() - started,
  };
}

const report = await main().catch((error: unknown) => ({ error: String((error as Error).stack ?? error) }));
await fetch('/report', { method: 'POST', body: JSON.stringify(report) });
