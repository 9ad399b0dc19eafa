import { describe, expect, it } from 'vitest';
import { markdownReport, ratio, ratioRows, svgChart } from '../src/report.js';
import type { BenchResults, ContenderOutcome } from '../src/results.js';

const ok = (contender: string, median: number, extra: Partial<ContenderOutcome> = {}): ContenderOutcome => ({
  contender,
  status: 'ok',
  ms: { median, min: median * 0.9, max: median * 1.2, count: 5 },
  repetitions: [],
  interferedRepetitions: 0,
  peakRssBytes: 100 * 2 ** 20,
  ...extra,
});

const results: BenchResults = {
  date: '2026-11-23T06:00:00.000Z',
  machine: { cpu: 'Test CPU', cores: 2, memoryGiB: 8, node: 'v20.0.0', platform: 'linux x64' },
  simdPeak: { perThreadGflops: 40, threads: 2, allThreadsGflops: 80 },
  workloads: [
    {
      workload: 'matmul-256',
      title: 'matmul 256×256×256',
      kind: 'inference',
      flops: 2 * 256 ** 3,
      outcomes: [
        ok('tessera-wasm-1t-traced', 2, { gflops: 16.777216 }),
        { contender: 'tessera-wasm-2t-traced', status: 'unavailable', reason: 'no setThreads' },
        ok('ort-web-2t', 1.5, { ownCores: 1.84 }),
        ok('tfjs-wasm-1t', 3),
        ok('ort-web-1t', 1, { check: { ok: false, agreesWith: [], detail: 'disagrees with 2 of 2: ort-web-1t[0] = 1 but tfjs-wasm-1t gives 2' } }),
        { contender: 'jax-js-wasm', status: 'failed', reason: 'boom' },
      ],
    },
    {
      workload: 'gelu-chain',
      title: 'gelu(x·a+b) on 1M f32',
      kind: 'inference',
      outcomes: [ok('tessera-wasm-1t-traced', 4), ok('tfjs-wasm-1t', 28), ok('hand-fused', 2, { interferedRepetitions: 2, repetitions: [{} as any, {} as any, {} as any] })],
    },
  ],
};

describe('ratios', () => {
  it('divides the peer median by the subject median', () => {
    expect(ratio(ok('a', 2), ok('b', 5))).toBe(2.5);
    expect(ratio(ok('a', 2), { contender: 'b', status: 'unavailable', reason: 'x' })).toBeUndefined();
  });
  it('builds one row per workload the subject ran, one column per peer', () => {
    const rows = ratioRows(results, 'tessera-wasm-1t-traced');
    expect(rows.map((r) => r.workload)).toEqual(['matmul-256', 'gelu-chain']);
    expect([...rows[0].ratios]).toEqual([
      ['tfjs-wasm-1t', 1.5],
      ['ort-web-1t', 0.5],
      ['ort-web-2t', 0.75],
      ['jax-js-wasm', undefined],
      ['hand-fused', undefined],
    ]);
    expect(rows[1].ratios.get('tfjs-wasm-1t')).toBe(7);
    expect(rows[1].ratios.get('hand-fused')).toBe(0.5);
  });
});

describe('traced against eager', () => {
  it('adds the eager sibling of a traced contender as a column of its ratio table', () => {
    const withEager: BenchResults = {
      ...results,
      workloads: [{ ...results.workloads[1], outcomes: [ok('tessera-wasm-1t-eager', 12), ...results.workloads[1].outcomes] }],
    };
    const traced = ratioRows(withEager, 'tessera-wasm-1t-traced');
    expect(traced[0].ratios.get('tessera-wasm-1t-eager')).toBe(3);
    expect(ratioRows(withEager, 'tessera-wasm-1t-eager')[0].ratios.has('tessera-wasm-1t-traced')).toBe(false);
    expect(markdownReport(withEager)).toContain('| workload | Tessera wasm 1t eager | TF.js wasm 1t | hand-fused wasm SIMD |');
  });
});

describe('markdownReport', () => {
  const md = markdownReport(results);
  it('states the machine, the date and the SIMD peak', () => {
    expect(md).toContain('# Tessera bench, 2026-11-23 06:00 UTC');
    expect(md).toContain('Machine: Test CPU, 2 cores, 8 GiB, Node v20.0.0, linux x64.');
    expect(md).toContain('**40.0 GFLOP/s on 1 thread, 80.0 GFLOP/s on 2 threads**');
  });
  it('writes the ratio table of each Tessera contender that ran', () => {
    expect(md).toContain('### Tessera wasm 1t traced: peer time ÷ Tessera time');
    expect(md).toContain('| workload | TF.js wasm 1t | ORT Web wasm 1t | ORT Web wasm 2t | jax-js wasm | hand-fused wasm SIMD |');
    expect(md).toContain('| matmul-256 | 1.50× | 0.50× | 0.75× | — | — |');
    expect(md).toContain('| gelu-chain | 7.00× | — | — | — | 0.50× |');
    expect(md).not.toContain('### Tessera wasm 2t traced');
  });
  it('shows times, GFLOP/s as a share of the peak, interference and failed checks in the cells', () => {
    expect(md).toContain('2.00 ms [1.80–2.40]<br>16.8 GFLOP/s (42 % of peak)');
    expect(md).toContain('1.00 ms [0.900–1.20]<br>✗ output');
    expect(md).toContain('2.00 ms [1.80–2.40]<br>⚠ 2/3 shared');
    expect(md).toContain('1.50 ms [1.35–1.80]<br>used 1.8 cores');
  });
  it('lists why contenders did not run and which outputs disagreed', () => {
    expect(md).toContain('- **Tessera wasm 2t traced** unavailable: no setThreads (matmul-256)');
    expect(md).toContain('- **jax-js wasm** failed: boom (matmul-256)');
    expect(md).toContain('- matmul-256, **ORT Web wasm 1t**: disagrees with 2 of 2: ort-web-1t[0] = 1 but tfjs-wasm-1t gives 2');
  });
  it('tabulates peak memory in MiB', () => {
    const memory = md.slice(md.indexOf('## Peak memory'));
    const row = memory.match(/\| gelu-chain \|[^\n]*/)![0];
    expect(row.split('|').filter((c) => c.trim() === '100')).toHaveLength(3);
  });
  it('states what was measured when the run was labelled', () => {
    expect(markdownReport({ ...results, label: 'main at abc1234' })).toContain('Measured: main at abc1234.\n\nMachine: Test CPU');
    expect(md).not.toContain('Measured:');
  });
  it('labels a WebGPU row that ran on a software adapter', () => {
    const software: BenchResults = {
      ...results,
      workloads: [{ ...results.workloads[1], outcomes: [ok('tessera-webgpu-traced', 40, { note: 'software adapter (Google SwiftShader): not a GPU figure' })] }],
    };
    const text = markdownReport(software);
    expect(text).toContain('40.0 ms [36.0–48.0]<br>software adapter, not a GPU');
    expect(text).toContain('Ran: software adapter (Google SwiftShader): not a GPU figure');
  });
  it("gives a WebGPU contender's GFLOP/s without a share of the wasm SIMD peak, which does not bound a GPU", () => {
    const gpu: BenchResults = {
      ...results,
      workloads: [{ ...results.workloads[0], outcomes: [ok('tfjs-webgpu', 0.5, { gflops: 67.1, note: 'adapter: nvidia hopper NVIDIA H100' })] }],
    };
    const text = markdownReport(gpu);
    expect(text).toContain('0.500 ms [0.450–0.600]<br>67.1 GFLOP/s |');
    expect(text).not.toMatch(/67\.1 GFLOP\/s \(\d+ % of peak\)/);
    expect(text).toContain('Ran: adapter: nvidia hopper NVIDIA H100');
  });
  it('shows the CPU time per call from the repetitions', () => {
    const rep = (ownCores: number, msPerCall: number) => ({ wallMs: 100, calls: 1, ownCores, otherCores: 0, flagged: false, msPerCall });
    const cpu: BenchResults = {
      ...results,
      workloads: [{ ...results.workloads[1], outcomes: [ok('tfjs-wasm-1t', 10, { repetitions: [rep(0.5, 10), rep(1, 9), rep(0.8, 10)] })] }],
    };
    // CPU per call: 5, 9 and 8 ms; the median is 8.
    expect(markdownReport(cpu)).toContain('10.0 ms [9.00–12.0]<br>CPU 8.00 ms/call');
  });
  it('says so when no Tessera contender ran', () => {
    const peersOnly: BenchResults = { ...results, workloads: [{ ...results.workloads[0], outcomes: [ok('tfjs-wasm-1t', 3)] }] };
    expect(markdownReport(peersOnly)).toContain('No Tessera contender ran in this run');
  });
});

describe('svgChart', () => {
  it('draws one bar per contender that ran, the fastest at full length', () => {
    const svg = svgChart(results);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<rect x="200"/g)).toHaveLength(7);
    // The fastest bar of a workload spans the whole bar area (860 - 200 - 140 = 520 px), a 2× slower one half.
    expect(svg.match(/width="520\.0"/g)).toHaveLength(2);
    expect(svg.match(/width="260\.0"/g)).toHaveLength(2);
    expect(svg).toContain('matmul 256×256×256');
    expect(svg).toContain('1.00 ms ✗');
  });
});
