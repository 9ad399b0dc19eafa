import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crossCheck } from './check.js';
import type { ChildJob, ChildResult } from './child.js';
import { contendersFor } from './contenders/catalogue.js';
import { readFloats, writeInputs } from './inputs-io.js';
import { DEFAULT_INTERFERENCE_THRESHOLD } from './interference.js';
import { machineInfo } from './machine.js';
import type { BenchResults, ContenderOutcome, WorkloadResults } from './results.js';
import { median, summarize } from './stats.js';
import { findSwiftShaderIcd, swiftShaderEnv } from './swiftshader.js';
import { measureSimdPeak } from './wasm/peak.js';
import type { Workload } from './workloads.js';

export interface RunOptions {
  workloads: readonly Workload[];
  /** Timing budget of one contender on one workload, ms. */
  budgetMs?: number;
  /**
   * `--rounds=N`: every contender runs N times per workload, the contenders taking turns, and its cell
   * is the round with the lowest median (each round's median kept in the JSON). On a shared machine
   * whose load comes and goes, a burst then spoils one round of one contender instead of its cell.
   */
  rounds?: number;
  /** A contender that has not finished in this time is stopped and reported as failed, ms. */
  childTimeoutMs?: number;
  /** Only these contender ids (all when undefined). */
  contenders?: readonly string[];
  label?: string;
  log?: (line: string) => void;
  /**
   * `--swiftshader`: when the environment gives Dawn no adapter, the WebGPU contenders' child processes
   * (only theirs) get Chromium's SwiftShader as their Vulkan driver. Their cells then say "software
   * adapter, not a GPU". Without it, they run on whatever the environment provides, or are unavailable.
   */
  swiftshader?: boolean;
}

/** The child's entry: beside this module in dist; from the sources (the tests), the built one. */
const CHILD = [join(dirname(fileURLToPath(import.meta.url)), 'child.js'), fileURLToPath(new URL('../dist/child.js', import.meta.url))].find(
  (path) => existsSync(path),
) ?? 'dist/child.js (not built: run the package build first)';

function runChild(job: ChildJob, jobPath: string, timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<ChildResult> {
  writeFileSync(jobPath, JSON.stringify(job));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, jobPath], { stdio: ['ignore', 'ignore', 'pipe'], ...(env ? { env } : {}) });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (existsSync(job.resultPath)) {
        resolve(JSON.parse(readFileSync(job.resultPath, 'utf8')) as ChildResult);
      } else if (signal === 'SIGKILL') {
        resolve({ status: 'failed', reason: `did not finish within ${Math.round(timeoutMs / 1000)} s` });
      } else {
        const last = stderr.trim().split('\n').slice(-1)[0] ?? '';
        resolve({ status: 'failed', reason: `child exited with ${signal ?? code}: ${last}`.slice(0, 300) });
      }
    });
  });
}

/** The adapter Dawn finds in a child process started with `env` (its note), or null with why. */
export function probeWebGpu(env: NodeJS.ProcessEnv = process.env, timeoutMs = 60_000): Promise<{ adapter: string | null; reason?: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CHILD, '--probe-webgpu'], { stdio: ['ignore', 'pipe', 'ignore'], env });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as { adapter: string | null; reason?: string });
      } catch {
        resolve({ adapter: null, reason: `the WebGPU probe exited with ${signal ?? code} and printed ${JSON.stringify(line.slice(0, 100))}` });
      }
    });
  });
}

/**
 * The environment of the WebGPU contenders' children under --swiftshader: unchanged when it already
 * gives an adapter (a GPU driver, or a software one someone chose), else SwiftShader's.
 */
async function webgpuEnvironment(runtimeDir: string, log: (line: string) => void): Promise<NodeJS.ProcessEnv | undefined> {
  const here = await probeWebGpu();
  if (here.adapter !== null) {
    log(`--swiftshader: the environment already gives a WebGPU adapter, which the WebGPU contenders use (${here.adapter})`);
    return undefined;
  }
  const icd = findSwiftShaderIcd();
  if (icd === undefined) {
    log("--swiftshader: no WebGPU adapter here and Chromium's SwiftShader was not found (apt-get install chromium); the WebGPU contenders run without one");
    return undefined;
  }
  const env = swiftShaderEnv(icd, runtimeDir);
  const probe = await probeWebGpu(env);
  log(`--swiftshader: the WebGPU contenders run on SwiftShader (${icd}): ${probe.adapter ?? `but Dawn found no adapter with it (${probe.reason ?? 'no reason given'})`}`);
  return env;
}

export async function runBench(options: RunOptions): Promise<BenchResults> {
  const log = options.log ?? (() => undefined);
  const budgetMs = options.budgetMs ?? 2500;
  const rounds = Math.max(1, Math.floor(options.rounds ?? 1));
  const childTimeoutMs = options.childTimeoutMs ?? 120_000;
  const work = mkdtempSync(join(os.tmpdir(), 'tessera-bench-'));
  const started = new Date();
  log('measuring the WASM SIMD peak...');
  const peak = await measureSimdPeak(Math.min(2, os.cpus().length));
  log(`  ${peak.perThreadGflops.toFixed(1)} GFLOP/s on 1 thread, ${peak.allThreadsGflops.toFixed(1)} on ${peak.threads}`);
  const workloads: WorkloadResults[] = [];
  try {
    const anyWebGpu = options.workloads.some((w) => contendersFor(w, options.contenders).some((c) => c.webgpu && !c.cannot(w)));
    const webgpuEnv = options.swiftshader && anyWebGpu ? await webgpuEnvironment(work, log) : undefined;
    for (const workload of options.workloads) {
      log(`${workload.name}: ${workload.title}`);
      const dir = join(work, workload.name);
      writeInputs(join(dir, 'inputs'), workload.generate());
      const outputs = new Map<string, Float32Array>();
      const contenders = contendersFor(workload, options.contenders);
      /** Each contender's best round so far (or why it could not run), and every round's median. */
      const best = new Map<string, ContenderOutcome>();
      const roundMedians = new Map<string, number[]>();
      for (let round = 0; round < rounds; round++) for (const info of contenders) {
        const cannot = info.cannot(workload);
        if (cannot) {
          best.set(info.id, { contender: info.id, status: 'unavailable', reason: cannot });
          continue;
        }
        const earlier = best.get(info.id);
        // A contender that failed (rather than ran slowly) is not run again.
        if (earlier !== undefined && earlier.status !== 'ok') continue;
        const job: ChildJob = {
          contender: info.id,
          workload: workload.name,
          inputsDir: join(dir, 'inputs'),
          resultPath: join(dir, `${info.id}.result.json`),
          outputPath: join(dir, `${info.id}.output.f32`),
          budgetMs,
          interferenceThreshold: DEFAULT_INTERFERENCE_THRESHOLD,
        };
        const result = await runChild(job, join(dir, `${info.id}.job.json`), childTimeoutMs, info.webgpu ? webgpuEnv : undefined);
        if (result.status !== 'ok') {
          if (earlier === undefined) best.set(info.id, { contender: info.id, status: result.status, reason: result.reason });
          log(`  ${info.id}: ${result.status}: ${result.reason}`);
          continue;
        }
        const times = result.repetitions.map((r) => r.msPerCall);
        const clean = result.repetitions.filter((r) => !r.flagged).map((r) => r.msPerCall);
        const ms = summarize(times);
        const outcome: ContenderOutcome = {
          contender: info.id,
          status: 'ok',
          ms,
          ...(clean.length > 0 ? { cleanMs: summarize(clean) } : {}),
          interferedRepetitions: result.repetitions.length - clean.length,
          ownCores: median(result.repetitions.map((r) => r.ownCores)),
          repetitions: result.repetitions,
          peakRssBytes: result.peakRssBytes,
          peakHeapBytes: result.peakHeapBytes,
          setupMs: result.setupMs,
          ...(result.note ? { note: result.note } : {}),
        };
        if (workload.flops) outcome.gflops = workload.flops / ms.median / 1e6;
        const medians = roundMedians.get(info.id) ?? [];
        roundMedians.set(info.id, [...medians, ms.median]);
        if (earlier === undefined || ms.median < earlier.ms!.median) {
          best.set(info.id, outcome);
          outputs.set(info.id, readFloats(job.outputPath));
        }
        log(`  ${info.id}${rounds > 1 ? ` (round ${round + 1})` : ''}: ${ms.median.toFixed(3)} ms [${ms.min.toFixed(3)}–${ms.max.toFixed(3)}]` +
          (outcome.interferedRepetitions ? `, ${outcome.interferedRepetitions}/${times.length} repetitions shared the CPU` : ''));
      }
      const outcomes = contenders.map((info) => {
        const outcome = best.get(info.id)!;
        const medians = roundMedians.get(info.id);
        return rounds > 1 && medians !== undefined ? { ...outcome, roundMedians: medians } : outcome;
      });
      const verdicts = crossCheck(outputs, workload.tolerance);
      for (const outcome of outcomes) {
        const verdict = verdicts.get(outcome.contender);
        if (outcome.status === 'ok' && verdict) {
          outcome.check = verdict;
          if (!verdict.ok) log(`  ${outcome.contender}: output check FAILED: ${verdict.detail}`);
        }
      }
      workloads.push({ workload: workload.name, title: workload.title, kind: workload.kind, flops: workload.flops, outcomes });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return {
    date: started.toISOString(),
    ...(options.label ? { label: options.label } : {}),
    ...(rounds > 1 ? { rounds } : {}),
    machine: machineInfo(),
    simdPeak: peak,
    workloads,
  };
}

export function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true });
}
