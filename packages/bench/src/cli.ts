/**
 * `pnpm bench [workload or group...] [--contenders=id,id] [--budget=ms] [--rounds=N] [--label="what was measured"] [--swiftshader]`
 * Writes results/<date>.json, .md and .svg (results/<date>-<names>.* for a partial run) and, after a
 * full run, results/latest.md and latest.svg. `--render=results/<file>.json` rewrites the .md and .svg
 * of a run already made (after a change to the report's format), measuring nothing. `--swiftshader`
 * runs the WebGPU contenders on Chromium's SwiftShader when the environment gives no adapter.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownReport, svgChart } from './report.js';
import type { BenchResults } from './results.js';
import { ensureDir, runBench } from './runner.js';
import { selectWorkloads } from './workloads.js';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const names = args.filter((a) => !a.startsWith('--'));
  const option = (key: string) => args.find((a) => a.startsWith(`--${key}=`))?.slice(key.length + 3);
  const render = option('render');
  if (render) {
    const results = JSON.parse(readFileSync(render, 'utf8')) as BenchResults;
    const stem = join(dirname(render), basename(render, '.json'));
    writeFileSync(`${stem}.md`, markdownReport(results));
    writeFileSync(`${stem}.svg`, svgChart(results));
    console.log(`rewrote ${stem}.md and ${stem}.svg`);
    return;
  }
  const workloads = selectWorkloads(names);
  const contenders = option('contenders')?.split(',');
  const budget = option('budget');
  const started = Date.now();
  const results = await runBench({
    workloads,
    contenders,
    // A run of named workloads is a quick look (under a minute per group); a full run takes its time.
    budgetMs: budget ? Number(budget) : names.length > 0 ? 1000 : 2500,
    label: option('label'),
    rounds: option('rounds') ? Number(option('rounds')) : undefined,
    swiftshader: args.includes('--swiftshader'),
    log: (line) => console.log(line),
  });
  const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
  ensureDir(dir);
  const full = names.length === 0 && !contenders;
  const stem = results.date.slice(0, 10) + (full ? '' : `-${[...names, ...(contenders ?? [])].join('-') || 'partial'}`);
  const markdown = markdownReport(results);
  const svg = svgChart(results);
  writeFileSync(join(dir, `${stem}.json`), JSON.stringify(results, null, 1) + '\n');
  writeFileSync(join(dir, `${stem}.md`), markdown);
  writeFileSync(join(dir, `${stem}.svg`), svg);
  if (full) {
    writeFileSync(join(dir, 'latest.md'), markdown.replace(`# Tessera bench`, `# Tessera bench (latest full run: ${stem}.json)`));
    writeFileSync(join(dir, 'latest.svg'), svg);
  }
  console.log(`\nwrote results/${stem}.{json,md,svg}${full ? ' and results/latest.{md,svg}' : ''} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
