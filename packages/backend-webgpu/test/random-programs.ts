import fc from 'fast-check';
import type { Tensor } from '@tessera/core';
import { broadcastShapes, concat, pad, reverse, tensor, where } from '@tessera/core';
import { cond } from '@tessera/tracer';

/**
 * The tracer's random programs (packages/tracer/test/random-programs.ts, commit 354e20e) for the
 * invariant on webgpu. Op 25 (and batch op 5) is a `cond` inside `trace`, which runs on the device
 * (both branches, then `where`); run eagerly, `cond` would read its predicate on the host, which a GPU
 * backend cannot do synchronously, so the eager side computes the same `where` directly.
 *
 * Random op programs for the invariant `trace(f)(x) ≈ f(x)`. A program is a list of steps; each step
 * picks an op and operands among the values so far, and the interpreter adapts operands so every
 * step is valid whatever the shapes (a non-broadcastable operand is summed to a scalar first).
 */
export interface Step {
  readonly op: number;
  readonly a: number;
  readonly b: number;
  readonly p: number;
}

export interface Program {
  readonly shapes: number[][];
  readonly seed: number;
  readonly steps: Step[];
}

const NUM_OPS = 29;

export const programArbitrary: fc.Arbitrary<Program> = fc.record({
  shapes: fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 0, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  steps: fc.array(
    fc.record({ op: fc.integer({ min: 0, max: NUM_OPS - 1 }), a: fc.nat(), b: fc.nat(), p: fc.nat() }),
    { minLength: 1, maxLength: 8 },
  ),
});

/** Deterministic input values in [-2, 2] for a program. */
export function programInputs(program: Program): Tensor[] {
  let state = program.seed;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.round(((state / 2 ** 32) * 4 - 2) * 64) / 64;
  };
  return program.shapes.map((shape) => {
    const size = shape.reduce((p, d) => p * d, 1);
    return tensor(Float32Array.from({ length: size }, next), shape, 'float32');
  });
}

function fits(b: Tensor, a: Tensor): Tensor {
  try {
    broadcastShapes('program', a.shape, b.shape);
    return b;
  } catch {
    return b.sum();
  }
}

function axisOf(t: Tensor, p: number): number {
  return t.rank === 0 ? 0 : p % t.rank;
}

/** The same program on whatever tensors it gets: run it eagerly, or inside `trace` (`traced`: cond for op 25). */
export function runProgram(program: Program, inputs: readonly Tensor[], traced = false): Tensor[] {
  const values: Tensor[] = [...inputs];
  for (const step of program.steps) {
    const a = values[step.a % values.length];
    const b = values[step.b % values.length];
    values.push(apply(step, a, b, traced));
  }
  return [values[values.length - 1], values[program.steps[0].p % values.length].mul(1.5)];
}

function apply({ op, p }: Step, a: Tensor, b: Tensor, traced: boolean): Tensor {
  const keepDims = (p >> 4) % 2 === 1;
  switch (op) {
    case 0: return a.neg();
    case 1: return a.abs();
    case 2: return a.tanh();
    case 3: return a.sigmoid();
    case 4: return a.square().minimum(1e6);
    case 5: return a.relu();
    case 6: return a.sin();
    case 7: return a.tanh().exp();
    case 8: return a.add(fits(b, a));
    case 9: return a.sub(fits(b, a));
    case 10: return a.mul(fits(b, a));
    case 11: return a.maximum(fits(b, a));
    case 12: return a.div(fits(b, a).abs().add(1));
    case 13: return a.rank === 0 ? a.sum() : a.sum(axisOf(a, p), keepDims);
    case 14: return a.rank === 0 ? a.max() : a.max(axisOf(a, p), keepDims);
    case 15: return a.rank === 0 ? a.mean() : a.mean(axisOf(a, p), keepDims);
    case 16: return a.sum();
    case 17: {
      if (a.rank === 2 && b.rank === 2 && b.shape[0] === a.shape[1]) return a.matMul(b);
      const m = a.rank === 0 ? a.reshape([1, 1]) : a.reshape([-1, a.shape[a.rank - 1]]);
      return p % 2 === 0 ? m.matMul(m, true, false) : m.matMul(m, false, true);
    }
    case 18: return a.transpose();
    case 19: return a.reshape([-1]);
    case 20: {
      if (a.rank === 0 || a.shape[0] < 2) return a.mul(0.5);
      return a.slice(a.shape.map((_, i) => (i === 0 ? p % 2 : 0)), a.shape.map((d, i) => (i === 0 ? Math.ceil(d / 2) : -1)));
    }
    case 21: return a.rank === 0 ? concat([a.reshape([1]), a.reshape([1])]) : concat([a, a.neg()], axisOf(a, p));
    case 22: return a.rank === 0 ? a.neg() : reverse(a, axisOf(a, p));
    case 23: return a.rank < 4 ? a.expandDims(p % (a.rank + 1)) : a.sum(0);
    case 24: return a.rank === 0 ? a.add(1) : pad(a, a.shape.map((_, i) => (i === axisOf(a, p) ? [1, p % 2] : [0, 0])), 0.25);
    case 25:
      return traced ? cond(a.sum().greater(0), () => a.mul(2), () => a.neg().add(1)) : where(a.sum().greater(0), a.mul(2), a.neg().add(1));
    case 26: return where(a.greater(0), a, fits(b, a));
    case 27: return a.mul(3).cast('int32').cast('float32');
    case 28: return a.rank === 0 ? a.exp() : a.cumsum(axisOf(a, p));
    default: throw new Error(`program: no op ${op}`);
  }
}

/** Equal within the conformance tolerance (1e-5 absolute plus relative); NaN and ±Infinity exactly. */
export function assertClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5): void {
  if (actual.length !== expected.length) throw new Error(`${label}: ${actual.length} values, expected ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const v = actual[i];
    const ok = Number.isNaN(e) ? Number.isNaN(v) : !Number.isFinite(e) ? v === e : Math.abs(v - e) <= tolerance + tolerance * Math.abs(e);
    if (!ok) throw new Error(`${label}: element ${i} is ${v}, expected ${e}`);
  }
}

/** A program over a batch `[n, features]`: its ops never look at `n`, except a mean over the batch (a size-dependent graph). */
export interface BatchProgram {
  readonly features: number;
  readonly seed: number;
  readonly steps: { readonly op: number; readonly p: number }[];
}

export const batchProgramArbitrary: fc.Arbitrary<BatchProgram> = fc.record({
  features: fc.integer({ min: 1, max: 4 }),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  steps: fc.array(fc.record({ op: fc.integer({ min: 0, max: 9 }), p: fc.nat() }), { minLength: 1, maxLength: 6 }),
});

/** True when the program reduces over the batch with a mean, whose 1/n makes the graph size-dependent. */
export function meansOverBatch(program: BatchProgram): boolean {
  return program.steps.some((s) => s.op === 9);
}

export function batchInput(program: BatchProgram, batch: number): Tensor {
  return programInputs({ shapes: [[batch, program.features]], seed: program.seed + batch, steps: [] })[0];
}

/** Runs a batch program; `weights` are created once outside (captured constants in the trace). */
export function runBatchProgram(program: BatchProgram, x: Tensor, weights: Tensor, traced = false): Tensor {
  let h = x;
  for (const { op, p } of program.steps) {
    switch (op) {
      case 0: h = h.tanh(); break;
      case 1: h = h.mul(weights.slice([0, 0], [1, h.shape[1]]).reshape([h.shape[1]])); break;
      case 2: h = h.matMul(weights.slice([0, 0], [h.shape[1], 4])).relu(); break;
      case 3: h = h.sum(1, true).add(h); break;
      case 4: h = h.softmax(1); break;
      case 5: {
        const pred = h.sum().greater(p % 3 - 1);
        const current = h;
        h = traced ? cond(pred, () => current.mul(2), () => current.neg()) : where(pred, h.mul(2), h.neg());
        break;
      }
      case 6: h = h.reshape([-1]).reshape([-1, h.shape[1]]).sub(0.5); break;
      case 7: h = h.max(1, true).sub(h).square(); break;
      case 8: h = h.transpose().transpose().sigmoid(); break;
      case 9: h = h.sub(h.mean(0, true)); break;
    }
  }
  return h;
}
