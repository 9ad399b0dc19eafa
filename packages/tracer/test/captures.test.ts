// An outer eager tensor used inside a traced function: read into a constant where the backend reads
// synchronously, captured by reference (a graph input bound at call time, as TensorFlow captures)
// where it cannot, as on WebGPU. Either way the traced function equals the eager one, survives the
// user disposing the tensor, and leaves nothing behind after dispose().
import type { Tensor } from '@tessera/core';
import { DisposedError, GradientTape, engine, memory, setBackend, tensor, tidy, variable } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { trace } from '../src/index.js';
import { registerAsyncOnlyBackend } from './async-only-backend.js';

/** Live tensors and the active backend's storage buffers. */
function usage(): { tensors: number; buffers: number } {
  return { tensors: memory().numTensors, buffers: engine.backend.memory().numDataBuffers };
}

describe.each([
  ['reference', registerReferenceBackend, false],
  ['async-only', registerAsyncOnlyBackend, true],
] as const)('trace on the %s backend: an outer tensor', (_name, register, byReference) => {
  it('gives the eager result, before and after the user disposes the tensor, and nothing leaks after dispose()', async () => {
    await setBackend(register());
    const before = usage();
    const scale = tensor([2, 3, 4]);
    const fn = (x: Tensor) => x.mul(scale).add(1);
    const x = tensor([1, -1, 0.5]);
    const eager = tidy(() => fn(x));
    const f = trace(fn);
    const first = f(x);
    expect(Array.from(await first.data())).toEqual(Array.from(await eager.data()));
    scale.dispose();
    const ones = tensor([1, 1, 1]);
    const second = f(ones);
    expect(Array.from(await second.data())).toEqual([3, 4, 5]);
    expect(f.traceCount).toBe(1);
    const concrete = f.concreteFunctions[0];
    expect(concrete.capturedInputs).toHaveLength(byReference ? 1 : 0);
    expect(concrete.graph.inputs).toHaveLength(byReference ? 2 : 1);
    expect(concrete.toString()).toMatch(byReference ? /\(args\[0\]: float32\[3\], captured\[0\]: float32\[3\]\)/ : /constant\(\) \{value: \[2, 3, 4\]\}/);
    for (const t of [x, ones, eager, first, second]) t.dispose();
    // Until dispose() the graph holds its own reference to a tensor it captured (and its uploaded
    // constants); then everything is released.
    if (byReference) expect(memory().numTensors).toBe(before.tensors + 1);
    f.dispose();
    expect(usage()).toEqual(before);
  });

  it('is captured once however often it is used, and a traced call inside tidy does not release it', async () => {
    await setBackend(register());
    const before = usage();
    const c = tensor([1, 2]);
    const f = trace((x: Tensor) => x.add(c).mul(c));
    const y = tidy(() => f(tensor([1, 1])));
    const z = tidy(() => f(tensor([0, 1])));
    c.dispose();
    expect(Array.from(await y.data())).toEqual([2, 6]);
    expect(Array.from(await z.data())).toEqual([1, 6]);
    expect(f.concreteFunctions[0].capturedInputs).toHaveLength(byReference ? 1 : 0);
    y.dispose();
    z.dispose();
    f.dispose();
    expect(usage()).toEqual(before);
  });

  it('gives gradients through the traced call (the graph replayed under a tape) with the capture', async () => {
    await setBackend(register());
    const before = usage();
    const c = tensor([3, -2]);
    const f = trace((x: Tensor) => x.mul(c).sum());
    const x = tensor([1, 1]);
    const tape = new GradientTape();
    tape.watch(x);
    const y = tape.record(() => f(x));
    const [dx] = tape.gradient(y, [x]);
    expect(Array.from(await y.data())).toEqual([1]);
    expect(Array.from(await dx!.data())).toEqual([3, -2]);
    for (const t of [c, x, y, dx!]) t.dispose();
    tape.dispose();
    f.dispose();
    expect(usage()).toEqual(before);
  });

  it('initializes a variable created in the first trace from it', async () => {
    await setBackend(register());
    const offset = tensor([10, 20]);
    let v: ReturnType<typeof variable> | undefined;
    const f = trace((x: Tensor) => {
      v ??= variable(x.add(offset), { name: 'shifted' });
      return v.add(x);
    });
    const y = f(tensor([1, 2]));
    expect(Array.from(await v!.data())).toEqual([11, 22]);
    expect(Array.from(await y.data())).toEqual([12, 24]);
    offset.dispose();
    f.dispose();
    v!.dispose();
  });
});

describe('trace on a backend without synchronous reads', () => {
  it('releases what it captured when the trace throws', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const before = usage();
    const c = tensor([1, 2]);
    const x = tensor([1, 1]);
    const f = trace((arg: Tensor) => {
      const y = arg.add(c);
      throw new Error(`no graph for ${y.shape}`);
    });
    expect(() => f(x)).toThrow('no graph for 2');
    c.dispose();
    x.dispose();
    expect(usage()).toEqual(before);
  });

  it('computes constant expressions when the graph runs, since folding cannot read them', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const f = trace((x: Tensor) => x.add(tensor([1, 2]).mul(2)));
    const x = tensor([1, 1]);
    const y = f(x);
    expect(Array.from(await y.data())).toEqual([3, 5]);
    expect(f.concreteFunctions[0].graph.nodes.some((n) => n.op === 'fused' || n.op === 'mul')).toBe(true);
    for (const t of [x, y]) t.dispose();
    f.dispose();
  });

  it('refuses to run a disposed function that captured a tensor, saying why', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const c = tensor([1, 2]);
    const f = trace((x: Tensor) => x.add(c));
    const x = tensor([1, 1]);
    f(x).dispose();
    f.dispose();
    expect(() => f(x)).toThrow(DisposedError);
    expect(() => f(x)).toThrow(/was disposed, and with it the outer tensors its graph captured/);
    c.dispose();
    x.dispose();
  });

  it('says which backend a captured tensor lives on when the graph runs on another', async () => {
    await setBackend(registerAsyncOnlyBackend());
    const c = tensor([1, 2]);
    const f = trace((x: Tensor) => x.add(c));
    const x = tensor([1, 1]);
    f(x).dispose();
    await setBackend(registerReferenceBackend());
    const y = tensor([1, 1]);
    expect(() => f(y)).toThrow(/the tensor captured as input 1 lives on backend 'async-only' but the active backend is 'reference'/);
    f.dispose();
    for (const t of [c, x, y]) t.dispose();
  });
});
