import {
  ArgumentError,
  ShapeError,
  Tensor,
  add,
  bernoulli,
  cast,
  div,
  expandDims,
  greaterEqual,
  logicalAnd,
  matMul,
  mul,
  reshape,
  softmax,
  sub,
  sum,
  tanh,
  tensor,
  transpose,
  where,
  type Variable,
} from '@tessera/core';
import { type ConstraintIdentifier, type Constraint, getConstraint, serializeConstraint } from '../constraints.js';
import { type Initializer, type InitializerIdentifier, getInitializer, serializeInitializer } from '../initializers.js';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape, formatLayerShape } from '../layer.js';
import { type Regularizer, type RegularizerIdentifier, getRegularizer, serializeRegularizer } from '../regularizers.js';
import { type Config, numberArg, oneOf, positiveInt } from '../serialization.js';
import { knownDim } from './core.js';

/** A `[1, Tq, Tk]` lower-triangular mask: query step i sees key steps 0..i. */
function causalMask(tq: number, tk: number): Tensor {
  const values: boolean[] = [];
  for (let i = 0; i < tq; i++) for (let j = 0; j < tk; j++) values.push(i >= j);
  return tensor(values, [1, tq, tk], 'bool');
}

function attentionInputs(layer: Layer, inputs: LayerInputs): readonly Tensor[] {
  if (!Array.isArray(inputs) || inputs.length < 2 || inputs.length > 3) {
    throw new ArgumentError(`${layer.name}: expects a list [query, value] or [query, value, key], got ${Array.isArray(inputs) ? `${inputs.length} tensors` : 'one tensor'}`);
  }
  const [query, value, key = value] = inputs as readonly Tensor[];
  if (query.rank !== 3 || value.rank !== 3 || key.rank !== 3) {
    throw new ShapeError(
      `${layer.name}: query, value and key must be rank 3 [batch, steps, dim], got ${[query, value, key].map((t) => formatLayerShape(t.shape)).join(', ')}`,
    );
  }
  return inputs as readonly Tensor[];
}

function maskAt(mask: CallArgs['mask'], i: number): Tensor | null {
  return Array.isArray(mask) ? ((mask as (Tensor | null)[])[i] ?? null) : null;
}

function dropoutWeights(weights: Tensor, rate: number, training: boolean | undefined, seed: number | null, call: number): Tensor {
  if (!training || rate === 0) return weights;
  return mul(weights, div(bernoulli(weights.shape, 1 - rate, seed === null ? undefined : [seed >>> 0, call]), 1 - rate));
}

export interface AttentionArgs extends LayerArgs {
  useScale?: boolean;
  scoreMode?: 'dot' | 'concat';
  dropout?: number;
  seed?: number | null;
}

/**
 * Dot-product (Luong) or additive (`concat`, Bahdanau) attention of `[query, value, key?]`.
 * Masked value steps get weight 0; masked query steps output 0. Call with `returnAttentionScores`
 * for the weights, `useCausalMask` for decoder self-attention. Corresponds to `keras.layers.Attention`.
 */
export class Attention extends Layer {
  static override className = 'Attention';
  readonly useScale: boolean;
  readonly scoreMode: 'dot' | 'concat';
  readonly dropout: number;
  readonly seed: number | null;
  scale: Variable | null = null;
  concatScoreWeight: Variable | null = null;
  private dropoutCalls = 0;

  constructor(args: AttentionArgs = {}) {
    super(args);
    this.useScale = args.useScale ?? false;
    this.scoreMode = oneOf('Attention', 'score_mode', args.scoreMode ?? 'dot', ['dot', 'concat']);
    this.dropout = numberArg('Attention', 'dropout', args.dropout ?? 0, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    this.seed = args.seed ?? null;
    this.supportsMasking = true;
  }

  override build(): void {
    if (this.useScale) this.scale = this.addWeight({ name: 'scale', shape: [], initializer: 'ones' });
    if (this.scoreMode === 'concat') this.concatScoreWeight = this.addWeight({ name: 'concat_score_weight', shape: [], initializer: 'ones' });
  }

  private scores(query: Tensor, key: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const scores = matMul(query, key, false, true);
      return this.scale === null ? scores : mul(scores, this.scale);
    }
    // Additive: Σ tanh(scale·(q + k)) over features, for every (query, key) pair.
    let pairs = add(expandDims(query, -2), expandDims(key, -3));
    if (this.scale !== null) pairs = mul(pairs, this.scale);
    return mul(this.concatScoreWeight!, sum(tanh(pairs), -1));
  }

  call(inputs: LayerInputs, args: CallArgs): Tensor | Tensor[] {
    const [query, value, keyInput] = attentionInputs(this, inputs);
    const key = keyInput ?? value;
    let scores = this.scores(query, key);
    const valueMask = maskAt(args.mask, 1);
    let scoresMask: Tensor | null = valueMask === null ? null : expandDims(valueMask, -2);
    if (args.useCausalMask) {
      const causal = causalMask(scores.shape[1], scores.shape[2]);
      scoresMask = scoresMask === null ? causal : logicalAnd(scoresMask, causal);
    }
    // Keras subtracts 1e9 from masked scores rather than using -inf.
    if (scoresMask !== null) scores = sub(scores, mul(cast(scoresMask.logicalNot(), 'float32'), 1e9));
    let weights = softmax(scores, -1);
    weights = dropoutWeights(weights, this.dropout, args.training, this.seed, this.dropoutCalls++);
    let result = matMul(weights, value);
    const queryMask = maskAt(args.mask, 0);
    if (queryMask !== null) result = mul(result, cast(expandDims(queryMask, -1), 'float32'));
    return args.returnAttentionScores ? [result, weights] : result;
  }

  override computeMask(_inputs: LayerInputs, mask: Tensor | null | readonly (Tensor | null)[]): Tensor | null {
    return maskAt(mask as CallArgs['mask'], 0);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const shapes = inputShape as readonly LayerShape[];
    return [...shapes[0].slice(0, -1), shapes[1][shapes[1].length - 1]];
  }

  override getConfig(): Config {
    return { ...super.getConfig(), use_scale: this.useScale, score_mode: this.scoreMode, dropout: this.dropout, seed: this.seed };
  }
}

export interface MultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  useBias?: boolean;
  outputShape?: number | readonly number[] | null;
  attentionAxes?: number | readonly number[] | null;
  kernelInitializer?: InitializerIdentifier;
  biasInitializer?: InitializerIdentifier;
  kernelRegularizer?: RegularizerIdentifier;
  biasRegularizer?: RegularizerIdentifier;
  kernelConstraint?: ConstraintIdentifier;
  biasConstraint?: ConstraintIdentifier;
  useGate?: boolean;
  slidingWindow?: number | null;
  seed?: number | null;
}

/**
 * Multi-head scaled dot-product attention (Vaswani et al., 2017) over `[query, value, key?]`, each
 * `[batch, steps, dim]`. Kernels as Keras lays them out: query/key/value `[dim, heads, keyDim]`
 * (biases `[heads, keyDim]`), output `[heads, valueDim, outDim]`; the query is scaled by
 * `1/√keyDim`. Call arguments: `attentionMask` `[batch, Tq, Tk]`, `useCausalMask`,
 * `returnAttentionScores` (scores `[batch, heads, Tq, Tk]`). Corresponds to `keras.layers.MultiHeadAttention`.
 */
export class MultiHeadAttention extends Layer {
  static override className = 'MultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly dropout: number;
  readonly useBias: boolean;
  readonly outputShape: number[] | null;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  readonly kernelRegularizer: Regularizer | null;
  readonly biasRegularizer: Regularizer | null;
  readonly kernelConstraint: Constraint | null;
  readonly biasConstraint: Constraint | null;
  readonly seed: number | null;
  private projections: Record<'query' | 'key' | 'value' | 'output', { kernel: Variable; bias: Variable | null }> | null = null;
  private dropoutCalls = 0;

  constructor(args: MultiHeadAttentionArgs) {
    super(args);
    this.numHeads = positiveInt('MultiHeadAttention', 'num_heads', args?.numHeads);
    this.keyDim = positiveInt('MultiHeadAttention', 'key_dim', args.keyDim);
    this.valueDim = args.valueDim === undefined || args.valueDim === null ? this.keyDim : positiveInt('MultiHeadAttention', 'value_dim', args.valueDim);
    this.dropout = numberArg('MultiHeadAttention', 'dropout', args.dropout ?? 0, (v) => v >= 0 && v < 1, 'a number in [0, 1)');
    this.useBias = args.useBias ?? true;
    const out = args.outputShape;
    this.outputShape = out === undefined || out === null ? null : typeof out === 'number' ? [out] : [...out];
    if (this.outputShape !== null && this.outputShape.length !== 1) {
      throw new ArgumentError(`MultiHeadAttention: output_shape must be one integer, got ${JSON.stringify(out)}`);
    }
    const axes = args.attentionAxes;
    const axesOk = axes === undefined || axes === null || axes === 1 || (Array.isArray(axes) && axes.length === 1 && axes[0] === 1);
    if (!axesOk) throw new ArgumentError(`MultiHeadAttention: only attention over axis 1 of rank-3 inputs is supported, got attention_axes ${JSON.stringify(axes)}`);
    if (args.useGate) throw new ArgumentError('MultiHeadAttention: use_gate is not supported yet');
    if (args.slidingWindow !== undefined && args.slidingWindow !== null) throw new ArgumentError('MultiHeadAttention: sliding_window is not supported yet');
    this.kernelInitializer = getInitializer(args.kernelInitializer ?? 'glorot_uniform', 'MultiHeadAttention: kernel_initializer');
    this.biasInitializer = getInitializer(args.biasInitializer ?? 'zeros', 'MultiHeadAttention: bias_initializer');
    this.kernelRegularizer = getRegularizer(args.kernelRegularizer, 'MultiHeadAttention: kernel_regularizer');
    this.biasRegularizer = getRegularizer(args.biasRegularizer, 'MultiHeadAttention: bias_regularizer');
    this.kernelConstraint = getConstraint(args.kernelConstraint, 'MultiHeadAttention: kernel_constraint');
    this.biasConstraint = getConstraint(args.biasConstraint, 'MultiHeadAttention: bias_constraint');
    this.seed = args.seed ?? null;
    this.supportsMasking = true;
  }

  private addProjection(name: string, kernelShape: number[], biasShape: number[]) {
    const kernel = this.addWeight({
      name: `${name}/kernel`,
      shape: kernelShape,
      initializer: this.kernelInitializer,
      regularizer: this.kernelRegularizer,
      constraint: this.kernelConstraint,
    });
    const bias = this.useBias
      ? this.addWeight({ name: `${name}/bias`, shape: biasShape, initializer: this.biasInitializer, regularizer: this.biasRegularizer, constraint: this.biasConstraint })
      : null;
    return { kernel, bias };
  }

  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shapes = inputShape as readonly LayerShape[];
    if (!Array.isArray(shapes[0]) || shapes.length < 2) {
      throw new ArgumentError(`${this.name}: expects the shapes of [query, value] or [query, value, key], got ${JSON.stringify(inputShape)}`);
    }
    const [queryShape, valueShape, keyShape = valueShape] = shapes;
    if ([queryShape, valueShape, keyShape].some((shape) => shape.length !== 3)) {
      throw new ShapeError(
        `${this.name}: query, value and key must be rank 3 [batch, steps, dim], got ${[queryShape, valueShape, keyShape].map(formatLayerShape).join(', ')}`,
      );
    }
    const queryDim = knownDim(this, queryShape, -1, 'query feature');
    const keyDim = knownDim(this, keyShape, -1, 'key feature');
    const valueDim = knownDim(this, valueShape, -1, 'value feature');
    const outDim = this.outputShape?.[0] ?? queryDim;
    const h = this.numHeads;
    this.projections = {
      query: this.addProjection('query', [queryDim, h, this.keyDim], [h, this.keyDim]),
      key: this.addProjection('key', [keyDim, h, this.keyDim], [h, this.keyDim]),
      value: this.addProjection('value', [valueDim, h, this.valueDim], [h, this.valueDim]),
      output: this.addProjection('attention_output', [h, this.valueDim, outDim], [outDim]),
    };
    this.inputSpec = [{ ndim: 3, axes: { [-1]: queryDim } }, { ndim: 3, axes: { [-1]: valueDim } }, { ndim: 3, axes: { [-1]: keyDim } }].slice(0, shapes.length);
  }

  /** `[batch, steps, dim]` → `[batch, heads, steps, headDim]`. */
  private project(x: Tensor, which: 'query' | 'key' | 'value', headDim: number): Tensor {
    const { kernel, bias } = this.projections![which];
    const [, steps, dim] = x.shape;
    let y = matMul(x, reshape(kernel, [dim, this.numHeads * headDim]));
    if (bias !== null) y = add(y, reshape(bias, [this.numHeads * headDim]));
    return transpose(reshape(y, [-1, steps, this.numHeads, headDim]), [0, 2, 1, 3]);
  }

  call(inputs: LayerInputs, args: CallArgs): Tensor | Tensor[] {
    const [queryInput, valueInput, keyInput] = attentionInputs(this, inputs);
    const keyTensor = keyInput ?? valueInput;
    const query = mul(this.project(queryInput, 'query', this.keyDim), 1 / Math.sqrt(this.keyDim));
    const key = this.project(keyTensor, 'key', this.keyDim);
    const value = this.project(valueInput, 'value', this.valueDim);
    let scores = matMul(query, key, false, true);

    let mask: Tensor | null = null;
    const combine = (m: Tensor) => (mask = mask === null ? m : logicalAnd(mask, m));
    const queryMask = maskAt(args.mask, 0);
    const valueMask = maskAt(args.mask, 1);
    const keyMask = keyInput === undefined ? null : maskAt(args.mask, 2);
    if (queryMask !== null) combine(expandDims(queryMask, -1));
    if (valueMask !== null) combine(expandDims(valueMask, -2));
    if (keyMask !== null) combine(expandDims(keyMask, -2));
    if (args.useCausalMask) combine(causalMask(queryInput.shape[1], valueInput.shape[1]));
    const attentionMask = args.attentionMask as Tensor | undefined | null;
    if (attentionMask !== undefined && attentionMask !== null) {
      combine(attentionMask.dtype === 'bool' ? attentionMask : greaterEqual(attentionMask, 0.5));
    }
    if (mask !== null) {
      // The mask covers [batch, Tq, Tk]; a head axis broadcasts it over the heads.
      const keep = expandDims(mask as Tensor, 1);
      scores = where(keep, scores, -1e9);
      scores = where(keep, softmax(scores, -1), 0);
    } else {
      scores = softmax(scores, -1);
    }
    const weights = dropoutWeights(scores, this.dropout, args.training, this.seed, this.dropoutCalls++);
    const steps = queryInput.shape[1];
    const attended = reshape(transpose(matMul(weights, value), [0, 2, 1, 3]), [-1, steps, this.numHeads * this.valueDim]);
    const { kernel, bias } = this.projections!.output;
    let output = matMul(attended, reshape(kernel, [this.numHeads * this.valueDim, kernel.shape[2]]));
    if (bias !== null) output = add(output, bias);
    return args.returnAttentionScores ? [output, scores] : output;
  }

  override computeMask(_inputs: LayerInputs, mask: Tensor | null | readonly (Tensor | null)[]): Tensor | null {
    return maskAt(mask as CallArgs['mask'], 0);
  }

  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const [queryShape] = inputShape as readonly LayerShape[];
    return [...queryShape.slice(0, -1), this.outputShape?.[0] ?? queryShape[queryShape.length - 1]];
  }

  override getConfig(): Config {
    return {
      ...super.getConfig(),
      num_heads: this.numHeads,
      key_dim: this.keyDim,
      value_dim: this.valueDim,
      dropout: this.dropout,
      use_bias: this.useBias,
      use_gate: false,
      output_shape: this.outputShape,
      attention_axes: [1],
      sliding_window: null,
      kernel_initializer: serializeInitializer(this.kernelInitializer),
      bias_initializer: serializeInitializer(this.biasInitializer),
      kernel_regularizer: serializeRegularizer(this.kernelRegularizer),
      bias_regularizer: serializeRegularizer(this.biasRegularizer),
      activity_regularizer: serializeRegularizer(this.activityRegularizer),
      kernel_constraint: serializeConstraint(this.kernelConstraint),
      bias_constraint: serializeConstraint(this.biasConstraint),
      seed: this.seed,
    };
  }
}
