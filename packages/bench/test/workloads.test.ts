import { describe, expect, it } from 'vitest';
import { contendersFor } from '../src/contenders/catalogue.js';
import { hwioToOihw, nchwToNhwc, nhwcToNchw, oihwToHwio } from '../src/contenders/types.js';
import { SeededRandom } from '../src/prng.js';
import { findWorkload, selectWorkloads, WORKLOADS } from '../src/workloads.js';

describe('workload selection', () => {
  it('picks by group or by name, in the bench order', () => {
    expect(selectWorkloads(['matmul']).map((w) => w.name)).toEqual(['matmul-128', 'matmul-256', 'matmul-512', 'matmul-1024']);
    expect(selectWorkloads(['lstm', 'matmul-512']).map((w) => w.name)).toEqual(['matmul-512', 'lstm']);
    expect(selectWorkloads([])).toHaveLength(WORKLOADS.length);
  });
  it('names the unknown workload and lists the known ones', () => {
    expect(() => selectWorkloads(['matmull'])).toThrow(/unknown workload "matmull"; known: matmul, matmul-128/);
  });
  it('generates the same bytes from the same seed every time', () => {
    const a = findWorkload('conv2d').generate();
    const b = findWorkload('conv2d').generate();
    expect(a.x.data).toEqual(b.x.data);
    expect(a.w.shape).toEqual([3, 3, 64, 64]);
    expect(new SeededRandom(7).uniform(3)).toEqual(new SeededRandom(7).uniform(3));
    expect(new SeededRandom(7).uniform(3)).not.toEqual(new SeededRandom(8).uniform(3));
  });
  it('makes one-hot labels for the training workloads', () => {
    const { y } = findWorkload('mlp-train-sgd').generate();
    for (let r = 0; r < 128; r++) expect(y.data.slice(r * 10, r * 10 + 10).reduce((s, v) => s + v, 0)).toBe(1);
  });
});

describe('contenders per workload', () => {
  it('lists the hand-fused baseline only for the gelu chain and opt-in contenders only when named', () => {
    const gelu = contendersFor(findWorkload('gelu-chain')).map((c) => c.id);
    expect(gelu).toContain('hand-fused');
    expect(gelu).not.toContain('tessera-reference-eager');
    expect(contendersFor(findWorkload('matmul-128')).map((c) => c.id)).not.toContain('hand-fused');
    expect(contendersFor(findWorkload('matmul-128'), ['tessera-reference-eager', 'ort-node']).map((c) => c.id)).toEqual([
      'tessera-reference-eager',
      'ort-node',
    ]);
  });
  it('lists the Tessera Keras contenders for the model workloads only', () => {
    const has = (name: string) => contendersFor(findWorkload(name)).some((c) => c.id === 'tessera-keras-wasm-1t');
    expect(WORKLOADS.filter((w) => has(w.name)).map((w) => w.name)).toEqual([
      'mlp-predict-b1',
      'mlp-predict-b128',
      'mlp-train-sgd',
      'mlp-train-adam',
      'cnn-train',
      'lstm',
    ]);
  });
  it('marks ONNX Runtime as unable to train, without spawning it', () => {
    const ort = contendersFor(findWorkload('mlp-train-adam')).find((c) => c.id === 'ort-web-1t')!;
    expect(ort.cannot(findWorkload('mlp-train-adam'))).toMatch(/runs inference only/);
    expect(ort.cannot(findWorkload('matmul-128'))).toBeUndefined();
  });
});

describe('layout conversions', () => {
  it('NHWC ↔ NCHW and HWIO ↔ OIHW are inverse permutations', () => {
    const data = new SeededRandom(1).uniform(2 * 3 * 4 * 5);
    const nchw = nhwcToNchw(data, [2, 3, 4, 5]);
    // Element (n=1, h=2, w=3, c=4) of NHWC lands at (n=1, c=4, h=2, w=3) of NCHW.
    expect(nchw[((1 * 5 + 4) * 3 + 2) * 4 + 3]).toBe(data[((1 * 3 + 2) * 4 + 3) * 5 + 4]);
    expect(nchwToNhwc(nchw, [2, 5, 3, 4])).toEqual(data);
    expect(oihwToHwio(hwioToOihw(data, [2, 3, 4, 5]), [5, 4, 2, 3])).toEqual(data);
  });
});
