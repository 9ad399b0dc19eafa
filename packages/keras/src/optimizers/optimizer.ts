import type { Tensor } from '@tessera/core';
import { ArgumentError, Variable, clipByValue, maximum, minimum, scalar, sqrt, sum, tidy, variable, where, fill } from '@tessera/core';
import { LearningRateSchedule } from './schedules.js';

/** A gradient and the variable it updates; a `null` gradient leaves its variable alone (as in Keras). */
export type GradientPair = readonly [Tensor | null | undefined, Variable];

export interface OptimizerOptions {
  learningRate?: number | LearningRateSchedule;
  /** Decoupled weight decay applied before the update: `w -= w * weightDecay * lr`. */
  weightDecay?: number;
  /** Clips each gradient to this L2 norm. */
  clipnorm?: number;
  /** Clips each gradient element to `[-clipvalue, clipvalue]`. */
  clipvalue?: number;
  /** Scales all gradients together so their joint L2 norm is at most this. */
  globalClipnorm?: number;
  name?: string;
}

/**
 * The base of every optimizer: learning rate (a variable, or a schedule of the step count), the
 * step counter `iterations`, gradient clipping, weight decay, and the slot variables each subclass
 * declares in `buildSlots`. `build(variables)` creates the slots eagerly, so a traced training step
 * finds them already there; `applyGradients` updates with variable assignments only, so it traces
 * into the same graph as the forward and backward pass. `keras.optimizers.Optimizer`.
 */
export abstract class Optimizer {
  abstract readonly className: string;
  readonly name: string;
  readonly iterations: Variable;
  readonly clipnorm?: number;
  readonly clipvalue?: number;
  readonly globalClipnorm?: number;
  readonly weightDecay?: number;
  private readonly schedule?: LearningRateSchedule;
  private readonly learningRateVariable?: Variable;
  private readonly slotsByVariable = new Map<Variable, Record<string, Variable>>();
  private builtVariables: Variable[] = [];

  constructor(options: OptimizerOptions, defaultLearningRate: number, defaultName: string) {
    this.name = options.name ?? defaultName;
    const set = [options.clipnorm, options.clipvalue, options.globalClipnorm].filter((v) => v !== undefined);
    if (set.length > 1) {
      throw new ArgumentError(`${this.name}: only one of clipnorm, clipvalue and globalClipnorm can be set, got ${set.length}`);
    }
    for (const key of ['clipnorm', 'clipvalue', 'globalClipnorm', 'weightDecay'] as const) {
      const v = options[key];
      if (v !== undefined && !(typeof v === 'number' && v >= 0)) {
        throw new ArgumentError(`${this.name}: ${key} must be a number >= 0, got ${String(v)}`);
      }
    }
    this.clipnorm = options.clipnorm;
    this.clipvalue = options.clipvalue;
    this.globalClipnorm = options.globalClipnorm;
    this.weightDecay = options.weightDecay;
    const lr = options.learningRate ?? defaultLearningRate;
    if (lr instanceof LearningRateSchedule) {
      this.schedule = lr;
    } else {
      if (typeof lr !== 'number' || !Number.isFinite(lr)) {
        throw new ArgumentError(`${this.name}: learningRate must be a finite number or a LearningRateSchedule, got ${String(lr)}`);
      }
      this.learningRateVariable = variable(lr, { name: `${this.name}/learning_rate`, trainable: false });
    }
    this.iterations = variable(0, { name: `${this.name}/iterations`, trainable: false, dtype: 'int32' });
  }

  /** The learning rate now (a schedule evaluated at the current step), as a number. */
  get learningRate(): number {
    if (this.schedule) return this.schedule.valueAt(this.iterations.item() as number);
    return this.learningRateVariable!.item() as number;
  }

  /** Sets the learning rate (a variable assignment: traced steps see it without retracing). */
  set learningRate(value: number) {
    if (!this.learningRateVariable) {
      throw new ArgumentError(`${this.name}: learningRate is a ${this.schedule!.className} schedule and cannot be set to a number`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new ArgumentError(`${this.name}: learningRate must be a finite number, got ${String(value)}`);
    }
    this.learningRateVariable.assign(value);
  }

  /** Whether the rate comes from a schedule (then callbacks cannot set it). */
  get hasSchedule(): boolean {
    return this.schedule !== undefined;
  }

  /** The rate for the update being applied, as a tensor (traces as a variable read or schedule ops). */
  protected currentLearningRate(): Tensor {
    if (this.schedule) return this.schedule.call(this.iterations.cast('float32'));
    return this.learningRateVariable!;
  }

  /** The step number of the update being applied, counting from 1, as float32. */
  protected localStep(): Tensor {
    return this.iterations.add(1).cast('float32');
  }

  /** Per-variable slots (moments, accumulators); subclasses create them with `this.slot`. */
  protected abstract buildSlots(v: Variable): Record<string, Variable>;

  /** Hook for state shared by all variables (Nadam's momentum product), run once per apply. */
  protected beforeUpdates(): void {}

  protected abstract updateStep(gradient: Tensor, v: Variable, learningRate: Tensor, slots: Record<string, Variable>): void;

  protected slot(v: Variable, slotName: string, initial = 0): Variable {
    // tidy frees the filled tensor's handle; the variable shares its storage.
    return tidy(() => variable(fill(v.shape, initial, v.dtype), { name: `${this.name}/${v.name}_${slotName}`, trainable: false }));
  }

  /** Creates the slot variables for `variables` (eagerly, before any tracing). `optimizer.build`. */
  build(variables: readonly Variable[]): void {
    for (const v of variables) {
      if (!(v instanceof Variable)) throw new ArgumentError(`${this.name}.build: expected Variables, got ${typeof v}`);
      if (this.slotsByVariable.has(v)) continue;
      this.slotsByVariable.set(v, this.buildSlots(v));
      this.builtVariables.push(v);
    }
  }

  /** Every optimizer variable: iterations, the learning rate (if not scheduled), then the slots. */
  get variables(): Variable[] {
    const out: Variable[] = [this.iterations];
    if (this.learningRateVariable) out.push(this.learningRateVariable);
    for (const v of this.builtVariables) out.push(...Object.values(this.slotsByVariable.get(v)!));
    return out;
  }

  private clipGradients(grads: Tensor[]): Tensor[] {
    if (this.clipvalue !== undefined) return grads.map((g) => clipByValue(g, -this.clipvalue!, this.clipvalue!));
    if (this.clipnorm !== undefined) {
      const c = this.clipnorm;
      return grads.map((g) => {
        const squares = sum(g.square());
        const safe = where(squares.greater(0), squares, scalar(1));
        const n = where(squares.greater(0), sqrt(safe), squares);
        return g.mul(c).div(maximum(n, c));
      });
    }
    if (this.globalClipnorm !== undefined) {
      const c = this.globalClipnorm;
      let total: Tensor = scalar(0);
      for (const g of grads) total = total.add(sum(g.square()));
      const globalNorm = sqrt(total);
      // NaN/Inf in any gradient propagates through (norm - norm) as in Keras.
      const scale = minimum(globalNorm.reciprocal(), 1 / c).mul(c).add(globalNorm.sub(globalNorm));
      return grads.map((g) => g.mul(scale));
    }
    return grads;
  }

  /**
   * Applies one update: clipping, weight decay, the subclass's update for each variable, and
   * `iterations += 1`. Works eagerly and inside `trace`. `optimizer.apply_gradients`.
   */
  applyGradients(pairs: Iterable<GradientPair>): void {
    const list = [...pairs].filter((p): p is readonly [Tensor, Variable] => p[0] !== null && p[0] !== undefined);
    for (const [g, v] of list) {
      if (!(v instanceof Variable)) {
        throw new ArgumentError(`${this.name}.applyGradients: each pair must be [gradient, Variable], got ${typeof v} as the variable`);
      }
      if (g.shape.length !== v.shape.length || g.shape.some((d, i) => d !== v.shape[i])) {
        throw new ArgumentError(
          `${this.name}.applyGradients: gradient for ${v.name} must have the variable's shape [${v.shape.join(',')}], got [${g.shape.join(',')}]`,
        );
      }
    }
    this.build(list.map(([, v]) => v));
    tidy(() => {
      const grads = this.clipGradients(list.map(([g, v]) => (g.dtype === v.dtype ? g : g.cast(v.dtype))));
      const lr = this.currentLearningRate();
      if (this.weightDecay) {
        for (const [, v] of list) v.assign(v.sub(v.mul(lr.mul(this.weightDecay))));
      }
      this.beforeUpdates();
      list.forEach(([, v], i) => this.updateStep(grads[i], v, lr, this.slotsByVariable.get(v)!));
      this.iterations.assignAdd(1);
    });
  }

  /** Keras config (snake_case), the learning rate as its float32 value as Keras reports it. */
  getConfig(): Record<string, unknown> {
    return {
      name: this.name,
      learning_rate: this.schedule
        ? { module: 'keras.optimizers.schedules', class_name: this.schedule.className, config: this.schedule.getConfig(), registered_name: null }
        : Math.fround(this.learningRateVariable!.item() as number),
      weight_decay: this.weightDecay ?? null,
      clipnorm: this.clipnorm ?? null,
      global_clipnorm: this.globalClipnorm ?? null,
      clipvalue: this.clipvalue ?? null,
      ...this.extraConfig(),
    };
  }

  protected extraConfig(): Record<string, unknown> {
    return {};
  }

  /** Frees the optimizer's variables. */
  dispose(): void {
    for (const v of this.variables) v.dispose();
    this.slotsByVariable.clear();
    this.builtVariables = [];
  }
}
