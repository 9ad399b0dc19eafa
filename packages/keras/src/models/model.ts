import type { Tensor, TensorLike, Variable } from '@tessera/core';
import { ArgumentError, GradientTape, add, dispose, scalar, tidy } from '@tessera/core';
import type { CallArgs, LayerArgs, LayerInputs, LayerOutputs } from '@tessera/layers';
import { Layer } from '@tessera/layers';
import { config, trace } from '@tessera/tracer';
import type { TracedFunction } from '@tessera/tracer';
import type { Callback, Logs } from '../callbacks/callback.js';
import type { History } from '../callbacks/history.js';
import { getOptimizer } from '../optimizers/index.js';
import { Optimizer } from '../optimizers/optimizer.js';
import { CompiledState } from './compiled.js';
import type { CompileLossSpec } from './compiled.js';
import type { InputExpectation, ModelData } from './data.js';
import { checkInputs, sampleCount, toTensors } from './data.js';
import { FunctionalGraph } from './functional-graph.js';
import { KerasTensor, inputDTypes } from './keras-tensor.js';
import { installSymbolicCalls } from './symbolic-calls.js';
import { formatSummary } from './summary.js';
import { evaluateLoop, fitLoop, onBatchLoop, predictLoop } from './loops.js';
import type { LoopAccess } from './loops.js';
import { functionalConfig } from './model-config.js';

installSymbolicCalls();

/** One batch handed to `trainStep`/`testStep`: inputs, targets, optional per-sample weights. */
export type StepData = [x: Tensor | Tensor[], y: Tensor | Tensor[], sampleWeight?: Tensor];
type StepFunction<A extends unknown[], R> = ((...args: A) => R) & Partial<Pick<TracedFunction<A, R>, 'traceCount' | 'concreteFunctions' | 'warmup'>>;

export interface ModelArgs extends LayerArgs {
  inputs?: KerasTensor | readonly KerasTensor[];
  outputs?: KerasTensor | readonly KerasTensor[];
}

export interface CompileArgs extends CompileLossSpec {
  optimizer?: string | Optimizer;
  /** Run the train/test/predict steps op by op instead of tracing them (for debugging). */
  runEagerly?: boolean;
  /** Accepted for Keras compatibility; steps are always traced into optimized graphs unless run eagerly. */
  jitCompile?: boolean | 'auto';
}

export type Verbose = 0 | 1 | 2 | 'auto';

export interface FitArgs {
  epochs?: number;
  batchSize?: number;
  verbose?: Verbose;
  callbacks?: readonly Callback[];
  validationSplit?: number;
  validationData?: readonly [ModelData, ModelData] | readonly [ModelData, ModelData, TensorLike];
  shuffle?: boolean;
  classWeight?: Record<number, number>;
  sampleWeight?: TensorLike;
  initialEpoch?: number;
  /** Source of randomness for shuffling (default Math.random). */
  random?: () => number;
}

export interface EvaluateArgs {
  batchSize?: number;
  verbose?: Verbose;
  sampleWeight?: TensorLike;
  callbacks?: readonly Callback[];
}

export interface BatchArgs {
  sampleWeight?: TensorLike;
  resetMetrics?: boolean;
  returnDict?: boolean;
}

export interface PredictArgs {
  batchSize?: number;
  verbose?: Verbose;
  callbacks?: readonly Callback[];
}


function activationOf(layer: Layer): string | undefined {
  if (layer.className === 'Softmax') return 'softmax';
  const activation = (layer.getConfig() as { activation?: unknown }).activation;
  return typeof activation === 'string' ? activation : undefined;
}



/**
 * A layer with training and inference loops: `compile`, `fit`, `evaluate`, `predict`. Build one
 * functionally (`new Model({ inputs, outputs })` from `Input()`), as a `Sequential`, or by
 * subclassing and overriding `call`. `trainStep`, `testStep` and `predictStep` are overridable
 * and are traced (one graph per input signature) unless the model runs eagerly. `keras.Model`.
 */
export class Model extends Layer {
  static override className = 'Functional';
  optimizer?: Optimizer;
  /** Whether `compile` made the optimizer from a name (then the model frees it). */
  private ownsOptimizer = false;
  /** Set by callbacks (EarlyStopping, TerminateOnNaN) to end `fit` after the current batch. */
  stopTraining = false;
  /** Whether steps run op by op; read when the step functions are made (after `compile`), as in Keras 3. */
  runEagerly = false;
  jitCompile: boolean | 'auto' = 'auto';
  history?: History;
  protected compiled?: CompiledState;
  private functions: { train?: StepFunction<[StepData], Record<string, Tensor>>; test?: StepFunction<[StepData], Record<string, Tensor>>; predict?: StepFunction<[Tensor | Tensor[]], Tensor | Tensor[]> } = {};
  protected graph?: FunctionalGraph;

  constructor(args: ModelArgs = {}) {
    const { inputs, outputs, ...layerArgs } = args;
    super(layerArgs);
    const isSubclass = Object.getPrototypeOf(this) !== Model.prototype && this.call !== Model.prototype.call;
    if (inputs !== undefined || outputs !== undefined) {
      if (inputs === undefined || outputs === undefined) {
        throw new ArgumentError(`${this.name}: a functional model needs both inputs and outputs, got only ${inputs === undefined ? 'outputs' : 'inputs'}`);
      }
      const ins = Array.isArray(inputs) ? (inputs as KerasTensor[]) : [inputs as KerasTensor];
      const outs = Array.isArray(outputs) ? (outputs as KerasTensor[]) : [outputs as KerasTensor];
      this.graph = new FunctionalGraph(this.name, ins, outs);
      this.inputsAreList = Array.isArray(inputs);
      this.outputsAreList = Array.isArray(outputs);
      this.inputSpec = ins.length === 1 ? { shape: ins[0].shape } : ins.map((t) => ({ shape: t.shape }));
      this.built = true;
    } else if (!isSubclass && this.constructor === Model) {
      throw new ArgumentError(`Model: give { inputs, outputs } from Input(), use Sequential, or subclass Model and override call()`);
    }
  }

  protected inputsAreList = false;
  protected outputsAreList = false;

  override get className(): string {
    return this.graph ? 'Functional' : (this.constructor as typeof Layer).className === 'Functional' ? this.constructor.name : (this.constructor as typeof Layer).className;
  }

  override get layers(): Layer[] {
    if (this.graph) return [...this.graph.layers];
    return super.layers;
  }

  /** The functional inputs (symbolic), if the model has them. */
  get inputs(): KerasTensor[] | undefined {
    return this.graph ? [...this.graph.inputs] : undefined;
  }
  get outputs(): KerasTensor[] | undefined {
    return this.graph ? [...this.graph.outputs] : undefined;
  }

  /** Names of the outputs (the output layers' names), for per-output losses and metrics. */
  get outputNames(): string[] {
    if (this.graph) return this.graph.outputs.map((t) => t.name);
    return ['output'];
  }

  /** The inputs the model declares (shape and dtype), used to check data before it reaches a layer. */
  expectedInputs(): InputExpectation[] | undefined {
    if (this.graph) {
      return this.graph.inputs.map((t) => ({ name: t.producer.layer.name, shape: t.shape, dtype: inputDTypes.get(t.producer.layer) ?? 'float32' }));
    }
    return undefined;
  }

  call(inputs: LayerInputs, args: CallArgs = {}): LayerOutputs {
    if (!this.graph) {
      throw new ArgumentError(`${this.name}: a subclassed model must override call(inputs, args)`);
    }
    const list = Array.isArray(inputs) ? (inputs as Tensor[]) : [inputs as Tensor];
    if (list.length !== this.graph.inputs.length) {
      throw new ArgumentError(`${this.name}: expects ${this.graph.inputs.length} inputs (${this.graph.inputs.map((t) => t.name).join(', ')}), got ${list.length}`);
    }
    const outs = this.graph.run(list, args);
    return this.outputsAreList ? outs : outs[0];
  }

  override computeOutputShape(inputShape: Parameters<Layer['computeOutputShape']>[0]) {
    if (this.graph) {
      const shapes = this.graph.outputs.map((t) => t.shape);
      return this.outputsAreList ? shapes : shapes[0];
    }
    return super.computeOutputShape(inputShape);
  }

  // ---------------------------------------------------------------- compile and the steps

  /** Sets the optimizer, losses and metrics for training; resets the step functions. `model.compile`. */
  compile(args: CompileArgs = {}): void {
    const optimizer = args.optimizer === undefined ? getOptimizer('rmsprop') : getOptimizer(args.optimizer);
    const state = new CompiledState(this.name, args, this.outputNames);
    this.releaseCompiled(optimizer);
    this.optimizer = optimizer;
    this.ownsOptimizer = !(args.optimizer instanceof Optimizer);
    this.compiled = state;
    this.runEagerly = args.runEagerly ?? false;
    if (this.runEagerly && args.jitCompile === true) console.warn(`${this.name}.compile: runEagerly is true, so jitCompile is turned off`);
    this.jitCompile = this.runEagerly ? false : (args.jitCompile ?? 'auto');
    this.functions = {};
    this.stopTraining = false;
  }

  get isCompiled(): boolean {
    return this.compiled !== undefined;
  }

  /**
   * The one place that decides whether steps run eagerly: the model's `runEagerly` (set by
   * `compile`) or the tracer's global `config.runFunctionsEagerly(true)` (which traced functions
   * also check on every call, so it takes effect immediately).
   */
  stepsRunEagerly(): boolean {
    return this.runEagerly || config.functionsRunEagerly();
  }

  private stepFunction<A extends unknown[], R>(kind: 'train' | 'test' | 'predict', step: (...args: A) => R): StepFunction<A, R> {
    const cached = this.functions[kind] as StepFunction<A, R> | undefined;
    if (cached) return cached;
    // Run eagerly, the step's temporaries are freed by tidy; traced, the compiled graph frees them.
    // Batch sizes stay concrete (reduceRetracing off): fit/predict see at most two batch shapes (full
    // and last), and a step whose JavaScript depends on the batch size (a loop over rows) stays
    // correct, retracing per size with the tracer's warning, instead of baking in a placeholder size.
    const made: StepFunction<A, R> = this.runEagerly
      ? (...args: A) => tidy(() => step(...args))
      : trace(step, { name: `${this.name}.${kind}Step`, reduceRetracing: false });
    (this.functions as Record<string, unknown>)[kind] = made;
    return made;
  }

  /** The function `fit` runs per batch: `trainStep`, traced unless the model runs eagerly. */
  get trainFunction(): StepFunction<[StepData], Record<string, Tensor>> {
    return this.stepFunction('train', (data: StepData) => this.trainStep(data));
  }
  get testFunction(): StepFunction<[StepData], Record<string, Tensor>> {
    return this.stepFunction('test', (data: StepData) => this.testStep(data));
  }
  get predictFunction(): StepFunction<[Tensor | Tensor[]], Tensor | Tensor[]> {
    return this.stepFunction('predict', (x: Tensor | Tensor[]) => this.predictStep(x));
  }

  private requireCompiled(method: string): CompiledState {
    if (!this.compiled || !this.optimizer) {
      throw new ArgumentError(`${this.name}.${method}: the model must be compiled first; call model.compile({ optimizer, loss })`);
    }
    return this.compiled;
  }

  /** The total loss: compiled losses (weighted per output) plus the layers' added and regularization losses. `compute_loss`. */
  computeLoss(_x: Tensor | Tensor[], y: Tensor | Tensor[], yPred: Tensor | Tensor[], sampleWeight?: Tensor): Tensor {
    const state = this.requireCompiled('computeLoss');
    const ys = Array.isArray(y) ? y : [y];
    const preds = Array.isArray(yPred) ? yPred : [yPred];
    let total = state.computeLoss(ys, preds, sampleWeight, this.outputActivations());
    for (const extra of this.losses) total = total ? add(total, extra) : extra;
    if (!total) throw new ArgumentError(`${this.name}: no loss to compute; give compile() a loss`);
    return total;
  }

  /**
   * The activation that ends each output ('softmax', 'sigmoid', ...) when the model's structure shows
   * it, so cross-entropy losses can use the logits form as Keras does. Unknown for subclassed models.
   */
  outputActivations(): (string | undefined)[] {
    const layers = this.graph ? this.graph.outputs.map((t) => t.producer.layer) : this.outputLayers();
    return layers.map((layer) => (layer ? activationOf(layer) : undefined));
  }

  /** The layer producing each output, where the model's structure says (Sequential overrides this). */
  protected outputLayers(): (Layer | undefined)[] {
    return [undefined];
  }

  /** Updates the compiled metrics and returns every tracked value by name. `compute_metrics`. */
  computeMetrics(_x: Tensor | Tensor[], y: Tensor | Tensor[], yPred: Tensor | Tensor[], sampleWeight?: Tensor): Record<string, Tensor> {
    const state = this.requireCompiled('computeMetrics');
    const ys = Array.isArray(y) ? y : [y];
    const preds = Array.isArray(yPred) ? yPred : [yPred];
    state.build(ys, preds);
    state.updateMetrics(ys, preds, sampleWeight);
    return state.results();
  }

  private trackLoss(loss: Tensor, x: Tensor | Tensor[]): void {
    const first = Array.isArray(x) ? x[0] : x;
    this.compiled!.lossTracker.updateValues(loss, scalar(first.shape[0]));
  }

  /**
   * One training step: forward pass under a gradient tape, loss, gradients, optimizer update,
   * metrics. Override it for custom training; it is traced into one graph per signature. `train_step`.
   */
  trainStep(data: StepData): Record<string, Tensor> {
    const [x, y, sampleWeight] = data;
    const tape = new GradientTape();
    let yPred!: Tensor | Tensor[];
    const loss = tape.record(() => {
      yPred = this.apply(x, { training: true });
      return this.computeLoss(x, y, yPred, sampleWeight);
    });
    this.trackLoss(loss, x);
    const weights = this.trainableWeights;
    const grads = tape.gradient(loss, weights);
    this.optimizer!.applyGradients(weights.map((w, i) => [grads[i], w] as const));
    for (const w of weights) {
      const constraint = this.constraintOf(w);
      if (constraint) w.assign(constraint.call(w));
    }
    return this.computeMetrics(x, y, yPred, sampleWeight);
  }

  /** One evaluation step: forward pass (inference mode), loss and metrics. `test_step`. */
  testStep(data: StepData): Record<string, Tensor> {
    const [x, y, sampleWeight] = data;
    const yPred = this.apply(x, { training: false });
    const loss = this.computeLoss(x, y, yPred, sampleWeight);
    this.trackLoss(loss, x);
    return this.computeMetrics(x, y, yPred, sampleWeight);
  }

  /** One prediction step: the forward pass in inference mode. `predict_step`. */
  predictStep(x: Tensor | Tensor[]): Tensor | Tensor[] {
    return this.apply(x, { training: false }) as Tensor | Tensor[];
  }

  // ---------------------------------------------------------------- data plumbing

  private inputCount(): number | undefined {
    return this.graph ? this.graph.inputs.length : undefined;
  }

  private prepareX(method: string, x: ModelData, owned: Tensor[]): Tensor[] {
    const xs = toTensors(`${this.name}.${method}`, 'x', x, this.inputCount(), owned);
    return checkInputs(`${this.name}.${method}`, xs, this.expectedInputs(), owned);
  }

  private prepareY(method: string, y: ModelData, owned: Tensor[]): Tensor[] {
    return toTensors(`${this.name}.${method}`, 'y', y, this.graph ? this.graph.outputs.length : undefined, owned);
  }

  private packX(xs: Tensor[]): Tensor | Tensor[] {
    return xs.length === 1 && !this.inputsAreList ? xs[0] : xs;
  }
  private packY(ys: Tensor[]): Tensor | Tensor[] {
    return ys.length === 1 ? ys[0] : ys;
  }

  // ---------------------------------------------------------------- fit / evaluate / predict

  /**
   * Trains for `epochs` over `x`/`y` in batches and returns the `History`. The per-batch step is
   * `trainStep`, traced once per batch shape. `model.fit`.
   */
  fit(x: ModelData, y: ModelData, args: FitArgs = {}): Promise<History> {
    return fitLoop(this, this.loopAccess(), x, y, args);
  }

  /**
   * Outputs for `x`, computed in batches by `predictStep` (traced once per batch shape, so at most
   * two traces for any number of batches) and concatenated. Works on models never compiled. `model.predict`.
   */
  predict(x: ModelData, args: PredictArgs = {}): Tensor | Tensor[] {
    return predictLoop(this, this.loopAccess(), x, args);
  }

  /** The model's internals the training loops use (loops.ts), bound to this model. */
  private loopAccess(): LoopAccess {
    return {
      requireCompiled: (method) => this.requireCompiled(method),
      prepareX: (method, x, owned) => this.prepareX(method, x, owned),
      prepareY: (method, y, owned) => this.prepareY(method, y, owned),
      packX: (xs) => this.packX(xs),
      packY: (ys) => this.packY(ys),
      packOutputs: (outs) => (outs.length === 1 && !this.outputsAreList ? outs[0] : outs),
      trainFunction: () => this.trainFunction,
      testFunction: () => this.testFunction,
      predictFunction: () => this.predictFunction,
    };
  }

  /**
   * The loss and metrics over `x`/`y` in batches (inference mode): a number when there are no
   * metrics, else `[loss, ...metrics]`; or a record with `returnDict`. `model.evaluate`.
   */
  async evaluate(x: ModelData, y: ModelData, args: EvaluateArgs & { returnDict: true }): Promise<Logs>;
  async evaluate(x: ModelData, y: ModelData, args?: EvaluateArgs & { returnDict?: false }): Promise<number | number[]>;
  async evaluate(x: ModelData, y: ModelData, args: EvaluateArgs & { returnDict?: boolean } = {}): Promise<Logs | number | number[]> {
    return evaluateLoop(this, this.loopAccess(), x, y, args);
  }

  /** Outputs for one batch, in one call of the predict function. `predict_on_batch`. */
  predictOnBatch(x: ModelData): Tensor | Tensor[] {
    const owned: Tensor[] = [];
    try {
      const xs = this.prepareX('predictOnBatch', x, owned);
      sampleCount(`${this.name}.predictOnBatch`, { x: xs });
      return this.predictFunction(this.packX(xs));
    } finally {
      dispose(owned);
    }
  }

  /**
   * One training step on one batch (metrics reset first unless `resetMetrics: false`): the loss, or
   * `[loss, ...metrics]`, or a record with `returnDict`. `train_on_batch`.
   */
  async trainOnBatch(x: ModelData, y: ModelData, args: BatchArgs & { classWeight?: Record<number, number>; returnDict: true }): Promise<Logs>;
  async trainOnBatch(x: ModelData, y: ModelData, args?: BatchArgs & { classWeight?: Record<number, number>; returnDict?: false }): Promise<number | number[]>;
  async trainOnBatch(x: ModelData, y: ModelData, args: BatchArgs & { classWeight?: Record<number, number> } = {}): Promise<Logs | number | number[]> {
    return onBatchLoop(this, this.loopAccess(), 'trainOnBatch', x, y, args);
  }

  /** One evaluation step on one batch: the loss, or `[loss, ...metrics]`, or a record with `returnDict`. `test_on_batch`. */
  async testOnBatch(x: ModelData, y: ModelData, args: BatchArgs & { returnDict: true }): Promise<Logs>;
  async testOnBatch(x: ModelData, y: ModelData, args?: BatchArgs & { returnDict?: false }): Promise<number | number[]>;
  async testOnBatch(x: ModelData, y: ModelData, args: BatchArgs = {}): Promise<Logs | number | number[]> {
    return onBatchLoop(this, this.loopAccess(), 'testOnBatch', x, y, args);
  }

  /** Every metric the model tracks (loss first), once compiled. */
  get metrics() {
    return this.compiled?.allMetrics() ?? [];
  }

  // ---------------------------------------------------------------- inspection

  /** Prints (or returns, with `print: false`) Keras's summary table. `model.summary`. */
  summary(options: { lineLength?: number; print?: (line: string) => void } = {}): string {
    const text = formatSummary(this, options.lineLength);
    (options.print ?? console.log)(text);
    return text;
  }

  /** Keras's JSON config of the model (`model.to_json()`); weights are saved separately with getWeights. */
  toJSON(): string {
    return JSON.stringify(this.toConfig());
  }

  /** Keras's config object of the model (what `toJSON` writes). */
  toConfig(): Record<string, unknown> {
    if (!this.graph) {
      throw new ArgumentError(`${this.name}.toJSON: only Sequential and functional models have a Keras config; a subclassed model's structure lives in its code (save its weights instead)`);
    }
    const { calls, inputs, outputs, layers } = this.graph;
    return functionalConfig({ name: this.name, trainable: this.trainable, calls, inputs, outputs, layers });
  }

  /** Variables of the optimizer, for checkpoints. */
  get optimizerVariables(): Variable[] {
    return this.optimizer?.variables ?? [];
  }

  /**
   * Frees the weights, the traced step functions, the compiled metrics' state and an optimizer the
   * model made from a name (as TensorFlow.js does); an Optimizer object passed to `compile` stays the
   * caller's.
   */
  override dispose(): void {
    this.releaseCompiled(undefined);
    this.compiled = undefined;
    super.dispose();
  }

  /**
   * What an earlier `compile` made: the step functions traced for it, its metrics' state, and its
   * optimizer unless that is the next one or the caller's.
   */
  private releaseCompiled(nextOptimizer: Optimizer | undefined): void {
    for (const f of Object.values(this.functions)) (f as { dispose?: () => void }).dispose?.();
    this.functions = {};
    this.compiled?.dispose();
    if (this.optimizer !== undefined && this.ownsOptimizer && this.optimizer !== nextOptimizer) this.optimizer.dispose();
  }
}
