import { beforeAll, describe, expect, it } from 'vitest';
import type { Tensor, Variable } from '@tessera/core';
import { GradientTape, memory, setBackend, tensor, valueAndGrad, variable } from '@tessera/core';
import { registerReferenceBackend } from '@tessera/core/testing';
import { trace } from '../src/index.js';

let xs: Tensor;
let ys: Tensor;

beforeAll(async () => {
  await setBackend(registerReferenceBackend());
  xs = tensor([[1, 2], [3, -1], [0.5, 0.5], [-2, 1]]);
  ys = tensor([[1], [0], [0.5], [-1]]);
});

function model(): { w: Variable; b: Variable } {
  return { w: variable(tensor([[0.1], [-0.2]])), b: variable(tensor([0.05])) };
}

/** One SGD step of a linear regression: the loss, its gradient and the updates. */
function sgdStep({ w, b }: { w: Variable; b: Variable }, x: Tensor, y: Tensor, learningRate: number): Tensor {
  const tape = new GradientTape();
  const loss = tape.record(() => x.matMul(w).add(b).sub(y).square().mean());
  const [gw, gb] = tape.gradient(loss, [w, b]);
  w.assignSub(gw!.mul(learningRate));
  b.assignSub(gb!.mul(learningRate));
  return loss;
}

describe('gradients inside traced functions', () => {
  it('a GradientTape train step with assignSub updates is one graph and matches eager step by step', () => {
    const eager = model();
    const graphed = model();
    const step = trace((x: Tensor, y: Tensor) => sgdStep(graphed, x, y, 0.1));
    for (let i = 0; i < 6; i++) {
      const expected = sgdStep(eager, xs, ys, 0.1).item();
      expect(step(xs, ys).item()).toBeCloseTo(expected, 5);
      (graphed.w.arraySync() as number[][]).forEach((row, r) => expect(row[0]).toBeCloseTo((eager.w.arraySync() as number[][])[r][0], 5));
      expect(graphed.b.item()).toBeCloseTo(eager.b.item(), 5);
    }
    expect(step.traceCount).toBe(1);
    expect(step.concreteFunctions).toHaveLength(1);
    const ops = step.concreteFunctions[0].graph.nodes.map((n) => n.op);
    expect(ops.filter((op) => op === 'assignVariable')).toHaveLength(2);
    expect(ops.filter((op) => op === 'readVariable')).toHaveLength(2);
    expect(ops).toContain('matMul');
    // The loss went down over the steps.
    expect(step(xs, ys).item()).toBeLessThan(sgdStep(model(), xs, ys, 0.1).item());
  });

  it('valueAndGrad inside a traced step, with the weights passed as the differentiated argument', () => {
    const w = variable(tensor([0.5, -0.5]));
    const wEager = variable(tensor([0.5, -0.5]));
    const lossOf = (x: Tensor) => (weights: Tensor) => x.mul(weights).sum().sub(1).square();
    const update = (weights: Variable, x: Tensor): Tensor => {
      const { value, grad } = valueAndGrad(lossOf(x))(weights);
      weights.assignSub(grad.mul(0.05));
      return value;
    };
    const step = trace((x: Tensor) => update(w, x));
    const x = tensor([1, 2]);
    for (let i = 0; i < 5; i++) {
      expect(step(x).item()).toBeCloseTo(update(wEager, x).item(), 5);
      expect(w.arraySync()).toEqual(wEager.arraySync());
    }
    expect(step.traceCount).toBe(1);
  });

  it('a warm train step leaks nothing', () => {
    const m = model();
    const step = trace((x: Tensor, y: Tensor) => sgdStep(m, x, y, 0.01));
    step(xs, ys).dispose();
    const before = memory();
    for (let i = 0; i < 200; i++) step(xs, ys).dispose();
    expect(memory().numTensors).toBe(before.numTensors);
    expect(memory().numBytes).toBe(before.numBytes);
  });
});
