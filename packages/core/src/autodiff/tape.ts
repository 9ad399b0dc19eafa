import { dtypeInfo } from '../dtype.js';
import { engine } from '../engine/engine.js';
import type { Interpreter, Lower } from '../engine/interpreter.js';
import { ArgumentError, DTypeError, ShapeError, formatShape } from '../errors.js';
import { add } from '../ops/add.js';
import { cast } from '../ops/cast.js';
import type { OpDef, TensorInfo } from '../ops/op.js';
import { ones, zeros } from '../composites/creation.js';
import { shapesEqual } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { Variable } from '../tensor.js';

/** A custom gradient: maps output gradients to one gradient per input (`null`: none). */
export type CustomGradFn = (dys: readonly Tensor[]) => readonly (Tensor | null)[];

/** One recorded op: enough to run its vector-Jacobian product later. */
interface TapeRecord {
  readonly name: string;
  readonly inputs: readonly Tensor[];
  readonly inputInfos: readonly TensorInfo[];
  readonly outputIds: readonly number[];
  readonly outputInfos: readonly TensorInfo[];
  /** Tensors this record retained; released with the tape. */
  readonly saved: readonly Tensor[];
  readonly backward: (dys: readonly Tensor[]) => readonly (Tensor | null)[];
}

export interface GradientTapeOptions {
  /** Allow several `gradient` calls (TensorFlow's `persistent=True`). Dispose the tape when done. */
  persistent?: boolean;
  /** Watch every trainable variable an op reads while recording. Default true, as in TensorFlow. */
  watchAccessedVariables?: boolean;
}

export interface GradientOptions {
  /** The gradient of the target to start from (default: ones). */
  outputGradient?: Tensor;
  /** What an unconnected source gets: `null` (TensorFlow's default) or zeros. */
  unconnected?: 'none' | 'zero';
}

/**
 * Records the ops run inside `record(fn)` so `gradient(target, sources)` can differentiate through
 * them; tapes nest for higher derivatives. Corresponds to `tf.GradientTape`.
 *
 * @example
 * const tape = new GradientTape();
 * const y = tape.record(() => { tape.watch(x); return x.square().sum(); });
 * const [dx] = tape.gradient(y, [x]); // 2x
 */
export class GradientTape implements Interpreter, Disposable {
  readonly name = 'tape';
  private readonly persistent: boolean;
  private readonly watchAccessedVariables: boolean;
  private readonly records: TapeRecord[] = [];
  /** Ids of watched tensors and of everything computed from them while recording. */
  private readonly tracked = new Set<number>();
  private recording = false;
  private paused = 0;
  private used = false;
  private disposed = false;

  constructor(options: GradientTapeOptions = {}) {
    this.persistent = options.persistent ?? false;
    this.watchAccessedVariables = options.watchAccessedVariables ?? true;
  }

  /** Marks tensors to differentiate with respect to. */
  watch(...tensors: Tensor[]): void {
    for (const t of tensors) {
      engine.assertUsable('GradientTape.watch', 'tensor', t);
      this.tracked.add(t.id);
    }
  }

  /** Runs `fn` with this tape recording; may be called several times. */
  record<T>(fn: () => T): T {
    this.assertOpen('record');
    if (this.recording) throw new ArgumentError('GradientTape.record: this tape is already recording');
    this.recording = true;
    engine.push(this);
    try {
      return fn();
    } finally {
      engine.pop(this);
      this.recording = false;
    }
  }

  /** @internal True while ops reach this tape and it records them. */
  get isRecording(): boolean {
    return this.recording && this.paused === 0;
  }

  /** @internal Runs `fn` without recording (gradients, stopGradient, customGrad's forward pass). */
  withoutRecording<T>(fn: () => T): T {
    this.paused++;
    try {
      return fn();
    } finally {
      this.paused--;
    }
  }

  runOp(op: OpDef, inputs: readonly Tensor[], attrs: object, outputs: readonly TensorInfo[], lower: Lower): Tensor[] {
    const results = lower.runOp(op, inputs, attrs, outputs);
    if (this.paused > 0 || !this.isWatchedAny(inputs)) return results;
    if (op.grad === 'none') return results;
    const savedInputs = op.saves.inputs ? inputs : [];
    const savedOutputs = op.saves.outputs ? results : [];
    const saved = [...savedInputs, ...savedOutputs];
    saved.forEach((t) => t.retain());
    const grad = op.grad;
    this.records.push({
      name: op.name,
      inputs,
      inputInfos: inputs.map(({ shape, dtype }) => ({ shape, dtype })),
      outputIds: results.map((t) => t.id),
      outputInfos: outputs,
      saved,
      backward: (dys) => {
        if (grad === 'notDifferentiable') {
          throw new ArgumentError(`gradient: ${op.name} is not differentiable`);
        }
        return grad(dys, { inputInfos: inputs, inputs: savedInputs, outputs: savedOutputs, attrs });
      },
    });
    for (const t of results) this.tracked.add(t.id);
    return results;
  }

  /** @internal Records a function with a user-supplied gradient as one step. */
  recordCustom(inputs: readonly Tensor[], outputs: readonly Tensor[], backward: CustomGradFn): void {
    if (!this.isRecording || !this.isWatchedAny(inputs)) return;
    const saved = [...inputs, ...outputs];
    saved.forEach((t) => t.retain());
    this.records.push({
      name: 'customGrad',
      inputs,
      inputInfos: inputs.map(({ shape, dtype }) => ({ shape, dtype })),
      outputIds: outputs.map((t) => t.id),
      outputInfos: outputs.map(({ shape, dtype }) => ({ shape, dtype })),
      saved,
      backward,
    });
    for (const t of outputs) this.tracked.add(t.id);
  }

  private isWatchedAny(inputs: readonly Tensor[]): boolean {
    let any = false;
    for (const t of inputs) {
      if (this.watchAccessedVariables && t instanceof Variable && t.trainable) this.tracked.add(t.id);
      if (this.tracked.has(t.id)) any = true;
    }
    return any;
  }

  /**
   * Gradients of `target` with respect to each source, by reverse accumulation over the recorded ops.
   * A source the target does not depend on gets `null` (or zeros with `unconnected: 'zero'`).
   */
  gradient(target: Tensor, sources: readonly Tensor[], options: GradientOptions = {}): (Tensor | null)[] {
    if (this.used && !this.persistent) {
      throw new ArgumentError('GradientTape.gradient: a non-persistent tape can compute gradients only once; pass { persistent: true }');
    }
    this.assertOpen('gradient');
    engine.assertUsable('GradientTape.gradient', 'target', target);
    if (!dtypeInfo[target.dtype].isFloat) {
      throw new DTypeError(`GradientTape.gradient: target must be float32, got ${target.dtype}`);
    }
    sources.forEach((s, i) => engine.assertUsable('GradientTape.gradient', `sources[${i}]`, s));
    const seed = options.outputGradient;
    if (seed !== undefined && !shapesEqual(seed.shape, target.shape)) {
      throw new ShapeError(
        `GradientTape.gradient: outputGradient has shape ${formatShape(seed.shape)}, target has ${formatShape(target.shape)}`,
      );
    }
    this.used = true;
    try {
      return this.withoutRecording(() => this.backpropagate(target, sources, options));
    } finally {
      if (!this.persistent) this.dispose();
    }
  }

  private backpropagate(target: Tensor, sources: readonly Tensor[], options: GradientOptions): (Tensor | null)[] {
    engine.backwardDepth++;
    try {
      return engine.tidy(() => {
        const grads = new Map<number, Tensor>();
        grads.set(target.id, options.outputGradient ?? ones(target.shape, target.dtype));
        const needed = this.recordsLeadingTo(target, sources);
        for (let r = this.records.length - 1; r >= 0; r--) {
          const record = this.records[r];
          if (!needed.has(r)) continue;
          const dys = record.outputIds.map((id, k) => grads.get(id) ?? zeros(record.outputInfos[k].shape, record.outputInfos[k].dtype));
          const dxs = record.backward(dys);
          record.inputs.forEach((input, i) => {
            const dx = dxs[i];
            if (dx === null || dx === undefined || !dtypeInfo[input.dtype].isFloat || !this.tracked.has(input.id)) return;
            const typed = dx.dtype === input.dtype ? dx : cast(dx, input.dtype);
            const previous = grads.get(input.id);
            grads.set(input.id, previous === undefined ? typed : add(previous, typed));
          });
        }
        return sources.map((s) => {
          // A fresh handle, so the result never aliases the seed, a source or a saved tensor.
          const g = grads.get(s.id);
          if (g !== undefined) return g.clone();
          return options.unconnected === 'zero' ? zeros(s.shape, s.dtype) : null;
        });
      });
    } finally {
      engine.backwardDepth--;
    }
  }

  /** Indices of records on some path from a source to the target. */
  private recordsLeadingTo(target: Tensor, sources: readonly Tensor[]): Set<number> {
    const fromSources = new Set(sources.map((s) => s.id));
    const forward = new Set<number>();
    this.records.forEach((record, r) => {
      if (record.inputs.some((t) => fromSources.has(t.id))) {
        forward.add(r);
        record.outputIds.forEach((id) => fromSources.add(id));
      }
    });
    const toTarget = new Set([target.id]);
    const needed = new Set<number>();
    for (let r = this.records.length - 1; r >= 0; r--) {
      const record = this.records[r];
      if (forward.has(r) && record.outputIds.some((id) => toTarget.has(id))) {
        needed.add(r);
        record.inputs.forEach((t) => toTarget.add(t.id));
      }
    }
    return needed;
  }

  private assertOpen(method: string): void {
    if (this.disposed) throw new ArgumentError(`GradientTape.${method}: the tape was disposed (a non-persistent tape is disposed by its first gradient call)`);
  }

  /** Releases what the tape saved for the backward pass. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const record of this.records) record.saved.forEach((t) => t.release());
    this.records.length = 0;
    this.tracked.clear();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** The tapes currently recording, innermost last. */
export function activeTapes(): GradientTape[] {
  return engine.interpreters().filter((i): i is GradientTape => i instanceof GradientTape && i.isRecording);
}
