/** @tessera/keras: Keras-compatible optimizers, losses, metrics, callbacks, Model, Sequential and fit/predict for Tessera. */
export * as optimizers from './optimizers/index.js';
export * from './optimizers/index.js';
export * as losses from './losses/index.js';
export * from './losses/loss.js';
export * as metrics from './metrics/index.js';
export { Metric, Mean, getMetric } from './metrics/index.js';
export * as callbacks from './callbacks/index.js';
export * from './callbacks/index.js';
export { Model } from './models/model.js';
export type { BatchArgs, CompileArgs, EvaluateArgs, FitArgs, ModelArgs, PredictArgs, StepData, Verbose } from './models/model.js';
export { Sequential } from './models/sequential.js';
export type { SequentialArgs } from './models/sequential.js';
export { Input, KerasTensor } from './models/keras-tensor.js';
export type { InputOptions } from './models/keras-tensor.js';
export type { ModelData } from './models/data.js';
export { ModelFormatError, modelFromJSON } from './models/serialization.js';
