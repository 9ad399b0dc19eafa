import type { Tensor } from '@tessera/core';
import { ArgumentError, dispose, engine, tensor, tidy } from '@tessera/core';
import { CallbackList } from '../callbacks/callback.js';
import type { Callback, Logs } from '../callbacks/callback.js';
import { History } from '../callbacks/history.js';
import { ProgressBar } from '../callbacks/progress-bar.js';
import type { CompiledState } from './compiled.js';
import type { ModelData } from './data.js';
import { concatBatches, permutation, sampleCount, sliceRows, takeRows, toTensors } from './data.js';
import type { BatchArgs, EvaluateArgs, FitArgs, Model, PredictArgs, StepData, Verbose } from './model.js';

/** What the loops need of a model beyond its public API (handed over by the model itself). */
export interface LoopAccess {
  requireCompiled(method: string): CompiledState;
  prepareX(method: string, x: ModelData, owned: Tensor[]): Tensor[];
  prepareY(method: string, y: ModelData, owned: Tensor[]): Tensor[];
  packX(xs: Tensor[]): Tensor | Tensor[];
  packY(ys: Tensor[]): Tensor | Tensor[];
  /** Outputs as the model returns them: one tensor, or a list for list outputs. */
  packOutputs(outputs: Tensor[]): Tensor | Tensor[];
  trainFunction(): Step;
  testFunction(): Step;
  predictFunction(): (x: Tensor | Tensor[]) => Tensor | Tensor[];
}

/** A step function that may be traced (then it can prepare ahead: `TracedFunction.warmup`). */
type Step = ((data: StepData) => Record<string, Tensor>) & { warmup?: (data: StepData) => Promise<unknown> };

/** The batch sizes each traced step has been prepared for (see `prepareStep`). */
const preparedSizes = new WeakMap<object, Set<number>>();

/**
 * On a backend that compiles traced graphs, prepares a step for a batch size it has not met before
 * that batch runs: on WebGPU the graph's GPU pipelines are created asynchronously, which the loop can
 * await, instead of synchronously inside the step's first call (a stall of the page's main thread);
 * on wasm the step is only traced ahead. Elsewhere, and for steps run eagerly, it does nothing.
 */
async function prepareStep(step: Step, data: StepData, size: number): Promise<void> {
  if (step.warmup === undefined || engine.backend.compile === undefined) return;
  let sizes = preparedSizes.get(step);
  if (sizes === undefined) preparedSizes.set(step, (sizes = new Set()));
  if (sizes.has(size)) return;
  sizes.add(size);
  await step.warmup(data);
}

export function positiveInteger(owner: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ArgumentError(`${owner}: ${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** Keras's return shape for evaluate and the on-batch methods: the loss alone, `[loss, ...metrics]`, or the record. */
export function logsResult(logs: Logs, returnDict: boolean | undefined): Logs | number | number[] {
  if (returnDict) return logs;
  const values = Object.values(logs);
  return values.length === 1 ? values[0] : values;
}

export async function readLogs(values: Record<string, Tensor>): Promise<Logs> {
  const logs: Logs = {};
  for (const [k, t] of Object.entries(values)) logs[k] = (await t.data())[0] as number;
  return logs;
}

/** Per-sample weights from Keras's `class_weight` (labels sparse or one-hot). */
function weightsFromClasses(model: Model, method: string, classWeight: Record<number, number>, y: Tensor): Tensor {
  const labels = y.rank > 1 && y.shape[y.rank - 1] > 1 ? y.argMax(-1) : y.reshape([-1]);
  const values = Array.from(labels.dataSync() as ArrayLike<number>, (c) => {
    const w = classWeight[Math.round(c)];
    if (w === undefined) throw new ArgumentError(`${model.name}.${method}: classWeight has no weight for class ${Math.round(c)} (given: ${Object.keys(classWeight).join(', ')})`);
    return w;
  });
  if (labels !== y) labels.dispose();
  return tensor(values);
}

/** The user's callbacks, then History (so values they add to the logs are recorded) and a ProgressBar unless verbose is 0, as Keras orders them. */
function makeCallbacks(model: Model, user: readonly Callback[] | undefined, verbose: Verbose | undefined, withHistory: boolean): { list: CallbackList; history?: History } {
  const callbacks = [...(user ?? [])];
  let history: History | undefined;
  if (withHistory) {
    history = callbacks.find((c): c is History => c instanceof History) ?? new History();
    if (!callbacks.includes(history)) callbacks.push(history);
  }
  const v = verbose ?? 'auto';
  if (v !== 0 && !callbacks.some((c) => c instanceof ProgressBar)) callbacks.push(new ProgressBar(v === 2 ? { interactive: false } : {}));
  const list = new CallbackList(callbacks);
  list.setModel(model);
  return { list, history };
}

/** `model.fit`: epochs of shuffled batches through the train function, validation, callbacks, History. */
export async function fitLoop(model: Model, access: LoopAccess, x: ModelData, y: ModelData, args: FitArgs): Promise<History> {
  const method = 'fit';
  const state = access.requireCompiled(method);
  const epochs = positiveInteger(`${model.name}.fit`, 'epochs', args.epochs ?? 1);
  const batchSize = positiveInteger(`${model.name}.fit`, 'batchSize', args.batchSize ?? 32);
  const initialEpoch = args.initialEpoch ?? 0;
  const split = args.validationSplit ?? 0;
  if (typeof split !== 'number' || split < 0 || split >= 1) throw new ArgumentError(`${model.name}.fit: validationSplit must be in [0, 1), got ${String(split)}`);
  const owned: Tensor[] = [];
  try {
    let xs = access.prepareX(method, x, owned);
    let ys = access.prepareY(method, y, owned);
    let sw: Tensor | undefined;
    if (args.sampleWeight !== undefined) sw = toTensors(`${model.name}.fit`, 'sampleWeight', args.sampleWeight, 1, owned)[0];
    else if (args.classWeight) {
      sw = weightsFromClasses(model, method, args.classWeight, ys[0]);
      owned.push(sw);
    }
    const n = sampleCount(`${model.name}.fit`, { x: xs, y: ys, ...(sw ? { sampleWeight: [sw] } : {}) });
    let validation: [Tensor[], Tensor[], Tensor | undefined] | undefined;
    if (args.validationData) {
      const [vx, vy, vw] = args.validationData;
      const vxs = access.prepareX(method, vx, owned);
      const vys = access.prepareY(method, vy, owned);
      const vws = vw === undefined ? undefined : toTensors(`${model.name}.fit`, 'validationData sampleWeight', vw, 1, owned)[0];
      sampleCount(`${model.name}.fit`, { 'validationData x': vxs, 'validationData y': vys });
      validation = [vxs, vys, vws];
    } else if (split > 0) {
      const at = Math.floor(n * (1 - split));
      if (at === 0 || at === n) throw new ArgumentError(`${model.name}.fit: validationSplit ${split} of ${n} samples leaves ${at === 0 ? 'no training' : 'no validation'} samples`);
      const cut = (ts: Tensor[], start: number, size: number) => {
        const out = sliceRows(ts, start, size);
        owned.push(...out);
        return out;
      };
      validation = [cut(xs, at, n - at), cut(ys, at, n - at), sw ? cut([sw], at, n - at)[0] : undefined];
      xs = cut(xs, 0, at);
      ys = cut(ys, 0, at);
      if (sw) sw = cut([sw], 0, at)[0];
    }
    const trainCount = xs[0].shape[0];
    const steps = Math.ceil(trainCount / batchSize);
    if (model.built && model.trainableWeights.length > 0) model.optimizer!.build(model.trainableWeights);
    const { list, history } = makeCallbacks(model, args.callbacks, args.verbose, true);
    model.history = history;
    list.setParams({ epochs, steps, verbose: args.verbose === 0 ? 0 : 1 });
    model.stopTraining = false;
    list.call('onTrainBegin', {});
    const trainFunction = access.trainFunction();
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      state.reset();
      list.call('onEpochBegin', epoch, {});
      const order = args.shuffle === false ? undefined : permutation(trainCount, args.random);
      let epochLogs: Logs = {};
      for (let step = 0; step < steps; step++) {
        list.call('onTrainBatchBegin', step, {});
        const start = step * batchSize;
        const size = Math.min(batchSize, trainCount - start);
        const batch = tidy(() => {
          if (!order) return { bx: sliceRows(xs, start, size), by: sliceRows(ys, start, size), bw: sw ? sliceRows([sw], start, size)[0] : undefined };
          const idx = order.slice([start], [size]);
          return { bx: takeRows(xs, idx), by: takeRows(ys, idx), bw: sw ? takeRows([sw], idx)[0] : undefined };
        });
        let values: Record<string, Tensor>;
        try {
          const data: StepData = [access.packX(batch.bx), access.packY(batch.by), batch.bw];
          await prepareStep(trainFunction, data, size);
          values = trainFunction(data);
        } finally {
          dispose(batch);
        }
        epochLogs = await readLogs(values);
        dispose(values);
        list.call('onTrainBatchEnd', step, { ...epochLogs });
        if (model.stopTraining) break;
      }
      order?.dispose();
      if (validation) {
        const valLogs = await evaluateBatches(model, access, validation[0], validation[1], validation[2], batchSize, list, true);
        for (const [k, v] of Object.entries(valLogs)) epochLogs[`val_${k}`] = v;
      }
      list.call('onEpochEnd', epoch, epochLogs);
    }
    list.call('onTrainEnd', {});
    return history!;
  } finally {
    dispose(owned);
  }
}

/** Runs the test function over `xs`/`ys` in batches (metrics reset first) and returns the final logs. */
export async function evaluateBatches(model: Model, access: LoopAccess, xs: Tensor[], ys: Tensor[], sw: Tensor | undefined, batchSize: number, list: CallbackList, inFit: boolean): Promise<Logs> {
  const state = access.requireCompiled('evaluate');
  const n = xs[0].shape[0];
  const steps = Math.ceil(n / batchSize);
  state.reset();
  if (!inFit) list.setParams({ steps, verbose: 1 });
  list.call('onTestBegin', {});
  const testFunction = access.testFunction();
  let logs: Logs = {};
  for (let step = 0; step < steps; step++) {
    list.call('onTestBatchBegin', step, {});
    const start = step * batchSize;
    const size = Math.min(batchSize, n - start);
    const batch = tidy(() => ({ bx: sliceRows(xs, start, size), by: sliceRows(ys, start, size), bw: sw ? sliceRows([sw], start, size)[0] : undefined }));
    let values: Record<string, Tensor>;
    try {
      const data: StepData = [access.packX(batch.bx), access.packY(batch.by), batch.bw];
      await prepareStep(testFunction, data, size);
      values = testFunction(data);
    } finally {
      dispose(batch);
    }
    logs = await readLogs(values);
    dispose(values);
    list.call('onTestBatchEnd', step, { ...logs });
  }
  list.call('onTestEnd', { ...logs });
  return logs;
}

/** `model.predict`: the predict function over batches, outputs concatenated on the device. */
export function predictLoop(model: Model, access: LoopAccess, x: ModelData, args: PredictArgs): Tensor | Tensor[] {
  const batchSize = positiveInteger(`${model.name}.predict`, 'batchSize', args.batchSize ?? 32);
  const owned: Tensor[] = [];
  const outputs: Tensor[][] = [];
  try {
    const xs = access.prepareX('predict', x, owned);
    const n = sampleCount(`${model.name}.predict`, { x: xs });
    const steps = Math.ceil(n / batchSize);
    const { list } = makeCallbacks(model, args.callbacks, args.verbose, false);
    list.setParams({ steps, verbose: 1 });
    list.call('onPredictBegin', {});
    const predictFunction = access.predictFunction();
    for (let step = 0; step < steps; step++) {
      list.call('onPredictBatchBegin', step, {});
      const start = step * batchSize;
      const batch = sliceRows(xs, start, Math.min(batchSize, n - start));
      try {
        const out = predictFunction(access.packX(batch));
        outputs.push(Array.isArray(out) ? out : [out]);
      } finally {
        dispose(batch);
      }
      list.call('onPredictBatchEnd', step, {});
    }
    list.call('onPredictEnd', {});
    if (outputs.length === 0) throw new ArgumentError(`${model.name}.predict: x has no samples`);
    const joined = outputs[0].map((_, i) => concatBatches(outputs.map((o) => o[i])));
    return access.packOutputs(joined);
  } finally {
    dispose(outputs);
    dispose(owned);
  }
}

/** `model.evaluate`: the test function over batches; the loss, `[loss, ...metrics]`, or the record. */
export async function evaluateLoop(model: Model, access: LoopAccess, x: ModelData, y: ModelData, args: EvaluateArgs & { returnDict?: boolean }): Promise<Logs | number | number[]> {
  access.requireCompiled('evaluate');
  const batchSize = positiveInteger(`${model.name}.evaluate`, 'batchSize', args.batchSize ?? 32);
  const owned: Tensor[] = [];
  try {
    const xs = access.prepareX('evaluate', x, owned);
    const ys = access.prepareY('evaluate', y, owned);
    const sw = args.sampleWeight === undefined ? undefined : toTensors(`${model.name}.evaluate`, 'sampleWeight', args.sampleWeight, 1, owned)[0];
    sampleCount(`${model.name}.evaluate`, { x: xs, y: ys, ...(sw ? { sampleWeight: [sw] } : {}) });
    const { list } = makeCallbacks(model, args.callbacks, args.verbose, false);
    const logs = await evaluateBatches(model, access, xs, ys, sw, batchSize, list, false);
    return logsResult(logs, args.returnDict);
  } finally {
    dispose(owned);
  }
}

/** `trainOnBatch`/`testOnBatch`: one call of the train or test function on one batch. */
export async function onBatchLoop(
  model: Model,
  access: LoopAccess,
  method: 'trainOnBatch' | 'testOnBatch',
  x: ModelData,
  y: ModelData,
  args: BatchArgs & { classWeight?: Record<number, number> },
): Promise<Logs | number | number[]> {
  const state = access.requireCompiled(method);
  const owned: Tensor[] = [];
  try {
    const xs = access.prepareX(method, x, owned);
    const ys = access.prepareY(method, y, owned);
    let sw = args.sampleWeight === undefined ? undefined : toTensors(`${model.name}.${method}`, 'sampleWeight', args.sampleWeight, 1, owned)[0];
    if (!sw && args.classWeight) {
      sw = weightsFromClasses(model, method, args.classWeight, ys[0]);
      owned.push(sw);
    }
    sampleCount(`${model.name}.${method}`, { x: xs, y: ys });
    if (args.resetMetrics ?? true) state.reset();
    const step = method === 'trainOnBatch' ? access.trainFunction() : access.testFunction();
    const values = step([access.packX(xs), access.packY(ys), sw]);
    const logs = await readLogs(values);
    dispose(values);
    return logsResult(logs, args.returnDict);
  } finally {
    dispose(owned);
  }
}
