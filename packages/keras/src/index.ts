/** @tessera/keras: Keras-compatible optimizers, losses, metrics, callbacks, Model, Sequential and fit/predict for Tessera. */
export * as optimizers from './optimizers/index.js';
export * from './optimizers/index.js';
export * as losses from './losses/index.js';
export * from './losses/loss.js';
export * as metrics from './metrics/index.js';
export { Metric, Mean, getMetric } from './metrics/index.js';
