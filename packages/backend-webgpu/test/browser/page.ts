// The page the headless-Chromium harness loads: the conformance suite on 'webgpu' through
// navigator.gpu, reported back to the harness with a POST.
import type { Tensor } from '@tessera/core';
import { getBackend, setBackend, tensor, variable } from '@tessera/core';
import { checkCase, conformanceCases } from '@tessera/core/testing';
import { cond, trace, whileLoop } from '@tessera/tracer';
import '../../src/index.js';
import type { WebGPUBackend } from '../../src/index.js';

export interface BrowserReport {
  readonly userAgent: string;
  readonly backend: string;
  readonly adapter: string;
  readonly total: number;
  readonly passed: number;
  readonly failures: readonly { readonly name: string; readonly message: string }[];
  readonly milliseconds: number;
  /** Traced functions in the page: compiled (captured, replayed) and prepared ahead with warmup. */
  readonly traced: { readonly checks: number; readonly failures: readonly string[]; readonly warmBindGroups: number; readonly warmDispatches: number; readonly pipelinesPrepared: number };
  readonly error?: string;
}

/**
 * A traced step with a matMul epilogue, a fused region, a reduction, a device-side cond, a
 * whileLoop with maximumIterations and a variable update, called five times with new inputs: each
 * call must equal the same ops run eagerly (the branch and the loop count computed from read values).
 */
async function tracedChecks(backend: WebGPUBackend): Promise<BrowserReport['traced']> {
  const failures: string[] = [];
  let checks = 0;
  const w = tensor([[0.5, -1, 2], [1.5, 0.25, -0.75]]);
  const counter = variable(tensor([0, 0, 0]));
  const body = (x: Tensor) => {
    const h = x.matMul(w).add(tensor([0.1, -0.2, 0.3])).relu();
    const total = h.square().sum();
    const picked = cond(total.greater(4), () => h.mul(0.5), () => h.add(1));
    const [halved] = whileLoop((v: Tensor) => v.abs().max().greater(1), (v: Tensor) => [v.mul(0.5)], [picked], { maximumIterations: 30 });
    counter.assignAdd(h.sum(0));
    return [halved, total];
  };
  const f = trace(body);
  const first = tensor([[1, 2], [3, -1]]);
  await f.warmup(first);
  const prepared = backend.stats().pipelinesPrepared;
  let warmBindGroups = -1;
  let warmDispatches = -1;
  const expectedCounter = [0, 0, 0];
  for (let call = 0; call < 5; call++) {
    const x = call === 0 ? first : tensor([[call, 2 - call], [0.5 * call, -1]]);
    const before = backend.stats();
    const [halved, total] = f(x);
    if (call === 4) {
      warmBindGroups = backend.stats().bindGroups - before.bindGroups;
      warmDispatches = backend.stats().dispatches - before.dispatches;
    }
    // The same computation eagerly, branching on read values.
    const h = x.matMul(w).add(tensor([0.1, -0.2, 0.3])).relu();
    const eagerTotal = (await h.square().sum().data())[0];
    let v = Array.from(await (eagerTotal > 4 ? h.mul(0.5) : h.add(1)).data());
    for (let k = 0; k < 30 && Math.max(...v.map(Math.abs)) > 1; k++) v = v.map((e) => e * 0.5);
    const rows = Array.from(await h.sum(0).data());
    rows.forEach((r, i) => (expectedCounter[i] += r));
    const got = Array.from(await halved.data());
    const gotTotal = (await total.data())[0];
    checks++;
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-5 + 1e-5 * Math.abs(b);
    if (!close(gotTotal, eagerTotal) || got.some((g, i) => !close(g, v[i]))) {
      failures.push(`call ${call}: traced ${JSON.stringify([got, gotTotal])}, eager ${JSON.stringify([v, eagerTotal])}`);
    }
    for (const t of [x, halved, total, h]) t.dispose();
  }
  const counted = Array.from(await counter.data());
  checks++;
  if (counted.some((c, i) => Math.abs(c - expectedCounter[i]) > 1e-4)) failures.push(`variable: ${JSON.stringify(counted)} vs ${JSON.stringify(expectedCounter)}`);
  f.dispose();
  w.dispose();
  counter.dispose();
  return { checks, failures, warmBindGroups, warmDispatches, pipelinesPrepared: prepared };
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
  const traced = await tracedChecks(backend as WebGPUBackend);
  return {
    traced,
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
