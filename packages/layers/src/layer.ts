import {
  ArgumentError,
  ShapeError,
  Tensor,
  Variable,
  add,
  dispose,
  keep,
  tensor,
  tidy,
  variable,
  type DType,
  type TensorLike,
} from '@tessera/core';
import { type ShapeSpec, evalShape } from '@tessera/tracer';
import { type Constraint, type ConstraintIdentifier, getConstraint } from './constraints.js';
import { type InitializerIdentifier, getInitializer } from './initializers.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer } from './regularizers.js';
import { type Config, configToOptions, dtypePolicy, readDType } from './serialization.js';

import { type InputSpec, type LayerShape, assertInputCompatibility, formatLayerShape } from './input-spec.js';
import { attachMask, getAttachedMask } from './masks.js';

export type { InputSpec, LayerShape };
export { attachMask, formatLayerShape, getAttachedMask };

/** What a layer's `call` receives besides its inputs. Keras's `training` and `mask` call arguments. */
export interface CallArgs {
  /** Training mode (dropout active, batch statistics used). Inherited from the calling layer when omitted. */
  training?: boolean;
  /** A boolean mask per input, or one mask. Taken from the inputs' attached masks when omitted. */
  mask?: Tensor | null | readonly (Tensor | null)[];
  /** Layer-specific call arguments (e.g. `returnAttentionScores`, `initialState`). */
  [key: string]: unknown;
}

/** The options every layer takes. Keras's `name`, `trainable`, `dtype`. */
export interface LayerArgs {
  name?: string;
  trainable?: boolean;
  dtype?: unknown;
  /** Keras's `input_shape` (without batch): recorded for models; layers do not need it. */
  inputShape?: readonly (number | null)[];
  /** Keras's `activity_regularizer`: a penalty on the layer's outputs, added to `losses`. */
  activityRegularizer?: RegularizerIdentifier;
}

/** The options of `addWeight`. Keras's `add_weight` arguments. */
export interface AddWeightOptions {
  name: string;
  shape: readonly number[];
  initializer?: InitializerIdentifier;
  trainable?: boolean;
  regularizer?: RegularizerIdentifier;
  constraint?: ConstraintIdentifier;
  dtype?: DType;
}

/**
 * Decides calls made with inputs that are not tensors (the functional API's symbolic tensors):
 * returns the outputs to give back, or `undefined` to let the layer compute as usual.
 */
export type SymbolicCallHandler = (layer: Layer, inputs: unknown, args: CallArgs) => LayerOutputs | undefined;

let symbolicCallHandler: SymbolicCallHandler | null = null;

/** The training flag of the layer calls in progress, so nested layers inherit it (Keras's call context). */
const trainingStack: (boolean | undefined)[] = [];

/** Keras's `to_snake_case`: `LeakyReLU` → `leaky_re_lu`, `Conv2DTranspose` → `conv2d_transpose`. */
export function toSnakeCase(name: string): string {
  return name
    .replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

const nameCounters = new Map<string, number>();

/** `dense`, `dense_1`, `dense_2`...: Keras's unique default names. */
function uniqueName(base: string): string {
  const count = nameCounters.get(base) ?? 0;
  nameCounters.set(base, count + 1);
  return count === 0 ? base : `${base}_${count}`;
}


/** One input or a list of them. */
export type LayerInputs = Tensor | readonly Tensor[];
export type LayerOutputs = Tensor | Tensor[];

interface WeightRecord {
  variable: Variable;
  regularizer: Regularizer | null;
  constraint: Constraint | null;
}

/**
 * The base of every layer: weights, state, build on first call, config. Corresponds to
 * `keras.layers.Layer`. A subclass implements `call` (and usually `build` and `getConfig`);
 * layers assigned as its properties are tracked as nested layers automatically.
 *
 * @example
 * class RunningSum extends Layer {
 *   total!: Variable;
 *   override build(shape: LayerShape) { this.total = this.addWeight({ name: 'total', shape: [shape[1]!], initializer: 'zeros', trainable: false }); }
 *   call(x: Tensor) { this.total.assignAdd(x.sum(0)); return x; }
 * }
 */
export abstract class Layer {
  /** The Keras class name, written in configs and used by `deserializeLayer`. */
  static className = 'Layer';

  name: string;
  built = false;
  readonly dtype: 'float32';
  /** Checked on every call (Keras's `input_spec`). */
  inputSpec: InputSpec | readonly (InputSpec | null)[] | null = null;
  /** Whether the layer passes masks on unchanged (and accepts them) by default. */
  supportsMasking = false;
  /** The `inputShape` given at construction, if any (for models). */
  readonly batchInputShape: LayerShape | null;
  activityRegularizer: Regularizer | null;

  private trainableFlag: boolean;
  private readonly trainableRecords: WeightRecord[] = [];
  private readonly nonTrainableRecords: WeightRecord[] = [];
  private buildInProgress = false;
  private callLosses: Tensor[] = [];
  private callDepth = 0;

  constructor(args: LayerArgs = {}) {
    const className = (this.constructor as typeof Layer).className;
    this.name = args.name ?? uniqueName(toSnakeCase(className));
    if (typeof this.name !== 'string' || this.name === '') throw new ArgumentError(`${className}: name must be a non-empty string, got ${JSON.stringify(args.name)}`);
    this.trainableFlag = args.trainable ?? true;
    this.dtype = readDType(className, args.dtype);
    this.batchInputShape = args.inputShape ? [null, ...args.inputShape] : null;
    this.activityRegularizer = getRegularizer(args.activityRegularizer, `${className}: activity_regularizer`);
    // Keras wraps build so that it runs once and marks the layer built, whoever calls it.
    const subclassBuild = this.build;
    this.build = (inputShape: LayerShape | readonly LayerShape[]) => {
      if (this.built) return;
      this.buildInProgress = true;
      try {
        subclassBuild.call(this, inputShape);
      } finally {
        this.buildInProgress = false;
      }
      this.built = true;
    };
  }

  /** The class name as Keras writes it. */
  get className(): string {
    return (this.constructor as typeof Layer).className;
  }

  /** Whether the layer's weights are trained. Setting it affects nested layers too (as in Keras). */
  get trainable(): boolean {
    return this.trainableFlag;
  }
  set trainable(value: boolean) {
    this.trainableFlag = value;
    for (const layer of this.layers) layer.trainable = value;
  }

  /** Creates the layer's weights for an input shape. Runs once, on the first call. Keras's `build`. */
  build(_inputShape: LayerShape | readonly LayerShape[]): void {}

  /** The computation. Keras's `call`. */
  abstract call(inputs: LayerInputs, args: CallArgs): LayerOutputs;

  /**
   * Calls the layer: checks the inputs against `inputSpec`, builds on the first call, runs `call`
   * with the mask and training flag, attaches the output mask. Keras's `layer(inputs)`; TensorFlow.js's `apply`.
   */
  apply(inputs: LayerInputs, args: CallArgs = {}): LayerOutputs {
    if (symbolicCallHandler !== null) {
      const symbolic = symbolicCallHandler(this, inputs, args);
      if (symbolic !== undefined) return symbolic;
    }
    const list = this.checkInputs(inputs);
    this.assertInputCompatibility(list);
    if (!this.built) {
      const shapes = list.map((t) => t.shape);
      this.build(Array.isArray(inputs) ? shapes : shapes[0]);
    }
    const mask = args.mask !== undefined ? args.mask : this.collectMask(inputs);
    const inherited = trainingStack.length > 0 ? trainingStack[trainingStack.length - 1] : undefined;
    const training = args.training ?? inherited;
    if (this.callDepth === 0 && trainingStack.length === 0) this.clearCallLosses();
    trainingStack.push(training);
    this.callDepth++;
    try {
      const { outputs, outputMask } = tidy(() => {
        const callArgs: CallArgs = { ...args, training, mask: mask ?? undefined };
        const result = this.call(inputs, callArgs);
        const computed = this.supportsMasking ? this.computeMask(inputs, mask ?? null) : null;
        if (this.activityRegularizer !== null) {
          const outs = Array.isArray(result) ? result : [result];
          for (const out of outs) this.addLoss(this.activityRegularizer.call(out).div(out.shape[0] ?? 1));
        }
        return { outputs: result, outputMask: computed };
      });
      this.attachOutputMasks(outputs, outputMask);
      return outputs;
    } finally {
      this.callDepth--;
      trainingStack.pop();
    }
  }

  private checkInputs(inputs: LayerInputs): readonly Tensor[] {
    const list = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor];
    list.forEach((t, i) => {
      if (!(t instanceof Tensor)) {
        throw new ArgumentError(`${this.name}: input ${i} must be a Tensor, got ${t === null ? 'null' : typeof t}`);
      }
    });
    return list;
  }

  private collectMask(inputs: LayerInputs): Tensor | (Tensor | null)[] | null {
    if (Array.isArray(inputs)) {
      const masks = (inputs as readonly Tensor[]).map(getAttachedMask);
      return masks.some((m) => m !== null) ? masks : null;
    }
    return getAttachedMask(inputs as Tensor);
  }

  private attachOutputMasks(outputs: LayerOutputs, mask: Tensor | null | readonly (Tensor | null)[]): void {
    const outs = Array.isArray(outputs) ? outputs : [outputs];
    const masks = Array.isArray(mask) ? mask : outs.map(() => mask as Tensor | null);
    outs.forEach((t, i) => attachMask(t, masks[i] ?? null));
  }

  /**
   * The mask of the outputs given the inputs' mask; used only when `supportsMasking`. Default: pass
   * the mask on. Keras's `compute_mask`.
   */
  computeMask(_inputs: LayerInputs, mask: Tensor | null | readonly (Tensor | null)[]): Tensor | null | (Tensor | null)[] {
    if (mask === null || mask === undefined) return null;
    return Array.isArray(mask) ? [...(mask as (Tensor | null)[])] : (mask as Tensor);
  }

  /**
   * The output shape for an input shape, `null` for unknown dimensions. Built-in layers compute it
   * from their arguments. This default, for custom layers, builds the layer (for real: its weights
   * stay) and then evaluates `call` abstractly with `evalShape` from `@tessera/tracer`: `call` runs
   * on symbolic tensors, no kernel runs, and an output dimension that follows an unknown input
   * dimension is `null`. The abstract call leaves nothing behind: assignments to weights are not
   * performed, its losses are dropped, and nested layers it built go back to unbuilt (their weights
   * are made on their first real call). Keras's `compute_output_shape` by `compute_output_spec`.
   */
  computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape | LayerShape[] {
    const isList = Array.isArray(inputShape[0]) || (inputShape.length > 0 && inputShape.every((d) => Array.isArray(d)));
    const shapes = (isList ? inputShape : [inputShape]) as readonly LayerShape[];
    this.build(isList ? shapes : shapes[0]);
    const builtBefore = new Set(this.layerTree().filter((layer) => layer.built));
    const lossesBefore = this.takeCallLosses();
    try {
      const specs = shapes.map((shape) => ({ shape: [...shape], dtype: this.dtype }));
      const probe = (xs: Tensor[]) => this.apply(isList ? xs : xs[0]);
      const out = evalShape(probe, specs) as ShapeSpec | ShapeSpec[];
      const result = (Array.isArray(out) ? out : [out]).map((spec) => [...spec.shape]);
      return result.length === 1 && !Array.isArray(out) ? result[0] : result;
    } finally {
      this.restoreCallLosses(lossesBefore);
      for (const layer of this.layerTree()) layer.forgetAbstractWeights(builtBefore.has(layer));
    }
  }

  /** This layer and every layer nested in it, each once. */
  private layerTree(): Layer[] {
    const found = new Set<Layer>();
    const visit = (layer: Layer) => {
      if (found.has(layer)) return;
      found.add(layer);
      layer.layers.forEach(visit);
    };
    visit(this);
    return [...found];
  }

  /**
   * Drops the weights an abstract evaluation created (symbolic, disposed when it ended); a layer it
   * built goes back to unbuilt, so its first real call builds it.
   */
  private forgetAbstractWeights(wasBuilt: boolean): void {
    const live = (r: WeightRecord) => !r.variable.isDisposed;
    const dropped = [...this.trainableRecords, ...this.nonTrainableRecords].filter((r) => !live(r));
    if (dropped.length === 0) return;
    this.trainableRecords.splice(0, this.trainableRecords.length, ...this.trainableRecords.filter(live));
    this.nonTrainableRecords.splice(0, this.nonTrainableRecords.length, ...this.nonTrainableRecords.filter(live));
    if (!wasBuilt) this.built = false;
  }

  /** Takes every nested layer's call losses out (to be put back by `restoreCallLosses`). */
  private takeCallLosses(): Map<Layer, Tensor[]> {
    const taken = new Map<Layer, Tensor[]>();
    const visit = (layer: Layer) => {
      if (taken.has(layer)) return;
      taken.set(layer, layer.callLosses);
      layer.callLosses = [];
      layer.layers.forEach(visit);
    };
    visit(this);
    return taken;
  }

  /** Drops the losses added since `takeCallLosses` and puts the taken ones back. */
  private restoreCallLosses(taken: Map<Layer, Tensor[]>): void {
    for (const [layer, losses] of taken) {
      dispose(layer.callLosses);
      layer.callLosses = losses;
    }
  }

  /** Checks inputs against `inputSpec`; the error names the layer, the input, expected and given. */
  assertInputCompatibility(inputs: readonly { shape: LayerShape }[]): void {
    assertInputCompatibility(this.name, this.inputSpec, inputs);
  }

  /**
   * Creates a weight (a core `Variable`) owned by this layer. Call it from the constructor or
   * `build`; after the layer is built it is an error (as are weights created during a traced
   * call). Keras's `add_weight`.
   */
  addWeight(options: AddWeightOptions): Variable {
    if (this.built && !this.buildInProgress) {
      throw new ArgumentError(
        `${this.name}: addWeight('${options.name}') after the layer was built; create weights in the constructor or in build()`,
      );
    }
    if (typeof options.name !== 'string' || options.name === '') {
      throw new ArgumentError(`${this.name}: addWeight needs a name, got ${JSON.stringify(options.name)}`);
    }
    const shape = options.shape;
    if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new ShapeError(`${this.name}: weight '${options.name}' needs a concrete shape of non-negative integers, got ${JSON.stringify(shape)}`);
    }
    const initializer = getInitializer(options.initializer ?? 'glorot_uniform', `${this.name}: weight '${options.name}'`);
    const trainable = options.trainable ?? true;
    const dtype = options.dtype ?? 'float32';
    const weight = tidy(() => {
      const initial = initializer.call(shape);
      return variable(initial, { name: `${this.name}/${options.name}`, trainable, dtype });
    });
    const record: WeightRecord = {
      variable: weight,
      regularizer: getRegularizer(options.regularizer, `${this.name}: weight '${options.name}'`),
      constraint: getConstraint(options.constraint, `${this.name}: weight '${options.name}'`),
    };
    (trainable ? this.trainableRecords : this.nonTrainableRecords).push(record);
    return weight;
  }

  /**
   * The layers nested in this one: every `Layer` (or array of layers) held in a property, in the
   * order the properties were assigned. Keras tracks them the same way.
   */
  get layers(): Layer[] {
    const found: Layer[] = [];
    const seen = new Set<Layer>([this]);
    const visit = (value: unknown): void => {
      if (value instanceof Layer) {
        if (!seen.has(value)) {
          seen.add(value);
          found.push(value);
        }
      } else if (Array.isArray(value)) value.forEach(visit);
    };
    for (const key of Object.keys(this)) visit((this as Record<string, unknown>)[key]);
    return found;
  }

  private records(): WeightRecord[] {
    const out: WeightRecord[] = [];
    const seen = new Set<Variable>();
    const push = (r: WeightRecord) => {
      if (!seen.has(r.variable)) {
        seen.add(r.variable);
        out.push(r);
      }
    };
    [...this.trainableRecords, ...this.nonTrainableRecords].forEach(push);
    for (const layer of this.layers) layer.records().forEach(push);
    return out;
  }

  /** Every weight: own trainable, own non-trainable, then nested layers'. Keras's `weights` order. */
  get weights(): Variable[] {
    return this.records().map((r) => r.variable);
  }

  /** The weights an optimizer updates; none when the layer is frozen. */
  get trainableWeights(): Variable[] {
    if (!this.trainable) return [];
    const out = this.trainableRecords.map((r) => r.variable);
    for (const layer of this.layers) for (const w of layer.trainableWeights) if (!out.includes(w)) out.push(w);
    return out;
  }

  /** The weights an optimizer leaves alone: moving statistics, state, and everything when frozen. */
  get nonTrainableWeights(): Variable[] {
    if (!this.trainable) return this.weights;
    const trainable = new Set(this.trainableWeights);
    return this.weights.filter((w) => !trainable.has(w));
  }

  /** The constraint registered for a weight (applied by optimizers after each update). */
  constraintOf(w: Variable): Constraint | null {
    return this.records().find((r) => r.variable === w)?.constraint ?? null;
  }

  /** Copies of the weights' values, in `weights` order. Keras's `get_weights`. */
  getWeights(): Tensor[] {
    return this.weights.map((w) => w.clone());
  }

  /** Replaces every weight's value, in `weights` order. Keras's `set_weights`. */
  setWeights(values: readonly TensorLike[]): void {
    const weights = this.weights;
    if (!Array.isArray(values) || values.length !== weights.length) {
      throw new ArgumentError(
        `${this.name}: setWeights expects ${weights.length} arrays (${weights.map((w) => `${w.name} ${formatLayerShape(w.shape)}`).join(', ')}), ` +
          `got ${Array.isArray(values) ? values.length : typeof values}`,
      );
    }
    const converted = values.map((value, i) => {
      const w = weights[i];
      if (value instanceof Tensor) return value;
      if (ArrayBuffer.isView(value)) {
        const length = (value as unknown as ArrayLike<number>).length;
        if (length !== w.size) {
          throw new ShapeError(`${this.name}: setWeights value ${i} for '${w.name}' must have ${w.size} elements (shape ${formatLayerShape(w.shape)}), got ${length}`);
        }
        return tensor(value as Float32Array, w.shape, w.dtype);
      }
      return tensor(value as never, undefined, w.dtype);
    });
    try {
      converted.forEach((t, i) => {
        const w = weights[i];
        if (t.shape.length !== w.shape.length || t.shape.some((d, j) => d !== w.shape[j])) {
          throw new ShapeError(
            `${this.name}: setWeights value ${i} for '${w.name}' must have shape ${formatLayerShape(w.shape)}, got ${formatLayerShape(t.shape)}`,
          );
        }
      });
      converted.forEach((t, i) => weights[i].assign(t));
    } finally {
      converted.forEach((t, i) => {
        if (t !== values[i]) t.dispose();
      });
    }
  }

  /** The number of scalars in the weights. Keras's `count_params`. */
  countParams(): number {
    return this.weights.reduce((n, w) => n + w.size, 0);
  }

  /**
   * Adds a loss (a scalar tensor) from inside `call`, e.g. an activity penalty; kept until the next
   * top-level call. Keras's `add_loss`.
   */
  addLoss(loss: Tensor | number): void {
    const t = typeof loss === 'number' ? tensor(loss) : loss;
    this.callLosses.push(keep(t));
  }

  /**
   * Losses from the last call (own and nested) plus the weights' regularization penalties,
   * computed now. Keras's `losses`. The caller owns the returned tensors.
   */
  get losses(): Tensor[] {
    const out: Tensor[] = [];
    const collect = (layer: Layer) => {
      out.push(...layer.callLosses.map((t) => t.clone()));
      for (const r of [...layer.trainableRecords, ...layer.nonTrainableRecords]) {
        if (r.regularizer !== null) {
          const reg = r.regularizer;
          out.push(tidy(() => reg.call(r.variable)));
        }
      }
      layer.layers.forEach(collect);
    };
    collect(this);
    return out;
  }

  /** The sum of `losses` (0 when there are none). */
  totalLoss(): Tensor {
    const losses = this.losses;
    const total = tidy(() => losses.reduce<Tensor>((a, b) => add(a, b), tensor(0)));
    dispose(losses);
    return total;
  }

  private clearCallLosses(): void {
    const clear = (layer: Layer) => {
      dispose(layer.callLosses);
      layer.callLosses = [];
      layer.layers.forEach(clear);
    };
    clear(this);
  }

  /** Keras's base config: name, trainable, dtype policy. Subclasses add their arguments. */
  getConfig(): Config {
    return { name: this.name, trainable: this.trainable, dtype: dtypePolicy(this.dtype) };
  }

  /** Builds a layer from a Keras config (snake_case keys). Keras's `from_config`. */
  static fromConfig<T extends Layer>(this: new (args: any) => T, config: Config): T {
    return new this(configToOptions(config));
  }

  /**
   * Installs the handler that `apply` consults first, for inputs that are not tensors (or `null`
   * to remove it). `@tessera/keras` registers one so that `layer.apply(Input(...))` records a
   * functional-API call; a layer package never needs to know about models.
   */
  static setSymbolicCallHandler(handler: SymbolicCallHandler | null): void {
    symbolicCallHandler = handler;
  }

  /** Frees the weights. The layer cannot be called afterwards. */
  dispose(): void {
    for (const w of this.weights) w.dispose();
    this.clearCallLosses();
  }

  /** `using layer = new Dense(...)` frees the weights at the end of the scope. */
  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** A tensor's shape as a layer shape (no unknowns). */
export function shapeOf(t: Tensor): LayerShape {
  return t.shape;
}
