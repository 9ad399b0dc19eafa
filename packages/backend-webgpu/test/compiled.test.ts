import type { Tensor } from '@tessera/core';
import { randomNormal, randomUniform, setBackend, setSeed, tensor, variable } from '@tessera/core';
import { cond, trace } from '@tessera/tracer';
import { beforeAll, describe, expect, it } from 'vitest';
import '../src/index.js';
import type { WebGPUBackend } from '../src/index.js';

let backend: WebGPUBackend;

beforeAll(async () => {
  backend = (await setBackend('webgpu')) as WebGPUBackend;
});

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const v = actual[i];
    if (Number.isNaN(e)) expect(v, `${what}[${i}]`).toBeNaN();
    else expect(Math.abs(v - e), `${what}[${i}]: ${v} vs ${e}`).toBeLessThanOrEqual(1e-5 + 1e-5 * Math.abs(e));
  }
}

/**
 * A little of everything: an epilogue, a fused region, a two-pass reduction, a branch, a constant.
 * Traced, the branch is a `cond` run on the device; eagerly, the caller picks it (WebGPU cannot
 * read the predicate without waiting).
 */
function net(x: Tensor, w: Tensor, b: Tensor, branch: (pred: Tensor, then: () => Tensor, otherwise: () => Tensor) => Tensor = cond): Tensor[] {
  const h = x.matMul(w).add(b).relu();
  const total = h.square().sum();
  const scaled = branch(total.greater(10), () => h.mul(0.5), () => h.add(tensor([1, 2, 3])));
  const big = h.reshape([-1]).tile([5000]).mean();
  return [scaled, total, big.add(h.max(1).sum())];
}

/** `net` eagerly, the branch chosen by reading the predicate first. */
async function eagerNet(x: Tensor, w: Tensor, b: Tensor): Promise<Tensor[]> {
  const h = x.matMul(w).add(b).relu();
  const taken = (await h.square().sum().greater(10).data())[0] !== 0;
  h.dispose();
  return net(x, w, b, (_pred, then, otherwise) => (taken ? then() : otherwise()));
}

describe('compiled traced graphs on webgpu: captured on the first call, replayed after', () => {
  it('equals eager on every call, with new input tensors each time, and replays without rebuilding fixed bind groups', async () => {
    const w = tensor([[0.5, -1, 2], [1.5, 0.25, -0.75]]);
    const b = tensor([0.1, -0.2, 0.3]);
    const f = trace((x: Tensor, w: Tensor, b: Tensor) => net(x, w, b));
    let captured = 0;
    for (let call = 0; call < 6; call++) {
      const x = tensor([[call - 2, 1], [0.5, -call], [3, call * 0.25]]);
      const eager = await eagerNet(x, w, b);
      const before = backend.stats();
      const outs = f(x, w, b);
      const after = backend.stats();
      if (call === 0) captured = after.dispatches - before.dispatches;
      else {
        // The capture's dispatches, no more and no fewer.
        expect(after.dispatches - before.dispatches, `call ${call}: dispatches`).toBe(captured);
        // Replayed: no pipeline made, and only the dispatches that bind this call's new input or
        // output buffers get a bind group made for them.
        expect(after.pipelines).toBe(before.pipelines);
        expect(after.bindGroups - before.bindGroups, `call ${call}: bind groups`).toBeLessThan(after.dispatches - before.dispatches);
      }
      for (let k = 0; k < outs.length; k++) {
        expect(outs[k].shape).toEqual(eager[k].shape);
        expectClose(await outs[k].data(), await eager[k].data(), `call ${call}, output ${k}`);
      }
      [x, ...eager, ...outs].forEach((t) => t.dispose());
    }
    // The same input tensors and outputs disposed after each read: the pool lends the same output
    // buffers back, and a warm call makes no bind group at all.
    const x = tensor([[1, 1], [1, 1], [1, 1]]);
    const made: number[] = [];
    for (let call = 0; call < 4; call++) {
      const before = backend.stats();
      const outs = f(x, w, b);
      made.push(backend.stats().bindGroups - before.bindGroups);
      expect(backend.stats().dispatches - before.dispatches).toBe(captured);
      for (const out of outs) {
        await out.data();
        out.dispose();
      }
    }
    expect(captured).toBeGreaterThan(3);
    expect(made.slice(2)).toEqual([0, 0]);
    [x, w, b].forEach((t) => t.dispose());
    f.dispose();
  });

  it('writes variables on every replayed call (a train step), as eager updates would', async () => {
    const w = variable(tensor([[0.5, -0.25], [0.75, 1]]));
    const m = variable(tensor([0, 0]));
    const step = (x: Tensor, y: Tensor) => {
      const err = x.matMul(w).sub(y);
      const grad = x.transpose().matMul(err).mul(0.1);
      w.assignSub(grad);
      m.assign(m.mul(0.9).add(err.mean(0)));
      return err.square().mean();
    };
    const ew = variable(tensor([[0.5, -0.25], [0.75, 1]]));
    const em = variable(tensor([0, 0]));
    const eagerStep = (x: Tensor, y: Tensor) => {
      const err = x.matMul(ew).sub(y);
      ew.assignSub(x.transpose().matMul(err).mul(0.1));
      em.assign(em.mul(0.9).add(err.mean(0)));
      return err.square().mean();
    };
    const f = trace(step);
    const x = tensor([[1, 2], [0.5, -1], [2, 0]]);
    const y = tensor([[1, 0], [0, 1], [1, 1]]);
    for (let call = 0; call < 8; call++) {
      const loss = f(x, y);
      const expected = eagerStep(x, y);
      expectClose(await loss.data(), await expected.data(), `loss ${call}`);
      loss.dispose();
      expected.dispose();
    }
    expectClose(await w.data(), await ew.data(), 'w');
    expectClose(await m.data(), await em.data(), 'm');
    expect(f.traceCount).toBe(1);
    [w, m, ew, em, x, y].forEach((t) => t.dispose());
    f.dispose();
  });

  it('returns inputs, constants and one value twice as graph outputs, each its own tensor', async () => {
    const f = trace((x: Tensor) => {
      const y = x.add(1);
      return [x, tensor([7, 8]), y, y];
    });
    for (let call = 0; call < 3; call++) {
      const x = tensor([call, -call]);
      const [a, c, y1, y2] = f(x);
      expect(Array.from(await a.data())).toEqual([call, -call]);
      expect(Array.from(await c.data())).toEqual([7, 8]);
      expect(Array.from(await y1.data())).toEqual([call + 1, 1 - call]);
      y1.dispose();
      // Disposing one output leaves the other readable.
      expect(Array.from(await y2.data())).toEqual([call + 1, 1 - call]);
      [x, a, c, y2].forEach((t) => t.dispose());
    }
    f.dispose();
  });

  it('replays unseeded random ops with the seeds eager calls draw (setSeed order), seeded ones fixed, and branches with random ops the generic way', async () => {
    const noisy = (x: Tensor) => x.add(randomUniform([4])).mul(randomNormal([4], { seed: 3 })).add(randomNormal([4]).mul(0.1));
    setSeed(21);
    const eager: number[][] = [];
    for (let call = 0; call < 4; call++) {
      const x = tensor([1, 2, 3, 4]);
      const y = noisy(x);
      eager.push(Array.from(await y.data()));
      [x, y].forEach((t) => t.dispose());
    }
    setSeed(21);
    const f = trace(noisy);
    const x = tensor([1, 2, 3, 4]);
    const made: number[] = [];
    for (let call = 0; call < 4; call++) {
      const before = backend.stats();
      const y = f(x);
      const after = backend.stats();
      made.push((after.bindGroups - before.bindGroups) / (after.dispatches - before.dispatches));
      const values = Array.from(await y.data());
      values.forEach((v, i) => expect(v, `call ${call}[${i}]`).toBeCloseTo(eager[call][i], 5));
      y.dispose();
    }
    expect(eager[1]).not.toEqual(eager[0]);
    // Replayed: only the two reseeded dispatches get a bind group made on a warm call.
    expect(made[3]).toBeLessThan(1);
    x.dispose();
    f.dispose();

    // A random op inside a cond branch: the graph is not replayed, and still draws anew each call.
    const g = trace((v: Tensor) => cond(v.sum().greater(0), () => v.add(randomUniform([2])), () => v));
    const v = tensor([1, 1]);
    const draws: number[][] = [];
    for (let call = 0; call < 3; call++) {
      const y = g(v);
      draws.push(Array.from(await y.data()));
      y.dispose();
    }
    expect(draws[1]).not.toEqual(draws[0]);
    expect(draws[2]).not.toEqual(draws[1]);
    v.dispose();
    g.dispose();
  });

  it('warmup creates every pipeline asynchronously without running, so the first call makes none', async () => {
    // A shape no other test uses, so its pipelines are new.
    const fn = (x: Tensor, w: Tensor) => x.matMul(w).add(0.25).erf().softmax().cumsum(1);
    const f = trace(fn);
    const x = tensor([[1, 2, 3, 4, 5, 6, 7]]);
    const w = tensor(Array.from({ length: 7 * 13 }, (_, i) => Math.sin(i)), [7, 13]);
    const before = backend.stats();
    const concrete = await f.warmup(x, w);
    const prepared = backend.stats();
    expect(concrete).toBe(f.concreteFunctions[0]);
    expect(prepared.pipelinesPrepared - before.pipelinesPrepared).toBeGreaterThan(0);
    expect(prepared.pipelines - before.pipelines).toBe(prepared.pipelinesPrepared - before.pipelinesPrepared);
    // Nothing ran, and nothing is left allocated (the dry pass's constants included).
    expect(prepared.dispatches).toBe(before.dispatches);
    expect(concrete.graph.nodes.filter((n) => n.op === 'constant')).toHaveLength(1);
    expect(prepared.storages).toBe(before.storages);
    const y = f(x, w);
    expect(backend.stats().pipelines).toBe(prepared.pipelines);
    const expected = fn(x, w);
    expectClose(await y.data(), await expected.data(), 'after warmup');
    [x, w, y, expected].forEach((t) => t.dispose());
    f.dispose();
  });

  it('gives its buffers back when the function is disposed', async () => {
    await backend.context.device.queue.onSubmittedWorkDone();
    const x = tensor([[1, 2], [3, 4]]);
    const start = backend.stats();
    const f = trace((a: Tensor) => a.matMul(a).exp().sum(0).add(a.max()));
    for (let call = 0; call < 3; call++) f(x).dispose();
    const warm = backend.stats();
    expect(warm.inUse).toBeGreaterThan(start.inUse);
    f.dispose();
    expect(backend.stats().inUse).toBe(start.inUse);
    expect(backend.stats().storages).toBe(start.storages);
    x.dispose();
  });
});
