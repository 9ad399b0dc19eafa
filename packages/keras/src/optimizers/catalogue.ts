import type { Tensor, Variable } from '@tessera/core';
import { ArgumentError, abs, maximum, pow, scalar, sqrt, variable } from '@tessera/core';
import { Optimizer } from './optimizer.js';
import type { OptimizerOptions } from './optimizer.js';

function checkRange(owner: string, key: string, value: number, low: number, high: number): number {
  if (typeof value !== 'number' || !(value >= low && value <= high)) {
    throw new ArgumentError(`${owner}: ${key} must be in [${low}, ${high}], got ${String(value)}`);
  }
  return value;
}

export interface SGDOptions extends OptimizerOptions {
  momentum?: number;
  nesterov?: boolean;
}

/** Gradient descent with optional (Nesterov) momentum; lr 0.01. `keras.optimizers.SGD`. */
export class SGD extends Optimizer {
  readonly className = 'SGD';
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(options: SGDOptions = {}) {
    super(options, 0.01, 'SGD');
    this.momentum = checkRange(this.name, 'momentum', options.momentum ?? 0, 0, 1);
    this.nesterov = options.nesterov ?? false;
  }
  protected buildSlots(v: Variable): Record<string, Variable> {
    return this.momentum !== 0 ? { momentum: this.slot(v, 'momentum') } : {};
  }
  protected updateStep(g: Tensor, v: Variable, lr: Tensor, slots: Record<string, Variable>): void {
    const m = slots.momentum;
    if (!m) {
      v.assignSub(g.mul(lr));
      return;
    }
    m.assign(m.mul(this.momentum).sub(g.mul(lr)));
    if (this.nesterov) v.assignAdd(m.mul(this.momentum).sub(g.mul(lr)));
    else v.assignAdd(m);
  }
  protected override extraConfig() {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

export interface AdamOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  amsgrad?: boolean;
}

/**
 * Adam; lr 0.001, epsilon 1e-7 added to `sqrt(v)` after the bias correction is folded into the
 * step size (Keras's placement). `keras.optimizers.Adam`.
 */
export class Adam extends Optimizer {
  readonly className: string = 'Adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;
  constructor(options: AdamOptions = {}, defaultName = 'adam') {
    super(options, 0.001, defaultName);
    this.beta1 = checkRange(this.name, 'beta1', options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRange(this.name, 'beta2', options.beta2 ?? 0.999, 0, 1);
    this.epsilon = options.epsilon ?? 1e-7;
    this.amsgrad = options.amsgrad ?? false;
  }
  protected buildSlots(v: Variable) {
    const slots: Record<string, Variable> = { m: this.slot(v, 'momentum'), v: this.slot(v, 'velocity') };
    if (this.amsgrad) slots.vHat = this.slot(v, 'velocity_hat');
    return slots;
  }
  protected updateStep(g: Tensor, w: Variable, lr: Tensor, slots: Record<string, Variable>): void {
    const step = this.localStep();
    const b1Power = pow(scalar(this.beta1), step);
    const b2Power = pow(scalar(this.beta2), step);
    const alpha = lr.mul(sqrt(scalar(1).sub(b2Power))).div(scalar(1).sub(b1Power));
    const { m, v, vHat } = slots;
    m.assignAdd(g.sub(m).mul(1 - this.beta1));
    v.assignAdd(g.square().sub(v).mul(1 - this.beta2));
    let denomSource: Tensor = v;
    if (vHat) {
      vHat.assign(maximum(vHat, v));
      denomSource = vHat;
    }
    w.assignSub(m.mul(alpha).div(sqrt(denomSource).add(this.epsilon)));
  }
  protected override extraConfig() {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon, amsgrad: this.amsgrad };
  }
}

/** Adam with decoupled weight decay (default 0.004) on every trainable variable. `keras.optimizers.AdamW`. */
export class AdamW extends Adam {
  override readonly className = 'AdamW';
  constructor(options: AdamOptions = {}) {
    super({ ...options, weightDecay: options.weightDecay ?? 0.004 }, 'adamw');
  }
}

export interface RMSpropOptions extends OptimizerOptions {
  rho?: number;
  momentum?: number;
  epsilon?: number;
  centered?: boolean;
}

/** RMSprop; lr 0.001, rho 0.9, epsilon 1e-7 inside the square root. `keras.optimizers.RMSprop`. */
export class RMSprop extends Optimizer {
  readonly className = 'RMSprop';
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(options: RMSpropOptions = {}) {
    super(options, 0.001, 'rmsprop');
    this.rho = checkRange(this.name, 'rho', options.rho ?? 0.9, 0, 1);
    this.momentum = checkRange(this.name, 'momentum', options.momentum ?? 0, 0, 1);
    this.epsilon = options.epsilon ?? 1e-7;
    this.centered = options.centered ?? false;
  }
  protected buildSlots(v: Variable) {
    const slots: Record<string, Variable> = { velocity: this.slot(v, 'velocity') };
    if (this.momentum > 0) slots.momentum = this.slot(v, 'momentum');
    if (this.centered) slots.averageGradient = this.slot(v, 'average_gradient');
    return slots;
  }
  protected updateStep(g: Tensor, w: Variable, lr: Tensor, slots: Record<string, Variable>): void {
    const { velocity, momentum, averageGradient } = slots;
    velocity.assign(velocity.mul(this.rho).add(g.square().mul(1 - this.rho)));
    let denominator: Tensor;
    if (averageGradient) {
      averageGradient.assign(averageGradient.mul(this.rho).add(g.mul(1 - this.rho)));
      denominator = velocity.sub(averageGradient.square()).add(this.epsilon);
    } else {
      denominator = velocity.add(this.epsilon);
    }
    const increment = lr.mul(g).div(sqrt(denominator));
    if (momentum) {
      momentum.assign(momentum.mul(this.momentum).add(increment));
      w.assignSub(momentum);
    } else {
      w.assignSub(increment);
    }
  }
  protected override extraConfig() {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

export interface AdagradOptions extends OptimizerOptions {
  initialAccumulatorValue?: number;
  epsilon?: number;
}

/** Adagrad; lr 0.001, accumulator starting at 0.1, epsilon inside the square root. `keras.optimizers.Adagrad`. */
export class Adagrad extends Optimizer {
  readonly className = 'Adagrad';
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(options: AdagradOptions = {}) {
    super(options, 0.001, 'adagrad');
    this.initialAccumulatorValue = options.initialAccumulatorValue ?? 0.1;
    this.epsilon = options.epsilon ?? 1e-7;
  }
  protected buildSlots(v: Variable) {
    return { accumulator: this.slot(v, 'accumulator', this.initialAccumulatorValue) };
  }
  protected updateStep(g: Tensor, w: Variable, lr: Tensor, { accumulator }: Record<string, Variable>): void {
    accumulator.assignAdd(g.square());
    w.assignSub(lr.mul(g).div(sqrt(accumulator.add(this.epsilon))));
  }
  protected override extraConfig() {
    return { initial_accumulator_value: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

export interface AdadeltaOptions extends OptimizerOptions {
  rho?: number;
  epsilon?: number;
}

/** Adadelta; lr 0.001, rho 0.95, epsilon 1e-7. `keras.optimizers.Adadelta`. */
export class Adadelta extends Optimizer {
  readonly className = 'Adadelta';
  readonly rho: number;
  readonly epsilon: number;
  constructor(options: AdadeltaOptions = {}) {
    super(options, 0.001, 'adadelta');
    this.rho = checkRange(this.name, 'rho', options.rho ?? 0.95, 0, 1);
    this.epsilon = options.epsilon ?? 1e-7;
  }
  protected buildSlots(v: Variable) {
    return { accumulatedGrad: this.slot(v, 'accumulated_grad'), accumulatedDelta: this.slot(v, 'accumulated_delta_var') };
  }
  protected updateStep(g: Tensor, w: Variable, lr: Tensor, { accumulatedGrad, accumulatedDelta }: Record<string, Variable>): void {
    const rms = (x: Tensor) => sqrt(x.add(this.epsilon));
    accumulatedGrad.assign(accumulatedGrad.mul(this.rho).add(g.square().mul(1 - this.rho)));
    const delta = rms(accumulatedDelta).mul(g).div(rms(accumulatedGrad)).neg();
    accumulatedDelta.assign(accumulatedDelta.mul(this.rho).add(delta.square().mul(1 - this.rho)));
    w.assignAdd(delta.mul(lr));
  }
  protected override extraConfig() {
    return { rho: this.rho, epsilon: this.epsilon };
  }
}

export interface AdamaxOptions extends OptimizerOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Adamax (Adam with the infinity norm); lr 0.001. `keras.optimizers.Adamax`. */
export class Adamax extends Optimizer {
  readonly className = 'Adamax';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(options: AdamaxOptions = {}) {
    super(options, 0.001, 'adamax');
    this.beta1 = checkRange(this.name, 'beta1', options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRange(this.name, 'beta2', options.beta2 ?? 0.999, 0, 1);
    this.epsilon = options.epsilon ?? 1e-7;
  }
  protected buildSlots(v: Variable) {
    return { m: this.slot(v, 'm'), u: this.slot(v, 'u') };
  }
  protected updateStep(g: Tensor, w: Variable, lr: Tensor, { m, u }: Record<string, Variable>): void {
    const b1Power = pow(scalar(this.beta1), this.localStep());
    m.assignAdd(g.sub(m).mul(1 - this.beta1));
    u.assign(maximum(u.mul(this.beta2), abs(g)));
    w.assignSub(lr.mul(m).div(scalar(1).sub(b1Power).mul(u.add(this.epsilon))));
  }
  protected override extraConfig() {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}

/** Nadam (Adam with Nesterov momentum and Keras's 0.96 momentum schedule); lr 0.001. `keras.optimizers.Nadam`. */
export class Nadam extends Optimizer {
  readonly className = 'Nadam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  private readonly uProduct: Variable;
  constructor(options: AdamaxOptions = {}) {
    super(options, 0.001, 'nadam');
    this.beta1 = checkRange(this.name, 'beta1', options.beta1 ?? 0.9, 0, 1);
    this.beta2 = checkRange(this.name, 'beta2', options.beta2 ?? 0.999, 0, 1);
    this.epsilon = options.epsilon ?? 1e-7;
    this.uProduct = variable(1, { name: `${this.name}/u_product`, trainable: false });
  }
  override get variables(): Variable[] {
    return [...super.variables, this.uProduct];
  }
  private momentumCoefficient(offset: number): Tensor {
    const decay = pow(scalar(0.96), this.iterations.add(offset).cast('float32'));
    return scalar(1).sub(decay.mul(0.5)).mul(this.beta1);
  }
  protected override beforeUpdates(): void {
    this.uProduct.assign(this.uProduct.mul(this.momentumCoefficient(1)));
  }
  protected buildSlots(v: Variable) {
    return { m: this.slot(v, 'momentum'), v: this.slot(v, 'velocity') };
  }
  protected updateStep(g: Tensor, w: Variable, lr: Tensor, { m, v }: Record<string, Variable>): void {
    const uT = this.momentumCoefficient(1);
    const uNext = this.momentumCoefficient(2);
    const uProductT = this.uProduct;
    const b2Power = pow(scalar(this.beta2), this.localStep());
    m.assignAdd(g.sub(m).mul(1 - this.beta1));
    v.assignAdd(g.square().sub(v).mul(1 - this.beta2));
    const mHat = uNext
      .mul(m)
      .div(scalar(1).sub(uProductT.mul(uNext)))
      .add(scalar(1).sub(uT).mul(g).div(scalar(1).sub(uProductT)));
    const vHat = v.div(scalar(1).sub(b2Power));
    w.assignSub(mHat.mul(lr).div(sqrt(vHat).add(this.epsilon)));
  }
  protected override extraConfig() {
    return { beta_1: this.beta1, beta_2: this.beta2, epsilon: this.epsilon };
  }
}
