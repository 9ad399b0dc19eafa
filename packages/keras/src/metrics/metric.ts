import type { Tensor, TensorLike, Variable } from '@tessera/core';
import { ArgumentError, expandDims, fill, squeeze, sum, tidy, toTensor, variable, broadcastTo } from '@tessera/core';

/**
 * A stateful metric: its state lives in non-trainable Variables, so `updateState` traces into a
 * training step and accumulates across batches without retracing. `keras.metrics.Metric`.
 */
export abstract class Metric {
  readonly variables: Variable[] = [];
  constructor(
    readonly name: string,
    readonly className: string,
  ) {}

  protected addState(stateName: string, shape: readonly number[] = [], initial = 0): Variable {
    // tidy frees the filled tensor's handle; the variable shares its storage.
    const v = tidy(() => variable(fill(shape, initial), { name: `${this.name}/${stateName}`, trainable: false }));
    this.variables.push(v);
    this.initialValues.push(initial);
    return v;
  }
  private readonly initialValues: number[] = [];

  /** Accumulates a batch. Works eagerly and inside `trace`. */
  abstract updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void;
  /** The metric's value from the accumulated state. */
  abstract result(): Tensor;

  /** Zeroes the state (Keras calls it at the start of each epoch). `reset_state`. */
  resetState(): void {
    tidy(() => this.variables.forEach((v, i) => v.assign(fill(v.shape, this.initialValues[i]))));
  }

  /** Convenience: update with plain values (eager) and return the result as a number or array. */
  update(yTrue: TensorLike, yPred: TensorLike, sampleWeight?: TensorLike): void {
    tidy(() => {
      this.updateState(
        toTensor(this.name, 'yTrue', yTrue),
        toTensor(this.name, 'yPred', yPred),
        sampleWeight === undefined ? undefined : toTensor(this.name, 'sampleWeight', sampleWeight),
      );
    });
  }

  getConfig(): Record<string, unknown> {
    return { name: this.name, dtype: 'float32' };
  }

  dispose(): void {
    for (const v of this.variables) v.dispose();
  }
}

/** Broadcasts a sample weight against `values` (dropping trailing size-1 axes, adding missing ones). */
export function weightFor(values: Tensor, sampleWeight: Tensor): Tensor {
  let w = sampleWeight.dtype === 'float32' ? sampleWeight : sampleWeight.cast('float32');
  while (w.rank > values.rank && w.shape[w.rank - 1] === 1) w = squeeze(w, -1);
  while (w.rank < values.rank) w = expandDims(w, -1);
  if (w.rank > values.rank) {
    throw new ArgumentError(`metric: sampleWeight of shape [${sampleWeight.shape.join(',')}] does not fit values of shape [${values.shape.join(',')}]`);
  }
  return broadcastTo(w, values.shape);
}

/** A weighted running mean. `keras.metrics.Mean`. */
export class Mean extends Metric {
  protected readonly total: Variable;
  protected readonly count: Variable;
  constructor(options: { name?: string } = {}, className = 'Mean') {
    super(options.name ?? 'mean', className);
    this.total = this.addState('total');
    this.count = this.addState('count');
  }
  /** Adds values (any shape) with optional weights. */
  updateValues(values: Tensor, sampleWeight?: Tensor): void {
    const v = values.dtype === 'float32' ? values : values.cast('float32');
    if (sampleWeight) {
      const w = weightFor(v, sampleWeight);
      this.total.assignAdd(sum(v.mul(w)));
      this.count.assignAdd(sum(w));
    } else {
      this.total.assignAdd(sum(v));
      this.count.assignAdd(v.size);
    }
  }
  updateState(values: Tensor, _unused?: Tensor, sampleWeight?: Tensor): void {
    this.updateValues(values, sampleWeight);
  }
  result(): Tensor {
    // divide_no_nan: no samples yet gives 0.
    const c = this.count;
    return this.total.div(c.add(c.equal(0).cast('float32'))).mul(c.greater(0).cast('float32'));
  }
}

/** A metric that is the mean of a per-sample function of labels and predictions. `MeanMetricWrapper`. */
export class MeanMetricWrapper extends Mean {
  constructor(
    private readonly fn: (yTrue: Tensor, yPred: Tensor) => Tensor,
    name: string,
    className: string,
    private readonly extraConfig: Record<string, unknown> = {},
  ) {
    super({ name }, className);
  }
  override updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    this.updateValues(this.fn(yTrue, yPred), sampleWeight);
  }
  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), ...this.extraConfig };
  }
}
