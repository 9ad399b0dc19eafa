import { GradientTape } from '../../autodiff/tape.js';
import type { DType, TypedArray } from '../../dtype.js';
import { engine } from '../../engine/engine.js';
import { formatShape } from '../../errors.js';
import { tensor } from '../../ops/convert.js';
import type { Shape } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { registerReferenceBackend } from '../reference/backend.js';
import type { ConformanceCase } from './case.js';
import { makeInput, seededRandom, specValues } from './values.js';

/** One output as read back: shape, dtype and flat values. */
interface Readout {
  readonly shape: Shape;
  readonly dtype: DType;
  readonly values: TypedArray;
}

interface Evaluation {
  readonly outputs: Readout[];
  /** Gradient per `gradWrt` input, flat. */
  readonly grads: Float32Array[];
}

/** Thrown by `checkCase` with a message that says which output and element disagree. */
export class ConformanceFailure extends Error {
  override name = 'ConformanceFailure';
}

async function onBackend<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const previous = engine.backendName;
  await engine.setBackend(name);
  try {
    return await fn();
  } finally {
    if (previous !== undefined && previous !== name) await engine.setBackend(previous);
  }
}

function asList(out: Tensor | readonly Tensor[]): readonly Tensor[] {
  return out instanceof Tensor ? [out] : out;
}

/** Deterministic weights that mix every output element into the scalar whose gradient we check. */
function lossWeights(size: number, k: number): Float64Array {
  const random = seededRandom(99991 + 31 * k + size);
  return Float64Array.from({ length: size }, () => 0.5 + random());
}

/** Σ_k Σ_i w_k[i] · out_k[i] over the float outputs, in doubles. */
function weightedLoss(outputs: readonly Readout[]): number {
  let loss = 0;
  outputs.forEach((o, k) => {
    if (o.dtype !== 'float32') return;
    const w = lossWeights(o.values.length, k);
    for (let i = 0; i < o.values.length; i++) loss += w[i] * o.values[i];
  });
  return loss;
}

async function readAll(tensors: readonly Tensor[]): Promise<Readout[]> {
  return Promise.all(tensors.map(async (t) => ({ shape: t.shape, dtype: t.dtype, values: await t.data() })));
}

/** Runs a case on the active backend: outputs, and gradients when asked. Leaves nothing allocated. */
async function evaluate(c: ConformanceCase, withGrads: boolean, inputValues?: TypedArray[]): Promise<Evaluation> {
  const inputs = c.inputs.map((spec, i) =>
    inputValues ? tensor(inputValues[i], spec.shape, spec.dtype ?? 'float32') : makeInput(spec, i),
  );
  const created: Tensor[] = [...inputs];
  try {
    if (!withGrads || c.gradWrt === undefined) {
      const outputs = engine.tidy(() => asList(c.run(...inputs)));
      created.push(...outputs);
      return { outputs: await readAll(outputs), grads: [] };
    }
    const wrt = c.gradWrt.map((i) => inputs[i]);
    const { outputs, grads } = engine.tidy(() => {
      const tape = new GradientTape();
      try {
        const outs = tape.record(() => {
          tape.watch(...wrt);
          return asList(c.run(...inputs));
        });
        const loss = engine.tidy(() => {
          let total: Tensor | undefined;
          outs.forEach((o, k) => {
            if (o.dtype !== 'float32') return;
            const w = tensor(Float32Array.from(lossWeights(o.size, k)), o.shape);
            const term = tape.record(() => o.mul(w).sum());
            total = total === undefined ? term : tape.record(() => total!.add(term));
          });
          return total!;
        });
        const gs = tape.gradient(loss, wrt, { unconnected: 'zero' }) as Tensor[];
        return { outputs: outs, grads: gs };
      } finally {
        tape.dispose();
      }
    });
    created.push(...outputs, ...grads);
    const readOutputs = await readAll(outputs);
    const readGrads = await Promise.all(grads.map(async (g) => Float32Array.from(await g.data())));
    return { outputs: readOutputs, grads: readGrads };
  } finally {
    created.forEach((t) => t.dispose());
  }
}

function close(actual: number, expected: number, tolerance: number): boolean {
  if (Number.isNaN(expected)) return Number.isNaN(actual);
  if (!Number.isFinite(expected)) return actual === expected;
  return Math.abs(actual - expected) <= tolerance + tolerance * Math.abs(expected);
}

function compareValues(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  if (actual.length !== expected.length) {
    throw new ConformanceFailure(`${what}: ${actual.length} values, expected ${expected.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    if (!close(actual[i], expected[i], tolerance)) {
      throw new ConformanceFailure(`${what}: element ${i} is ${actual[i]}, expected ${expected[i]} (tolerance ${tolerance})`);
    }
  }
}

function compareOutputs(label: string, actual: readonly Readout[], expected: readonly Readout[], tolerance: number): void {
  if (actual.length !== expected.length) {
    throw new ConformanceFailure(`${label}: ${actual.length} outputs, expected ${expected.length}`);
  }
  expected.forEach((e, k) => {
    const a = actual[k];
    if (a.dtype !== e.dtype) throw new ConformanceFailure(`${label}: output ${k} is ${a.dtype}, expected ${e.dtype}`);
    if (formatShape(a.shape) !== formatShape(e.shape)) {
      throw new ConformanceFailure(`${label}: output ${k} has shape ${formatShape(a.shape)}, expected ${formatShape(e.shape)}`);
    }
    compareValues(`${label}: output ${k}`, a.values, e.values, e.dtype === 'float32' ? tolerance : 0);
  });
}

/** Central finite differences of the weighted loss on the reference backend, in doubles. */
async function finiteDifferences(c: ConformanceCase): Promise<Float64Array[]> {
  const base = c.inputs.map((spec, i) => specValues(spec, i));
  const step = c.gradStep ?? 1e-2;
  const result: Float64Array[] = [];
  for (const i of c.gradWrt ?? []) {
    const fd = new Float64Array(base[i].length);
    for (let j = 0; j < base[i].length; j++) {
      const at = async (delta: number) => {
        const values = base.map((v) => v.slice());
        values[i][j] += delta;
        return weightedLoss((await evaluate(c, false, values)).outputs);
      };
      fd[j] = ((await at(step)) - (await at(-step))) / (2 * step);
    }
    result.push(fd);
  }
  return result;
}

async function withLeakCheck<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const before = engine.memory();
  const result = await fn();
  const after = engine.memory();
  if (after.numTensors !== before.numTensors || after.numBytes !== before.numBytes) {
    throw new ConformanceFailure(
      `${label}: leaked ${after.numTensors - before.numTensors} tensors and ${after.numBytes - before.numBytes} bytes`,
    );
  }
  return result;
}

/**
 * Checks one case on a backend against the reference: outputs (shape, dtype, values within the
 * case's tolerance), gradients, and that nothing leaked. Throws `ConformanceFailure` on mismatch.
 */
export async function checkCase(c: ConformanceCase, backendName: string): Promise<void> {
  const referenceName = registerReferenceBackend();
  const tolerance = c.tolerance ?? 1e-5;
  const withGrads = c.gradWrt !== undefined;
  const expected = await onBackend(referenceName, () => withLeakCheck(`${c.name} [reference]`, () => evaluate(c, withGrads)));
  if (c.expected !== undefined) {
    c.expected.forEach((values, k) => {
      const out = expected.outputs[k];
      if (out === undefined) throw new ConformanceFailure(`${c.name} [reference]: no output ${k}`);
      compareValues(`${c.name} [reference vs hand-written]: output ${k}`, out.values, values, out.dtype === 'float32' ? tolerance : 0);
    });
  }
  if (withGrads && backendName === referenceName) {
    const fd = await onBackend(referenceName, () => finiteDifferences(c));
    fd.forEach((numeric, k) => {
      compareValues(`${c.name} [gradient vs finite differences]: input ${c.gradWrt![k]}`, expected.grads[k], numeric, c.gradTolerance ?? 2e-2);
    });
  }
  if (backendName === referenceName) return;
  const actual = await onBackend(backendName, () => withLeakCheck(`${c.name} [${backendName}]`, () => evaluate(c, withGrads)));
  compareOutputs(`${c.name} [${backendName}]`, actual.outputs, expected.outputs, tolerance);
  expected.grads.forEach((g, k) =>
    compareValues(`${c.name} [${backendName}]: gradient of input ${c.gradWrt![k]}`, actual.grads[k], g, Math.max(tolerance, 1e-4)),
  );
}

export interface ConformanceReport {
  readonly backend: string;
  readonly total: number;
  readonly passed: number;
  readonly failures: readonly { readonly name: string; readonly message: string }[];
  /** Number of cases per op. */
  readonly casesPerOp: Readonly<Record<string, number>>;
}

/** Runs every case (or those `filter` keeps) on a backend and reports; never throws for a failing case. */
export async function runConformance(
  backendName: string,
  cases: readonly ConformanceCase[],
  filter: (c: ConformanceCase) => boolean = () => true,
): Promise<ConformanceReport> {
  const failures: { name: string; message: string }[] = [];
  const casesPerOp: Record<string, number> = {};
  const selected = cases.filter(filter);
  for (const c of selected) {
    casesPerOp[c.op] = (casesPerOp[c.op] ?? 0) + 1;
    try {
      await checkCase(c, backendName);
    } catch (error) {
      failures.push({ name: c.name, message: (error as Error).message });
    }
  }
  return { backend: backendName, total: selected.length, passed: selected.length - failures.length, failures, casesPerOp };
}
