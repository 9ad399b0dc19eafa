import type { Tensor } from '@tessera/core';
import { memory, setBackend, tensor, tidy, variable } from '@tessera/core';
import { cond, trace, whileLoop } from '@tessera/tracer';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import type { WebGPUBackend } from '../src/index.js';

let backend: WebGPUBackend;

beforeAll(async () => {
  backend = (await setBackend('webgpu')) as WebGPUBackend;
});

/** Equal within 1e-5 absolute plus relative; NaN and ±Infinity exactly. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const v = actual[i];
    if (Number.isNaN(e)) expect(v).toBeNaN();
    else if (!Number.isFinite(e)) expect(v).toBe(e);
    else expect(Math.abs(v - e), `element ${i}: ${v} vs ${e}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(e));
  }
}

/** gelu's tanh form written out in primitives: the tracer fuses it into one region. */
function gelu(x: Tensor): Tensor {
  const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
  return x.mul(0.5).mul(inner.tanh().add(1));
}

describe('traced graphs on webgpu run fused regions as generated shaders', () => {
  it('runs the gelu chain as one dispatch and equals eager, NaN and ±Infinity included', async () => {
    const x = tensor([-3, -1, -0.5, 0, 0.5, 1, 3, NaN, Infinity, -Infinity, 1e-3, 20]);
    const eager = gelu(x);
    const f = trace(gelu);
    const warm = f(x);
    const graph = f.concreteFunctions[0].graph;
    expect(graph.nodes.filter((n) => n.op === 'fused')).toHaveLength(1);
    const dispatches = backend.stats().dispatches;
    const y = f(x);
    expect(backend.stats().dispatches - dispatches).toBe(1);
    const expected = await eager.data();
    expectClose(await y.data(), expected);
    expectClose(await warm.data(), expected);
    [x, eager, warm, y].forEach((t) => t.dispose());
    f.dispose();
  });

  it('runs a matMul with a bias-and-relu epilogue, a broadcast region with two outputs, and int32/bool registers', async () => {
    const fn = (x: Tensor, w: Tensor, b: Tensor, k: Tensor) => {
      const h = x.matMul(w).add(b).relu();
      const counts = k.mul(3).sub(k.greater(1).cast('int32'));
      const s = h.sigmoid();
      return [h.matMul(w, false, true), s, s.greater(0.6).logicalNot(), counts.cast('float32').mul(h.sum())];
    };
    const x = tensor([[1, -2, 0.5], [3, 0.25, -1]]);
    const w = tensor([[0.5, -1, 2], [1.5, 0.25, -0.75], [-2, 1, 0.1]]);
    const b = tensor([0.1, -0.2, 0.3]);
    const k = tensor([[1], [2]], [2, 1], 'int32');
    const eager = fn(x, w, b, k);
    const f = trace(fn);
    for (let call = 0; call < 2; call++) {
      const outs = f(x, w, b, k);
      for (let i = 0; i < outs.length; i++) {
        expect(outs[i].dtype).toBe(eager[i].dtype);
        expect(outs[i].shape).toEqual(eager[i].shape);
        expectClose(await outs[i].data(), await eager[i].data());
        outs[i].dispose();
      }
    }
    const nodes = f.concreteFunctions[0].graph.nodes;
    expect(nodes.some((n) => n.op === 'matMul' && n.attrs.epilogue !== undefined)).toBe(true);
    expect(nodes.some((n) => n.op === 'fused')).toBe(true);
    [...eager, x, w, b, k].forEach((t) => t.dispose());
    f.dispose();
  });
});

describe('outer tensors in traced functions on webgpu', () => {
  it('captures one by reference (it cannot be read while tracing): equal to eager after the user disposes it, nothing left after dispose()', async () => {
    const before = memory();
    const scale = tensor([2, -1, 0.5]);
    const fn = (v: Tensor) => v.mul(scale).tanh();
    const x = tensor([[1, 2, 3], [-4, 0.25, 6]]);
    const eager = tidy(() => fn(x));
    const f = trace(fn);
    const y = f(x);
    scale.dispose();
    const z = f(x);
    const expected = await eager.data();
    expectClose(await y.data(), expected);
    expectClose(await z.data(), expected);
    expect(f.concreteFunctions[0].capturedInputs).toHaveLength(1);
    [x, eager, y, z].forEach((t) => t.dispose());
    f.dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});

describe('control flow in traced functions on webgpu', () => {
  it('cond runs both branches and picks with where on the device: the branch the predicate names, no host read', async () => {
    const before = memory().numTensors;
    const f = trace((x: Tensor) => cond(x.sum().greater(0), () => x.mul(2), () => x.neg().add(1)));
    for (const [values, expected] of [
      [[1, 2, 3], [2, 4, 6]],
      [[-1, -2, 0.5], [2, 3, 0.5]],
    ] as const) {
      const x = tensor([...values]);
      const y = f(x);
      expect(Array.from(await y.data())).toEqual(expected);
      x.dispose();
      y.dispose();
    }
    expect(f.traceCount).toBe(1);
    f.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('whileLoop with maximumIterations runs on the device, traced (captured, then replayed) and eagerly', async () => {
    const before = memory().numTensors;
    // Newton's iteration for sqrt(a) until it settles: a trip count that depends on the data.
    const newton = (a: Tensor) =>
      whileLoop(
        (x: Tensor, prev: Tensor) => x.sub(prev).abs().max().greater(1e-6),
        (x: Tensor) => [x.add(a.div(x)).mul(0.5), x],
        [a.add(1), a.mul(0)],
        { maximumIterations: 40 },
      )[0];
    const f = trace(newton);
    for (const values of [[4, 9, 2], [100, 0.25, 1e4], [1, 1, 1], [7, 49, 1e6]]) {
      const a = tensor(values);
      for (const y of [f(a), tidy(() => newton(a))]) {
        const got = await y.data();
        values.forEach((v, i) => expect(Math.abs(got[i] - Math.sqrt(v)), `sqrt(${v})`).toBeLessThanOrEqual(1e-5 * Math.sqrt(v)));
        y.dispose();
      }
      a.dispose();
    }
    expect(f.traceCount).toBe(1);
    f.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('eager cond and whileLoop, which cannot read a GPU predicate without waiting, say what to do instead', () => {
    const before = memory().numTensors;
    tidy(() => {
      const x = tensor([1, 2]);
      expect(() => cond(x.sum().greater(0), () => x, () => x.neg())).toThrow(
        /^cond: eagerly on backend 'webgpu' the predicate cannot be read without waiting for the device; read it first and branch in JavaScript \(`if \(\(await pred\.data\(\)\)\[0\]\) \.\.\.`\), or inside a traced function \(trace\(fn\)\) cond runs both branches on the device/,
      );
      expect(() => whileLoop((i) => i.less(3), (i) => [i.add(1)], [tensor(0, [], 'int32')])).toThrow(
        /^whileLoop: eagerly on backend 'webgpu' the predicate cannot be read without waiting for the device/,
      );
    });
    expect(memory().numTensors).toBe(before);
  });
});

describe('epilogues on webgpu', () => {
  it('runs a dense layer (matMul + bias + relu) as one dispatch per warm call, equal to eager', async () => {
    const dense = (x: Tensor, w: Tensor, b: Tensor) => x.matMul(w).add(b).relu();
    const x = tensor([[1, -2, 0.5, 4], [3, 0.25, -1, 0]]);
    const w = tensor([[0.5, -1, 2], [1.5, 0.25, -0.75], [-2, 1, 0.1], [0.3, 0.2, -0.1]]);
    const b = tensor([0.1, -0.2, 0.3]);
    const f = trace(dense);
    f(x, w, b).dispose();
    const dispatches = backend.stats().dispatches;
    const y = f(x, w, b);
    backend.runtime.flush();
    expect(backend.stats().dispatches - dispatches).toBe(1);
    const eager = dense(x, w, b);
    expectClose(await y.data(), await eager.data());
    [x, w, b, y, eager].forEach((t) => t.dispose());
    f.dispose();
  });
});

describe('warm traced calls leak no GPU buffers', () => {
  const CALLS = Number(process.env.TESSERA_TRACED_CALLS ?? 10_000);
  it(`keeps pool statistics flat over ${CALLS} warm calls (a variable, a matMul epilogue, a fused region)`, async () => {
    const w = variable(tensor([[0.5, -1], [2, 0.25]]));
    const f = trace((x: Tensor, bias: Tensor) => {
      const h = x.matMul(w).add(bias).relu();
      return { y: h.mul(h).sum(), z: h.exp().neg() };
    });
    const x = tensor([[1, 2], [3, 4]]);
    const bias = tensor([0.1, -0.1]);
    const call = (): Tensor => {
      const out = f(x, bias) as { y: Tensor; z: Tensor };
      out.z.dispose();
      return out.y;
    };
    const first = call();
    const expected = Array.from(await first.data());
    first.dispose();
    // Warm up past a few command batches (64 dispatches each) so the pool holds a batch's uniforms.
    for (let i = 0; i < 100; i++) call().dispose();
    await x.data();
    const before = { tensors: memory(), pool: backend.stats() };
    let last: Tensor | undefined;
    for (let i = 0; i < CALLS; i++) {
      const y = call();
      if (i === CALLS - 1) last = y;
      else y.dispose();
      // Read now and then, as a program would, so submitted work completes.
      if (i % 1000 === 999 && i !== CALLS - 1) await x.data();
    }
    expect(Array.from(await last!.data())).toEqual(expected);
    last!.dispose();
    await x.data();
    const after = { tensors: memory(), pool: backend.stats() };
    expect(after.tensors.numTensors).toBe(before.tensors.numTensors);
    expect(after.tensors.numBytes).toBe(before.tensors.numBytes);
    expect(after.pool.storages).toBe(before.pool.storages);
    expect(after.pool.inUse).toBe(before.pool.inUse);
    expect(after.pool.bytesAllocated).toBe(before.pool.bytesAllocated);
    expect(after.pool.created).toBe(before.pool.created);
    expect(after.pool.pipelines).toBe(before.pool.pipelines);
    expect(f.traceCount).toBe(1);
    x.dispose();
    bias.dispose();
    w.dispose();
    f.dispose();
  });
});
