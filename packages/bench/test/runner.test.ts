import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { markdownReport } from '../src/report.js';
import { runBench } from '../src/runner.js';
import { findWorkload } from '../src/workloads.js';

// The runner spawns dist/child.js; the package's test script builds it first.
const built = existsSync(fileURLToPath(new URL('../dist/child.js', import.meta.url)));

describe('runBench end to end (child processes, real contenders)', () => {
  it('runs two contenders on the same gelu inputs, checks their outputs and times repetitions', { timeout: 120_000 }, async () => {
    expect(built).toBe(true);
    const results = await runBench({
      workloads: [findWorkload('gelu-chain')],
      contenders: ['tfjs-wasm-1t', 'hand-fused', 'ort-web-1t'],
      // Room for three repetitions even when a loaded CI machine stretches TF.js-wasm's gelu chain
      // (~25 ms a call when quiet): a repetition longer than the whole budget gets only two.
      budgetMs: 1500,
    });
    expect(results.simdPeak.perThreadGflops).toBeGreaterThan(0);
    const [gelu] = results.workloads;
    expect(gelu.outcomes.map((o) => [o.contender, o.status, o.reason])).toEqual([
      ['tfjs-wasm-1t', 'ok', undefined],
      ['ort-web-1t', 'ok', undefined],
      ['hand-fused', 'ok', undefined],
    ]);
    for (const o of gelu.outcomes) {
      expect(o.check).toEqual({ ok: true, agreesWith: gelu.outcomes.map((x) => x.contender).filter((c) => c !== o.contender) });
      expect(o.repetitions!.length).toBeGreaterThanOrEqual(3);
      expect(o.ms!.min).toBeLessThanOrEqual(o.ms!.median);
      expect(o.ms!.median).toBeLessThanOrEqual(o.ms!.max);
      for (const r of o.repetitions!) expect(r.msPerCall).toBeCloseTo(r.wallMs / r.calls, 9);
      // The input alone is 4 MiB; a process running it holds more than that.
      expect(o.peakRssBytes!).toBeGreaterThan(4 * 2 ** 20);
    }
    expect(markdownReport(results)).toContain('| gelu(x·a+b) on 1M f32 |');
  });

  it('with rounds, runs each contender that many times and keeps its round with the lowest median', { timeout: 120_000 }, async () => {
    const results = await runBench({ workloads: [findWorkload('matmul-128')], contenders: ['tfjs-wasm-1t', 'ort-node'], budgetMs: 300, rounds: 2 });
    expect(results.rounds).toBe(2);
    const outcomes = results.workloads[0].outcomes;
    expect(outcomes.map((o) => [o.contender, o.status])).toEqual([['tfjs-wasm-1t', 'ok'], ['ort-node', 'ok']]);
    for (const outcome of outcomes) {
      expect(outcome.roundMedians).toHaveLength(2);
      expect(outcome.ms!.median).toBe(Math.min(...outcome.roundMedians!));
      expect(outcome.check?.ok).toBe(true);
    }
    expect(markdownReport(results)).toContain('Best of 2 rounds');
  });

  it('reports a contender that cannot run as unavailable with its reason, without spawning it', { timeout: 60_000 }, async () => {
    const results = await runBench({ workloads: [findWorkload('mlp-train-sgd')], contenders: ['ort-node'], budgetMs: 100 });
    expect(results.workloads[0].outcomes).toEqual([
      {
        contender: 'ort-node',
        status: 'unavailable',
        reason: "onnxruntime-node runs inference only (training needs ONNX Runtime's separate training build)",
      },
    ]);
  });
});
