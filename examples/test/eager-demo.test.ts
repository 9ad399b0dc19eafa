import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// Runs the demo the way `npm run demo` does and checks every number it prints against plain JS.
let lines: string[] = [];
beforeAll(() => {
  const demo = fileURLToPath(new URL('../eager-demo.mjs', import.meta.url));
  lines = execFileSync(process.execPath, [demo], { encoding: 'utf8' }).split('\n');
});

function printed(label: string): number[] {
  const line = lines.find((l) => l.startsWith(`${label} `));
  if (line === undefined) throw new Error(`the demo printed no line starting with "${label}"`);
  const values = line.slice(label.length).trim().replace(/^shape \[[\d,]*\]\s+/, '');
  return [JSON.parse(values)].flat(2);
}

const x = [[1, 2, 3], [4, 5, 6]];
const bias = [0.5, -0.5, 1];
const w = [0.1, 0.2, 0.3];

describe('examples/eager-demo.mjs', () => {
  it('runs on the default backend, wasm', () => {
    expect(lines[0]).toBe('backend: wasm');
  });

  it('broadcasts a [3] bias and a scalar over a [2,3] tensor', () => {
    expect(printed('(x + bias) * 2')).toEqual(x.flatMap((row) => row.map((v, j) => (v + bias[j]) * 2)));
  });

  it('computes a numerically stable Σ exp per row', () => {
    const expected = x.map((row) => row.reduce((s, v) => s + Math.exp(v - Math.max(...row)), 0));
    printed('Σ exp(x - max(x)) per row').forEach((v, i) => expect(v).toBeCloseTo(expected[i], 3));
  });

  it('prints gradients that match the closed forms', () => {
    expect(printed('grad(Σ x²) = 2x')).toEqual(x.flat().map((v) => 2 * v));
    const e = x.map((row) => row.map((v, j) => Math.exp(v * w[j] + bias[j])));
    const loss = e.flat().reduce((s, v) => s + v, 0);
    expect(printed('loss = Σ exp(x·w + bias)')[0]).toBeCloseTo(loss, 3);
    const dw = w.map((_, j) => x.reduce((s, row, i) => s + row[j] * e[i][j], 0));
    const dbias = w.map((_, j) => e.reduce((s, row) => s + row[j], 0));
    printed('d loss / d w').forEach((v, j) => expect(v).toBeCloseTo(dw[j], 3));
    printed('d loss / d bias').forEach((v, j) => expect(v).toBeCloseTo(dbias[j], 3));
  });

  it('frees everything: tidy keeps only its results, and the end state is empty', () => {
    expect(lines).toContain('memory: 2 tensors before tidy, 4 after (only the 2 results survive)');
    expect(lines).toContain('memory after disposing what is left: 0 tensors, 0 bytes');
  });
});
