import type { Tensor } from '@tessera/core';
import { ArgumentError, add, scalar } from '@tessera/core';
import { Loss, getLoss } from '../losses/loss.js';
import type { LossFunction } from '../losses/functions.js';
import * as M from '../metrics/catalogue.js';
import { Mean, Metric } from '../metrics/metric.js';
import { getMetric } from '../metrics/index.js';

export type LossIdentifier = string | Loss | LossFunction;
export type MetricIdentifier = string | Metric;

export interface CompileLossSpec {
  loss?: LossIdentifier | readonly (LossIdentifier | null)[] | Record<string, LossIdentifier>;
  metrics?: readonly MetricIdentifier[] | readonly (readonly MetricIdentifier[])[] | Record<string, MetricIdentifier | readonly MetricIdentifier[]>;
  lossWeights?: readonly number[] | Record<string, number>;
}

function perOutput<T>(owner: string, what: string, spec: T | readonly T[] | Record<string, T> | undefined, names: readonly string[], isSingle: (v: unknown) => boolean): (T | undefined)[] {
  if (spec === undefined || spec === null) return names.map(() => undefined);
  if (isSingle(spec)) return names.map(() => spec as T);
  if (Array.isArray(spec)) {
    if (spec.length !== names.length) {
      throw new ArgumentError(`${owner}.compile: ${what} must have one entry per output (${names.length}: ${names.join(', ')}), got ${spec.length}`);
    }
    return spec as T[];
  }
  const record = spec as Record<string, T>;
  for (const k of Object.keys(record)) {
    if (!names.includes(k)) throw new ArgumentError(`${owner}.compile: ${what} names an unknown output '${k}'; the outputs are ${names.join(', ')}`);
  }
  return names.map((n) => record[n]);
}

/**
 * What `compile` resolved: per-output losses with weights, per-output metrics, and the loss
 * tracker. Metrics named `'accuracy'` pick their variant from the loss and shapes on first use.
 */
export class CompiledState {
  readonly losses: (Loss | undefined)[];
  readonly lossWeights: number[];
  readonly lossTracker = new Mean({ name: 'loss' });
  readonly outputLossTrackers: (Mean | undefined)[];
  private readonly metricSpecs: MetricIdentifier[][];
  metrics: { output: number; metric: Metric; logName: string }[] | null = null;
  /** The metrics this state created from names (the user owns the Metric objects they passed). */
  private readonly created = new Set<Metric>();

  constructor(
    private readonly owner: string,
    spec: CompileLossSpec,
    readonly outputNames: readonly string[],
  ) {
    const single = (v: unknown) => typeof v === 'string' || typeof v === 'function' || v instanceof Loss;
    this.losses = perOutput(owner, 'loss', spec.loss, outputNames, single).map((l) => (l === undefined || l === null ? undefined : getLoss(l)));
    const weights = perOutput(owner, 'lossWeights', spec.lossWeights as never, outputNames, (v) => typeof v === 'number');
    this.lossWeights = weights.map((w) => (w === undefined ? 1 : (w as number)));
    const multi = outputNames.length > 1;
    this.outputLossTrackers = outputNames.map((n, i) => (multi && this.losses[i] ? new Mean({ name: `${n}_loss` }) : undefined));
    const m = spec.metrics;
    const singleMetric = (v: unknown) => typeof v === 'string' || v instanceof Metric;
    let specs: MetricIdentifier[][];
    if (m === undefined) specs = outputNames.map(() => []);
    else if (Array.isArray(m) && m.every(singleMetric)) specs = outputNames.map(() => [...(m as MetricIdentifier[])]);
    else {
      specs = perOutput(owner, 'metrics', m as never, outputNames, singleMetric).map((v) =>
        v === undefined ? [] : Array.isArray(v) ? [...(v as MetricIdentifier[])] : [v as MetricIdentifier],
      );
    }
    // Resolve names now so unknown metric names fail at compile time.
    for (const list of specs) for (const s of list) if (typeof s === 'string' && !/^(acc|accuracy)$/.test(s)) getMetric(s).dispose();
    this.metricSpecs = specs;
  }

  /** Creates the metric objects, resolving 'accuracy' from the loss and the first batch's shapes (eager, before tracing). */
  build(yTrue: readonly Tensor[], yPred: readonly Tensor[]): void {
    if (this.metrics) return;
    const multi = this.outputNames.length > 1;
    const used = new Set<string>();
    this.metrics = [];
    this.metricSpecs.forEach((list, output) => {
      for (const s of list) {
        let metric: Metric;
        if (typeof s === 'string' && /^(acc|accuracy)$/.test(s)) metric = this.accuracyFor(output, yTrue[output], yPred[output], s);
        else metric = typeof s === 'string' ? getMetric(s) : s;
        if (typeof s === 'string') this.created.add(metric);
        let logName = multi ? `${this.outputNames[output]}_${metric.name}` : metric.name;
        while (used.has(logName)) logName = `${logName}_1`;
        used.add(logName);
        this.metrics!.push({ output, metric, logName });
      }
    });
  }

  private accuracyFor(output: number, yTrue: Tensor | undefined, yPred: Tensor | undefined, name: string): Metric {
    const loss = this.losses[output]?.className;
    if (loss === 'SparseCategoricalCrossentropy') return new M.SparseCategoricalAccuracy({ name });
    if (loss === 'BinaryCrossentropy') return new M.BinaryAccuracy({ name });
    if (loss === 'CategoricalCrossentropy') return new M.CategoricalAccuracy({ name });
    if (yTrue && yPred) {
      const last = yPred.shape[yPred.rank - 1];
      if (last === 1) return new M.BinaryAccuracy({ name });
      if (yTrue.rank < yPred.rank || yTrue.shape[yTrue.rank - 1] === 1) return new M.SparseCategoricalAccuracy({ name });
      return new M.CategoricalAccuracy({ name });
    }
    return new M.Accuracy({ name });
  }

  /** The weighted sum of the per-output losses; updates the per-output trackers. */
  computeLoss(yTrue: readonly Tensor[], yPred: readonly Tensor[], sampleWeight: Tensor | undefined, outputActivations: readonly (string | undefined)[] = []): Tensor | undefined {
    let total: Tensor | undefined;
    this.losses.forEach((loss, i) => {
      if (!loss) return;
      if (!yTrue[i]) throw new ArgumentError(`${this.owner}: output '${this.outputNames[i]}' has a loss but no target was given (y has ${yTrue.length} entries)`);
      const value = loss.callOnModelOutput(yTrue[i], yPred[i], sampleWeight, outputActivations[i]);
      this.outputLossTrackers[i]?.updateValues(value, scalar(yPred[i].shape[0]));
      const weighted = this.lossWeights[i] === 1 ? value : value.mul(this.lossWeights[i]);
      total = total ? add(total, weighted) : weighted;
    });
    return total;
  }

  updateMetrics(yTrue: readonly Tensor[], yPred: readonly Tensor[], sampleWeight: Tensor | undefined): void {
    for (const { output, metric } of this.metrics ?? []) {
      if (yTrue[output]) metric.updateState(yTrue[output], yPred[output], sampleWeight);
    }
  }

  /** Every tracked value by log name: loss first, then per-output losses, then metrics. */
  results(): Record<string, Tensor> {
    const out: Record<string, Tensor> = { loss: this.lossTracker.result() };
    this.outputLossTrackers.forEach((t) => {
      if (t) out[t.name] = t.result();
    });
    for (const { metric, logName } of this.metrics ?? []) out[logName] = metric.result();
    return out;
  }

  allMetrics(): Metric[] {
    return [this.lossTracker, ...this.outputLossTrackers.filter((t): t is Mean => t !== undefined), ...(this.metrics ?? []).map((m) => m.metric)];
  }

  /** Frees the state variables of the loss trackers and of the metrics created from names. */
  dispose(): void {
    this.lossTracker.dispose();
    for (const tracker of this.outputLossTrackers) tracker?.dispose();
    for (const metric of this.created) metric.dispose();
    this.created.clear();
  }

  reset(): void {
    for (const m of this.allMetrics()) m.resetState();
  }
}
