import { CONTENDERS } from './contenders/catalogue.js';
import type { BenchResults, ContenderOutcome, WorkloadResults } from './results.js';
import { median } from './stats.js';

/** Markdown and SVG views of a run's results. */

const label = (id: string) => CONTENDERS.find((c) => c.id === id)?.label ?? id;
const isSubject = (id: string) => CONTENDERS.find((c) => c.id === id)?.subject ?? false;
const threadsOf = (id: string) => CONTENDERS.find((c) => c.id === id)?.threads ?? 1;
const isWebGpu = (id: string) => CONTENDERS.find((c) => c.id === id)?.webgpu ?? false;

function fmtMs(ms: number): string {
  if (ms >= 100) return ms.toFixed(0);
  if (ms >= 10) return ms.toFixed(1);
  if (ms >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/**
 * CPU time of the contender's process per call (median over repetitions): what a call cost in
 * processor time, which a loaded machine stretches much less than wall time.
 */
export function cpuMsPerCall(o: ContenderOutcome): number | undefined {
  const reps = (o.repetitions ?? []).filter((r) => r && typeof r.ownCores === 'number' && typeof r.msPerCall === 'number');
  if (reps.length === 0) return undefined;
  return median(reps.map((r) => r.ownCores * r.msPerCall));
}

/** peer median / subject median: above 1 means the subject is faster. Undefined when either did not run. */
export function ratio(subject: ContenderOutcome | undefined, peer: ContenderOutcome | undefined): number | undefined {
  if (!subject?.ms || !peer?.ms || subject.status !== 'ok' || peer.status !== 'ok') return undefined;
  return peer.ms.median / subject.ms.median;
}

export function contenderIds(results: BenchResults): string[] {
  const seen = new Set<string>();
  for (const w of results.workloads) for (const o of w.outcomes) seen.add(o.contender);
  return CONTENDERS.map((c) => c.id).filter((id) => seen.has(id));
}

/**
 * Rows of ratios of one subject to every peer, one row per workload the subject ran. A traced
 * Tessera contender is also compared with its eager sibling (same backend and threads).
 */
export function ratioRows(results: BenchResults, subject: string): { workload: string; ratios: Map<string, number | undefined> }[] {
  const ids = contenderIds(results);
  const eagerSibling = subject.endsWith('-traced') ? subject.replace(/-traced$/, '-eager') : undefined;
  const peers = ids.filter((id) => id !== subject && (!isSubject(id) || id === eagerSibling));
  const rows = [];
  for (const w of results.workloads) {
    const mine = w.outcomes.find((o) => o.contender === subject);
    if (mine?.status !== 'ok') continue;
    const ratios = new Map<string, number | undefined>();
    for (const peer of peers) ratios.set(peer, ratio(mine, w.outcomes.find((o) => o.contender === peer)));
    rows.push({ workload: w.workload, ratios });
  }
  return rows;
}

function cell(w: WorkloadResults, o: ContenderOutcome | undefined, results: BenchResults): string {
  if (!o) return '—';
  if (o.status !== 'ok') return o.status === 'unavailable' ? 'unavailable¹' : 'failed¹';
  const ms = o.ms!;
  let text = `${fmtMs(ms.median)} ms [${fmtMs(ms.min)}–${fmtMs(ms.max)}]`;
  if (o.gflops !== undefined && isWebGpu(o.contender)) {
    text += `<br>${o.gflops.toFixed(1)} GFLOP/s`;
  } else if (o.gflops !== undefined) {
    const peak = threadsOf(o.contender) > 1 ? results.simdPeak.allThreadsGflops : results.simdPeak.perThreadGflops;
    text += `<br>${o.gflops.toFixed(1)} GFLOP/s (${Math.round((100 * o.gflops) / peak)} % of peak)`;
  }
  const cpu = cpuMsPerCall(o);
  if (cpu !== undefined) text += `<br>CPU ${fmtMs(cpu)} ms/call`;
  if (threadsOf(o.contender) > 1 && o.ownCores !== undefined) text += `<br>used ${o.ownCores.toFixed(1)} cores`;
  if (o.interferedRepetitions) text += `<br>⚠ ${o.interferedRepetitions}/${o.repetitions!.length} shared`;
  if (o.check && !o.check.ok) text += '<br>✗ output';
  if (o.note?.startsWith('software adapter')) text += '<br>software adapter, not a GPU';
  return text;
}

function machineLine(results: BenchResults): string {
  const m = results.machine;
  return `${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`;
}

export function markdownReport(results: BenchResults): string {
  const ids = contenderIds(results);
  const lines: string[] = [];
  const p = results.simdPeak;
  lines.push(`# Tessera bench, ${results.date.slice(0, 16).replace('T', ' ')} UTC`, '');
  if (results.label) lines.push(`Measured: ${results.label}.`, '');
  lines.push(`Machine: ${machineLine(results)}.`);
  lines.push(`WASM SIMD f32x4 mul+add peak: **${p.perThreadGflops.toFixed(1)} GFLOP/s on 1 thread, ${p.allThreadsGflops.toFixed(1)} GFLOP/s on ${p.threads} threads**.`, '');
  lines.push(
    'Each cell: median wall time of one call [fastest–slowest repetition], each contender in its own Node process on the same inputs, after warm-up. ' +
      'GFLOP/s are shown as a share of the SIMD peak above (the 1-thread peak for 1-thread contenders, the all-threads peak otherwise). ' +
      '"CPU n ms/call": the processor time the contender\'s process spent per call (all its threads), which other processes inflate far less than wall time. ' +
      '"used n cores" (multi-threaded contenders): the CPU time of its process per second of wall time, which shows whether its threads really ran. ' +
      'Native code (ORT Node) is not bound by the wasm peak: it uses AVX2/FMA. A WebGPU contender\'s GFLOP/s have no share: its adapter is not bound by it. ' +
      '"⚠ n/m shared": n of m repetitions ran while other processes kept more than a quarter of a core busy. ' +
      '"✗ output": the output disagreed with the other contenders (details below).' +
      (results.rounds !== undefined && results.rounds > 1
        ? ` Best of ${results.rounds} rounds: every contender ran ${results.rounds} times per workload, the contenders taking turns, and each cell is its round with the lowest median (every round's median is in the JSON).`
        : ''),
    '',
  );
  lines.push('## Ratios to each peer', '');
  const subjects = ids.filter((id) => isSubject(id) && results.workloads.some((w) => w.outcomes.some((o) => o.contender === id && o.status === 'ok')));
  if (subjects.length === 0) {
    lines.push('No Tessera contender ran in this run (see "Unavailable and failed" below), so there are no ratios yet.', '');
  }
  for (const subject of subjects) {
    const rows = ratioRows(results, subject);
    const peers = [...(rows[0]?.ratios.keys() ?? [])];
    lines.push(`### ${label(subject)}: peer time ÷ Tessera time (above 1× means Tessera is faster)`, '');
    lines.push(`| workload | ${peers.map(label).join(' | ')} |`, `| --- | ${peers.map(() => '---:').join(' | ')} |`);
    for (const row of rows) {
      lines.push(`| ${row.workload} | ${peers.map((peer) => { const r = row.ratios.get(peer); return r === undefined ? '—' : `${r.toFixed(2)}×`; }).join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push('## Times', '');
  lines.push(`| workload | ${ids.map(label).join(' | ')} |`, `| --- | ${ids.map(() => '---:').join(' | ')} |`);
  for (const w of results.workloads) {
    lines.push(`| ${w.title} | ${ids.map((id) => cell(w, w.outcomes.find((o) => o.contender === id), results)).join(' | ')} |`);
  }
  lines.push('', '## Peak memory (resident set of the contender\'s process, MiB)', '');
  lines.push(`| workload | ${ids.map(label).join(' | ')} |`, `| --- | ${ids.map(() => '---:').join(' | ')} |`);
  for (const w of results.workloads) {
    const cells = ids.map((id) => {
      const o = w.outcomes.find((x) => x.contender === id);
      return o?.peakRssBytes ? (o.peakRssBytes / 2 ** 20).toFixed(0) : '—';
    });
    lines.push(`| ${w.workload} | ${cells.join(' | ')} |`);
  }
  lines.push('', '## ¹ Unavailable and failed', '');
  const reasons = new Map<string, string[]>();
  for (const w of results.workloads) {
    for (const o of w.outcomes) {
      if (o.status === 'ok') continue;
      const key = `**${label(o.contender)}** ${o.status}: ${o.reason}`;
      reasons.set(key, [...(reasons.get(key) ?? []), w.workload]);
    }
  }
  if (reasons.size === 0) lines.push('Every contender ran every workload it was asked to.');
  for (const [key, workloads] of reasons) lines.push(`- ${key} (${workloads.join(', ')})`);
  lines.push('', '## Output checks', '');
  let mismatches = 0;
  for (const w of results.workloads) {
    for (const o of w.outcomes) {
      if (o.check && !o.check.ok) {
        mismatches++;
        lines.push(`- ${w.workload}, **${label(o.contender)}**: ${o.check.detail}`);
      }
    }
  }
  if (mismatches === 0) lines.push('Every contender that ran agreed with the others within each workload\'s tolerance.');
  lines.push('', '## Contenders and their settings', '');
  for (const id of ids) {
    const info = CONTENDERS.find((c) => c.id === id)!;
    const notes = new Set(results.workloads.flatMap((w) => w.outcomes.filter((o) => o.contender === id && o.note).map((o) => o.note!)));
    lines.push(`- **${info.label}**: ${info.settings}${notes.size ? `. Ran: ${[...notes].join('; ')}` : ''}`);
  }
  lines.push('');
  return lines.join('\n');
}

const FAMILY_COLOURS: Record<string, string> = {
  tessera: '#d9480f',
  'tessera-keras': '#e8590c',
  tfjs: '#f59f00',
  'ort-web': '#1c7ed6',
  'ort-node': '#364fc7',
  jax: '#2f9e44',
  'hand-fused': '#868e96',
};

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Bars of speed relative to the fastest contender of each workload (1 = fastest). */
export function svgChart(results: BenchResults): string {
  const width = 860;
  const labelWidth = 200;
  const barMax = width - labelWidth - 140;
  const rowHeight = 16;
  const parts: string[] = [];
  let y = 40;
  for (const w of results.workloads) {
    const ran = w.outcomes.filter((o) => o.status === 'ok' && o.ms);
    if (ran.length === 0) continue;
    const fastest = Math.min(...ran.map((o) => o.ms!.median));
    parts.push(`<text x="10" y="${y + 12}" font-weight="bold">${escapeXml(w.title)}</text>`);
    y += 20;
    for (const o of ran) {
      const info = CONTENDERS.find((c) => c.id === o.contender);
      const speed = fastest / o.ms!.median;
      const length = Math.max(1, speed * barMax);
      const colour = FAMILY_COLOURS[info?.family ?? ''] ?? '#495057';
      parts.push(
        `<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end">${escapeXml(label(o.contender))}</text>`,
        `<rect x="${labelWidth}" y="${y + 2}" width="${length.toFixed(1)}" height="${rowHeight - 4}" fill="${colour}"/>`,
        `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 12}">${fmtMs(o.ms!.median)} ms${o.check && !o.check.ok ? ' ✗' : ''}${o.interferedRepetitions ? ' ⚠' : ''}</text>`,
      );
      y += rowHeight;
    }
    y += 10;
  }
  const title = `Tessera bench ${results.date.slice(0, 10)}: speed relative to the fastest contender per workload (longer is faster)`;
  const subtitle = `${machineLine(results)}; SIMD peak ${results.simdPeak.perThreadGflops.toFixed(1)} GFLOP/s per thread`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y + 10}" viewBox="0 0 ${width} ${y + 10}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="16" font-size="13" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="10" y="31">${escapeXml(subtitle)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
