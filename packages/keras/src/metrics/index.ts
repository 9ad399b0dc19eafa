import { ArgumentError } from '@tessera/core';
import * as c from './catalogue.js';
import { Mean, Metric } from './metric.js';

export * from './catalogue.js';
export { Mean, MeanMetricWrapper, Metric } from './metric.js';

const byName: Record<string, () => Metric> = {
  accuracy: () => new c.Accuracy(),
  acc: () => new c.Accuracy(),
  binary_accuracy: () => new c.BinaryAccuracy(),
  categorical_accuracy: () => new c.CategoricalAccuracy(),
  sparse_categorical_accuracy: () => new c.SparseCategoricalAccuracy(),
  top_k_categorical_accuracy: () => new c.TopKCategoricalAccuracy(),
  sparse_top_k_categorical_accuracy: () => new c.SparseTopKCategoricalAccuracy(),
  mean_squared_error: () => new c.MeanSquaredError(),
  mse: () => new c.MeanSquaredError({ name: 'mse' }),
  mean_absolute_error: () => new c.MeanAbsoluteError(),
  mae: () => new c.MeanAbsoluteError({ name: 'mae' }),
  auc: () => new c.AUC(),
  precision: () => new c.Precision(),
  recall: () => new c.Recall(),
  mean: () => new Mean(),
};

export const metricNames = Object.keys(byName);

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** A metric from its Keras name (`'accuracy'`, `'auc'`, ...) or the instance given. `keras.metrics.get`. */
export function getMetric(identifier: string | Metric): Metric {
  if (identifier instanceof Metric) return identifier;
  const make = typeof identifier === 'string' ? byName[snake(identifier)] : undefined;
  if (!make) {
    throw new ArgumentError(`metric: unknown metric ${JSON.stringify(identifier)}; expected a Metric or one of ${metricNames.join(', ')}`);
  }
  return make();
}
