import type { Tensor, Variable } from '@tessera/core';
import { ArgumentError, argMax, log, maximum, mean, oneHot, slice, squeeze, sum, where, logicalAnd, ones, tensor } from '@tessera/core';
import { matchRanks, meanAbsoluteError, meanSquaredError } from '../losses/functions.js';
import { Metric, MeanMetricWrapper, weightFor } from './metric.js';

const asFloat = (t: Tensor) => (t.dtype === 'float32' ? t : t.cast('float32'));

export function binaryAccuracy(yTrue: Tensor, yPred: Tensor, threshold = 0.5): Tensor {
  const [t, p] = matchRanks(asFloat(yTrue), asFloat(yPred));
  return mean(t.equal(p.greater(threshold).cast('float32')).cast('float32'), -1);
}

export function categoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return argMax(yTrue, -1).equal(argMax(yPred, -1)).cast('float32');
}

function sparseLabels(yTrue: Tensor, yPred: Tensor): Tensor {
  let labels = yTrue;
  if (labels.rank === yPred.rank && labels.shape[labels.rank - 1] === 1) labels = squeeze(labels, -1);
  return labels.dtype === 'int32' ? labels : labels.cast('int32');
}

export function sparseCategoricalAccuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  return sparseLabels(yTrue, yPred).equal(argMax(yPred, -1)).cast('float32');
}

export function accuracy(yTrue: Tensor, yPred: Tensor): Tensor {
  const [t, p] = matchRanks(asFloat(yTrue), asFloat(yPred));
  return t.equal(p).cast('float32');
}

/** Whether the true class's score is among the k largest (ties at the boundary count as in), as `in_top_k`. */
function inTopK(labels: Tensor, yPred: Tensor, k: number): Tensor {
  const p = asFloat(yPred);
  const target = sum(p.mul(oneHot(labels, p.shape[p.rank - 1])), -1, true);
  const better = sum(p.greater(target).cast('float32'), -1);
  return better.less(k).cast('float32');
}

export function topKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  return inTopK(argMax(yTrue, -1), yPred, k);
}

export function sparseTopKCategoricalAccuracy(yTrue: Tensor, yPred: Tensor, k = 5): Tensor {
  return inTopK(sparseLabels(yTrue, yPred), yPred, k);
}

export class BinaryAccuracy extends MeanMetricWrapper {
  constructor(options: { name?: string; threshold?: number } = {}) {
    const threshold = options.threshold ?? 0.5;
    super((t, p) => binaryAccuracy(t, p, threshold), options.name ?? 'binary_accuracy', 'BinaryAccuracy', { threshold });
  }
}
export class CategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(categoricalAccuracy, options.name ?? 'categorical_accuracy', 'CategoricalAccuracy');
  }
}
export class SparseCategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(sparseCategoricalAccuracy, options.name ?? 'sparse_categorical_accuracy', 'SparseCategoricalAccuracy');
  }
}
export class Accuracy extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(accuracy, options.name ?? 'accuracy', 'Accuracy');
  }
}
export class TopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: { name?: string; k?: number } = {}) {
    const k = options.k ?? 5;
    super((t, p) => topKCategoricalAccuracy(t, p, k), options.name ?? 'top_k_categorical_accuracy', 'TopKCategoricalAccuracy', { k });
  }
}
export class SparseTopKCategoricalAccuracy extends MeanMetricWrapper {
  constructor(options: { name?: string; k?: number } = {}) {
    const k = options.k ?? 5;
    super((t, p) => sparseTopKCategoricalAccuracy(t, p, k), options.name ?? 'sparse_top_k_categorical_accuracy', 'SparseTopKCategoricalAccuracy', { k });
  }
}
export class MeanSquaredError extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(meanSquaredError, options.name ?? 'mean_squared_error', 'MeanSquaredError');
  }
}
export class MeanAbsoluteError extends MeanMetricWrapper {
  constructor(options: { name?: string } = {}) {
    super(meanAbsoluteError, options.name ?? 'mean_absolute_error', 'MeanAbsoluteError');
  }
}

/** Counts of true/false positives/negatives at each threshold, weighted. Predictions above a threshold are positive. */
abstract class ConfusionMetric extends Metric {
  protected readonly thresholds: Tensor;
  protected readonly thresholdValues: number[];
  constructor(name: string, className: string, thresholds: number[]) {
    super(name, className);
    for (const t of thresholds) {
      if (typeof t !== 'number' || Number.isNaN(t)) throw new ArgumentError(`${className}: thresholds must be numbers, got ${String(t)}`);
    }
    this.thresholdValues = thresholds;
    this.thresholds = tensor(thresholds);
  }
  /** [T, N] booleans: prediction n is above threshold t; and the [N] labels and weights. */
  protected confusion(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor) {
    const p = asFloat(yPred).reshape([1, -1]);
    const labels = asFloat(yTrue).reshape([1, -1]).notEqual(0);
    const predicted = p.greater(this.thresholds.reshape([-1, 1]));
    const w = sampleWeight ? weightFor(asFloat(yPred), sampleWeight).reshape([1, -1]) : ones([1, p.shape[1]]);
    const count = (a: Tensor, b: Tensor) => sum(where(logicalAnd(a, b), w, w.mul(0)), -1);
    return {
      tp: count(predicted, labels),
      fp: count(predicted, labels.logicalNot()),
      tn: count(predicted.logicalNot(), labels.logicalNot()),
      fn: count(predicted.logicalNot(), labels),
    };
  }
  override dispose(): void {
    super.dispose();
    this.thresholds.dispose();
  }
}

const divideNoNaN = (a: Tensor, b: Tensor) => where(b.equal(0), b.mul(0), a.div(where(b.equal(0), b.add(1), b)));

class PrecisionOrRecall extends ConfusionMetric {
  private readonly truePositives: Variable;
  private readonly falses: Variable;
  private readonly scalarResult: boolean;
  constructor(
    private readonly kind: 'precision' | 'recall',
    options: { name?: string; thresholds?: number | number[] },
  ) {
    const th = options.thresholds ?? 0.5;
    super(options.name ?? kind, kind === 'precision' ? 'Precision' : 'Recall', Array.isArray(th) ? th : [th]);
    this.scalarResult = !Array.isArray(th);
    this.truePositives = this.addState('true_positives', [this.thresholdValues.length]);
    this.falses = this.addState(kind === 'precision' ? 'false_positives' : 'false_negatives', [this.thresholdValues.length]);
  }
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const c = this.confusion(yTrue, yPred, sampleWeight);
    this.truePositives.assignAdd(c.tp);
    this.falses.assignAdd(this.kind === 'precision' ? c.fp : c.fn);
  }
  result(): Tensor {
    const r = divideNoNaN(this.truePositives, this.truePositives.add(this.falses));
    return this.scalarResult ? r.reshape([]) : r;
  }
  override getConfig() {
    return { ...super.getConfig(), thresholds: this.scalarResult ? this.thresholdValues[0] : this.thresholdValues };
  }
}

/** Precision at a threshold (default 0.5): `tp / (tp + fp)`. `keras.metrics.Precision`. */
export class Precision extends PrecisionOrRecall {
  constructor(options: { name?: string; thresholds?: number | number[] } = {}) {
    super('precision', options);
  }
}

/** Recall at a threshold (default 0.5): `tp / (tp + fn)`. `keras.metrics.Recall`. */
export class Recall extends PrecisionOrRecall {
  constructor(options: { name?: string; thresholds?: number | number[] } = {}) {
    super('recall', options);
  }
}

/**
 * Area under the ROC or PR curve, from confusion counts at `numThresholds` evenly spaced thresholds
 * (the ends nudged by 1e-7 outside [0, 1]), trapezoids for ROC and Keras's interpolated PR sum. `keras.metrics.AUC`.
 */
export class AUC extends ConfusionMetric {
  readonly curve: 'ROC' | 'PR';
  readonly numThresholds: number;
  private readonly counts: Record<'tp' | 'fp' | 'tn' | 'fn', Variable>;
  constructor(options: { name?: string; numThresholds?: number; curve?: 'ROC' | 'PR' } = {}) {
    const n = options.numThresholds ?? 200;
    if (!Number.isInteger(n) || n < 2) throw new ArgumentError(`AUC: numThresholds must be an integer > 1, got ${String(n)}`);
    const inner = Array.from({ length: n - 2 }, (_, i) => (i + 1) / (n - 1));
    super(options.name ?? 'auc', 'AUC', [-1e-7, ...inner, 1 + 1e-7]);
    this.numThresholds = n;
    this.curve = options.curve ?? 'ROC';
    if (this.curve !== 'ROC' && this.curve !== 'PR') throw new ArgumentError(`AUC: curve must be 'ROC' or 'PR', got ${JSON.stringify(this.curve)}`);
    this.counts = {
      tp: this.addState('true_positives', [n]),
      fp: this.addState('false_positives', [n]),
      tn: this.addState('true_negatives', [n]),
      fn: this.addState('false_negatives', [n]),
    };
  }
  updateState(yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): void {
    const c = this.confusion(yTrue, yPred, sampleWeight);
    for (const key of ['tp', 'fp', 'tn', 'fn'] as const) this.counts[key].assignAdd(c[key]);
  }
  result(): Tensor {
    const n = this.numThresholds;
    const head = (t: Tensor) => slice(t, [0], [n - 1]);
    const tail = (t: Tensor) => slice(t, [1], [n - 1]);
    const { tp, fp, tn, fn } = this.counts;
    if (this.curve === 'PR') {
      const dtp = head(tp).sub(tail(tp));
      const p = tp.add(fp);
      const dp = head(p).sub(tail(p));
      const slope = divideNoNaN(dtp, maximum(dp, 0));
      const intercept = tail(tp).sub(slope.mul(tail(p)));
      const bothPositive = logicalAnd(head(p).greater(0), tail(p).greater(0));
      const ratio = where(bothPositive, divideNoNaN(head(p), maximum(tail(p), 0)), ones([n - 1]));
      return sum(divideNoNaN(slope.mul(dtp.add(intercept.mul(log(ratio)))), maximum(tail(tp).add(tail(fn)), 0)));
    }
    const recall = divideNoNaN(tp, tp.add(fn));
    const falsePositiveRate = divideNoNaN(fp, fp.add(tn));
    const heights = head(recall).add(tail(recall)).div(2);
    return sum(head(falsePositiveRate).sub(tail(falsePositiveRate)).mul(heights));
  }
  override getConfig() {
    return { ...super.getConfig(), num_thresholds: this.numThresholds, curve: this.curve, summation_method: 'interpolation' };
  }
}
