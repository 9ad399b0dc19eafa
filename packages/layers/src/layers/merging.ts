import {
  ArgumentError,
  ShapeError,
  add,
  any,
  broadcastTo,
  concat,
  div,
  expandDims,
  l2Normalize,
  logicalAnd,
  matMul,
  maximum,
  minimum,
  mul,
  ones,
  reshape,
  sub,
  transpose,
  type Tensor,
} from '@tessera/core';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape, formatLayerShape } from '../layer.js';
import type { Config } from '../serialization.js';

/** NumPy broadcasting of layer shapes, `null` where unknown. */
function broadcastLayerShapes(layer: Layer, shapes: readonly LayerShape[]): LayerShape {
  const rank = Math.max(...shapes.map((s) => s.length));
  const out: (number | null)[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: number | null = 1;
    for (const s of shapes) {
      const index = s.length - rank + i;
      const d = index < 0 ? 1 : s[index];
      if (d === 1) continue;
      if (d === null) dim = dim === 1 ? null : dim;
      else if (dim === 1 || dim === null) dim = d;
      else if (dim !== d) {
        throw new ShapeError(`${layer.name}: inputs must have broadcastable shapes, got ${shapes.map(formatLayerShape).join(' and ')}`);
      }
    }
    out.push(dim);
  }
  return out;
}

function inputList(layer: Layer, inputs: LayerInputs, min = 1): readonly Tensor[] {
  if (!Array.isArray(inputs) || inputs.length < min) {
    throw new ArgumentError(`${layer.name}: expects a list of at least ${min} input tensors, got ${Array.isArray(inputs) ? inputs.length : 'one tensor'}`);
  }
  return inputs as readonly Tensor[];
}

function shapeList(layer: Layer, shapes: LayerShape | readonly LayerShape[]): readonly LayerShape[] {
  if (!Array.isArray(shapes[0])) throw new ArgumentError(`${layer.name}: expects a list of input shapes, got ${formatLayerShape(shapes as LayerShape)}`);
  return shapes as readonly LayerShape[];
}

/**
 * The base of the elementwise merge layers: combines a list of same-shaped (or broadcastable)
 * tensors into one; the output mask is the AND of the input masks. Keras's `Merge`.
 */
abstract class Merge extends Layer {
  protected minInputs = 1;
  constructor(args: LayerArgs = {}) {
    super(args);
    this.supportsMasking = true;
  }
  protected abstract merge(inputs: readonly Tensor[]): Tensor;
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    const shapes = shapeList(this, inputShape);
    if (shapes.length < this.minInputs) {
      throw new ArgumentError(`${this.name}: expects at least ${this.minInputs} inputs, got ${shapes.length}`);
    }
    broadcastLayerShapes(this, shapes);
  }
  call(inputs: LayerInputs): Tensor {
    return this.merge(inputList(this, inputs, this.minInputs));
  }
  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    return broadcastLayerShapes(this, shapeList(this, inputShape));
  }
  override computeMask(_inputs: LayerInputs, mask: Tensor | null | readonly (Tensor | null)[]): Tensor | null {
    if (mask === null || mask === undefined || !Array.isArray(mask)) return (mask as Tensor | null) ?? null;
    const masks = (mask as (Tensor | null)[]).filter((m): m is Tensor => m !== null);
    if (masks.length === 0) return null;
    return masks.reduce((a, b) => logicalAnd(a, b));
  }
}

/** Elementwise sum. Corresponds to `keras.layers.Add`. */
export class Add extends Merge {
  static override className = 'Add';
  protected merge(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((a, b) => add(a, b), inputs[0]);
  }
}

/** `inputs[0] − inputs[1]`. Corresponds to `keras.layers.Subtract`. */
export class Subtract extends Merge {
  static override className = 'Subtract';
  protected override minInputs = 2;
  protected merge(inputs: readonly Tensor[]): Tensor {
    if (inputs.length !== 2) throw new ArgumentError(`${this.name}: expects exactly 2 inputs, got ${inputs.length}`);
    return sub(inputs[0], inputs[1]);
  }
}

/** Elementwise product. Corresponds to `keras.layers.Multiply`. */
export class Multiply extends Merge {
  static override className = 'Multiply';
  protected merge(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((a, b) => mul(a, b), inputs[0]);
  }
}

/** Elementwise mean. Corresponds to `keras.layers.Average`. */
export class Average extends Merge {
  static override className = 'Average';
  protected merge(inputs: readonly Tensor[]): Tensor {
    return div(
      inputs.slice(1).reduce((a, b) => add(a, b), inputs[0]),
      inputs.length,
    );
  }
}

/** Elementwise maximum. Corresponds to `keras.layers.Maximum`. */
export class Maximum extends Merge {
  static override className = 'Maximum';
  protected merge(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((a, b) => maximum(a, b), inputs[0]);
  }
}

/** Elementwise minimum. Corresponds to `keras.layers.Minimum`. */
export class Minimum extends Merge {
  static override className = 'Minimum';
  protected merge(inputs: readonly Tensor[]): Tensor {
    return inputs.slice(1).reduce((a, b) => minimum(a, b), inputs[0]);
  }
}

export interface ConcatenateArgs extends LayerArgs {
  axis?: number;
}

/** Joins inputs along `axis`. Corresponds to `keras.layers.Concatenate`. */
export class Concatenate extends Layer {
  static override className = 'Concatenate';
  readonly axis: number;
  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) throw new ArgumentError(`Concatenate: axis must be an integer, got ${JSON.stringify(args.axis)}`);
    this.supportsMasking = true;
  }
  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const shapes = shapeList(this, inputShape);
    const rank = shapes[0].length;
    const axis = this.axis < 0 ? rank + this.axis : this.axis;
    const out = [...shapes[0]];
    for (const s of shapes.slice(1)) {
      const compatible = s.length === rank && s.every((d, i) => i === axis || d === null || out[i] === null || d === out[i]);
      if (!compatible) {
        throw new ShapeError(
          `${this.name}: inputs must match except on the concatenation axis ${this.axis}, got ${shapes.map(formatLayerShape).join(', ')}`,
        );
      }
      out[axis] = out[axis] === null || s[axis] === null ? null : (out[axis] as number) + (s[axis] as number);
    }
    return out;
  }
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    this.computeOutputShape(inputShape);
  }
  call(inputs: LayerInputs): Tensor {
    const list = inputList(this, inputs);
    this.computeOutputShape(list.map((t) => t.shape));
    return concat(list, this.axis);
  }
  override computeMask(inputs: LayerInputs, mask: Tensor | null | readonly (Tensor | null)[]): Tensor | null {
    if (!Array.isArray(mask) || mask.every((m) => m === null)) return null;
    const list = inputs as readonly Tensor[];
    // Keras: an unmasked input counts as all-true; masks are spread over the features, joined, and
    // a position stays unmasked if any of its features does.
    const masks = (mask as (Tensor | null)[]).map((m, i) => {
      if (m === null) return ones(list[i].shape, 'bool');
      if (m.rank < list[i].rank) return broadcastTo(expandDims(m, -1), list[i].shape);
      return m;
    });
    return any(concat(masks, this.axis), -1);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axis: this.axis };
  }
}

export interface DotArgs extends LayerArgs {
  axes: number | readonly [number, number];
  normalize?: boolean;
}

/**
 * Dot product of two tensors along `axes` per sample (Keras's `batch_dot`); with `normalize`, the
 * cosine similarity. Corresponds to `keras.layers.Dot`.
 */
export class Dot extends Layer {
  static override className = 'Dot';
  readonly axes: number | [number, number];
  readonly normalize: boolean;
  constructor(args: DotArgs) {
    super(args);
    const axes = args?.axes;
    const valid = Number.isInteger(axes) || (Array.isArray(axes) && axes.length === 2 && axes.every((a) => Number.isInteger(a)));
    if (!valid) throw new ArgumentError(`Dot: axes must be an integer or a pair of integers, got ${JSON.stringify(axes)}`);
    this.axes = typeof axes === 'number' ? axes : [axes[0], axes[1]];
    this.normalize = args.normalize ?? false;
  }
  private resolveAxes(ranks: readonly [number, number]): [number, number] {
    const pair = typeof this.axes === 'number' ? [this.axes, this.axes] : this.axes;
    return [0, 1].map((i) => (pair[i] < 0 ? ((pair[i] % ranks[i]) + ranks[i]) % ranks[i] : pair[i])) as [number, number];
  }
  override computeOutputShape(inputShape: LayerShape | readonly LayerShape[]): LayerShape {
    const shapes = shapeList(this, inputShape);
    if (shapes.length !== 2) throw new ArgumentError(`${this.name}: expects exactly 2 inputs, got ${shapes.length}`);
    const [a, b] = shapes;
    const [ax, bx] = this.resolveAxes([a.length, b.length]);
    if (a[ax] !== null && b[bx] !== null && a[ax] !== b[bx]) {
      throw new ShapeError(`${this.name}: dimension ${ax} of input 0 ${formatLayerShape(a)} and ${bx} of input 1 ${formatLayerShape(b)} must be equal`);
    }
    const rest = [...a.slice(1).filter((_, i) => i + 1 !== ax), ...b.slice(1).filter((_, i) => i + 1 !== bx)];
    return [a[0], ...(rest.length === 0 ? [1] : rest)];
  }
  override build(inputShape: LayerShape | readonly LayerShape[]): void {
    this.computeOutputShape(inputShape);
  }
  call(inputs: LayerInputs, _args: CallArgs): Tensor {
    const list = inputList(this, inputs, 2);
    const outShape = this.computeOutputShape(list.map((t) => t.shape)) as number[];
    let [x, y] = list;
    const [ax, bx] = this.resolveAxes([x.rank, y.rank]);
    if (this.normalize) {
      x = l2Normalize(x, ax);
      y = l2Normalize(y, bx);
    }
    const batch = x.shape[0];
    // Contracted axis last in x, first (after batch) in y, then one batched matMul.
    const xPerm = [0, ...x.shape.map((_, i) => i).filter((i) => i !== 0 && i !== ax), ax];
    const yPerm = [0, bx, ...y.shape.map((_, i) => i).filter((i) => i !== 0 && i !== bx)];
    const k = x.shape[ax];
    const xm = reshape(transpose(x, xPerm), [batch, -1, k]);
    const ym = reshape(transpose(y, yPerm), [batch, k, -1]);
    return reshape(matMul(xm, ym), outShape);
  }
  override getConfig(): Config {
    return { ...super.getConfig(), axes: typeof this.axes === 'number' ? this.axes : [...this.axes], normalize: this.normalize };
  }
}
