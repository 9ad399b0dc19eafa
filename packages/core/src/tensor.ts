import type { DataId, DataOwner } from './backend.js';
import type { DType, TypedArray } from './dtype.js';
import { dtypeInfo } from './dtype.js';
import { engine } from './engine/engine.js';
import { ArgumentError, DisposedError, formatShape } from './errors.js';
import type { TensorInfo } from './ops/op.js';
// Each op comes from its own module, never from ops/index.js: the group tables there capture op
// definitions at load time, so they must load after every op module (see ops/primitives.ts).
import { clipByValue } from './composites/math.js';
import { logSoftmax, softmax } from './composites/nn.js';
import { expandDims, mean, squeeze } from './composites/shape.js';
import { abs } from './ops/abs.js';
import { add } from './ops/add.js';
import { all } from './ops/all.js';
import { any } from './ops/any.js';
import { argMax } from './ops/arg-max.js';
import { argMin } from './ops/arg-min.js';
import { atan2 } from './ops/atan2.js';
import { broadcastTo } from './ops/broadcast-to.js';
import { cast } from './ops/cast.js';
import { ceil } from './ops/ceil.js';
import { toTensor } from './ops/convert.js';
import { cos } from './ops/cos.js';
import { cumsum } from './ops/cumsum.js';
import { div } from './ops/div.js';
import { equal } from './ops/equal.js';
import { erf } from './ops/erf.js';
import { exp } from './ops/exp.js';
import { expm1 } from './ops/expm1.js';
import { floorDiv } from './ops/floor-div.js';
import { floor } from './ops/floor.js';
import { gather } from './ops/gather.js';
import { greaterEqual } from './ops/greater-equal.js';
import { greater } from './ops/greater.js';
import { isFinite } from './ops/is-finite.js';
import { isNaN } from './ops/is-nan.js';
import { lessEqual } from './ops/less-equal.js';
import { less } from './ops/less.js';
import { log } from './ops/log.js';
import { log1p } from './ops/log1p.js';
import { logicalAnd } from './ops/logical-and.js';
import { logicalNot } from './ops/logical-not.js';
import { logicalOr } from './ops/logical-or.js';
import { matMul } from './ops/mat-mul.js';
import { max } from './ops/max.js';
import { maximum } from './ops/maximum.js';
import { min } from './ops/min.js';
import { minimum } from './ops/minimum.js';
import { mod } from './ops/mod.js';
import { mul } from './ops/mul.js';
import { neg } from './ops/neg.js';
import { notEqual } from './ops/not-equal.js';
import { pad } from './ops/pad.js';
import { pow } from './ops/pow.js';
import { prod } from './ops/prod.js';
import { reciprocal } from './ops/reciprocal.js';
import { relu } from './ops/relu.js';
import { reshape } from './ops/reshape.js';
import { reverse } from './ops/reverse.js';
import { round } from './ops/round.js';
import { rsqrt } from './ops/rsqrt.js';
import { sigmoid } from './ops/sigmoid.js';
import { sign } from './ops/sign.js';
import { sin } from './ops/sin.js';
import { slice } from './ops/slice.js';
import { sqrt } from './ops/sqrt.js';
import { square } from './ops/square.js';
import { sub } from './ops/sub.js';
import { sum } from './ops/sum.js';
import { tanh } from './ops/tanh.js';
import { tile } from './ops/tile.js';
import { transpose } from './ops/transpose.js';
import type { Shape } from './shape.js';
import { sizeOf } from './shape.js';

/** Nested JS arrays of numbers or booleans, as `array()` returns and `tensor()` accepts. */
export type NestedArray = number | boolean | NestedArray[];

/** Anything an op accepts where a tensor is expected: JS numbers become scalars of the other operand's dtype. */
export type TensorLike = Tensor | number | boolean | NestedArray[] | TypedArray;

/**
 * An immutable n-dimensional array whose data lives on a backend (or, inside `trace`, a symbolic
 * value of the graph being recorded). Ops never consume their arguments; release memory with
 * `dispose()`, `tidy` or `using`. Corresponds to TensorFlow's `tf.Tensor`.
 */
export class Tensor implements TensorInfo {
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
  /** @internal Whatever owns the data: a backend, or a trace recording a graph. */
  readonly owner: DataOwner;
  #dataId: DataId;
  /** The user's reference plus any a gradient tape holds. Storage is released at zero. */
  #refs = 1;
  #disposedByUser = false;

  /** @internal Tensors are created by ops, `tensor()` and backends, never directly by users. */
  constructor(info: TensorInfo, owner: DataOwner, dataId: DataId) {
    this.shape = Object.freeze([...info.shape]);
    this.dtype = info.dtype;
    this.owner = owner;
    this.#dataId = dataId;
    this.id = engine.onTensorCreated(this);
  }

  get rank(): number {
    return this.shape.length;
  }

  get size(): number {
    return sizeOf(this.shape);
  }

  /** @internal */
  get dataId(): DataId {
    return this.#dataId;
  }

  /** @internal Used by `Variable.assign` to swap in new data. */
  protected setDataId(id: DataId): void {
    this.#dataId = id;
  }

  /** True once `dispose()` was called (or a `tidy` scope disposed it). */
  get isDisposed(): boolean {
    return this.#disposedByUser || this.#refs === 0;
  }

  /** @internal True while the storage exists (a tape may keep it after the user disposed it). */
  get isAlive(): boolean {
    return this.#refs > 0;
  }

  /** @internal Keeps the storage alive for a holder other than the user (a gradient tape). */
  retain(): void {
    if (this.#refs === 0) throw new DisposedError(`retain: tensor ${this.id} was disposed`);
    this.#refs++;
  }

  /** @internal */
  release(): void {
    if (this.#refs === 0) return;
    if (--this.#refs === 0) {
      this.owner.free(this.#dataId);
      engine.onTensorReleased(this);
    }
  }

  /** Releases this tensor's data. Safe to call twice. */
  dispose(): void {
    if (this.#disposedByUser) return;
    this.#disposedByUser = true;
    this.release();
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  private assertReadable(what: string): void {
    if (this.isDisposed) throw new DisposedError(`${what}: tensor ${this.id} (shape ${formatShape(this.shape)}) was disposed`);
    this.owner.assertReadable?.(what, this);
  }

  /** The values, flat and row-major, in a fresh typed array. The portable way to read (works on every backend). */
  async data(): Promise<TypedArray> {
    this.assertReadable('data');
    return this.owner.read(this.#dataId);
  }

  /** The values, synchronously. Works on CPU backends; WebGPU throws and asks for `await data()`. */
  dataSync(): TypedArray {
    this.assertReadable('dataSync');
    return this.owner.readSync(this.#dataId);
  }

  /** The values as nested JS arrays (booleans for `bool`). */
  async array(): Promise<NestedArray> {
    this.assertReadable('array');
    return toNested(await this.data(), this.shape, this.dtype);
  }

  arraySync(): NestedArray {
    this.assertReadable('arraySync');
    return toNested(this.dataSync(), this.shape, this.dtype);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    this.assertReadable('item');
    if (this.size !== 1) {
      throw new ArgumentError(`item: tensor must have exactly one element, got shape ${formatShape(this.shape)}`);
    }
    return this.dataSync()[0];
  }

  /** Lets `t + 1` and `` `${t}` `` work eagerly; inside `trace` it throws a TraceError. */
  [Symbol.toPrimitive](hint: string): number | string {
    this.assertReadable('Symbol.toPrimitive');
    if (hint === 'string') return this.format(this.dataSync());
    if (this.size !== 1) {
      throw new ArgumentError(
        `Tensor: only a one-element tensor converts to a number, got shape ${formatShape(this.shape)}; use data() or array()`,
      );
    }
    return this.dataSync()[0];
  }

  /** A description without reading values (safe inside `trace` and on WebGPU). */
  toString(): string {
    return `Tensor(shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
  }

  private format(values: TypedArray): string {
    return `Tensor(${JSON.stringify(toNested(values, this.shape, this.dtype))}, shape=${formatShape(this.shape)}, dtype=${this.dtype})`;
  }

  /** Prints the values to the console (eager only). */
  print(): void {
    this.assertReadable('print');
    console.log(this.format(this.dataSync()));
  }

  // ---- chained methods: each is the op function of the same name --------------------------------

  add(b: TensorLike): Tensor { return add(this, b); }
  sub(b: TensorLike): Tensor { return sub(this, b); }
  mul(b: TensorLike): Tensor { return mul(this, b); }
  div(b: TensorLike): Tensor { return div(this, b); }
  floorDiv(b: TensorLike): Tensor { return floorDiv(this, b); }
  mod(b: TensorLike): Tensor { return mod(this, b); }
  pow(b: TensorLike): Tensor { return pow(this, b); }
  maximum(b: TensorLike): Tensor { return maximum(this, b); }
  minimum(b: TensorLike): Tensor { return minimum(this, b); }
  equal(b: TensorLike): Tensor { return equal(this, b); }
  notEqual(b: TensorLike): Tensor { return notEqual(this, b); }
  less(b: TensorLike): Tensor { return less(this, b); }
  lessEqual(b: TensorLike): Tensor { return lessEqual(this, b); }
  greater(b: TensorLike): Tensor { return greater(this, b); }
  greaterEqual(b: TensorLike): Tensor { return greaterEqual(this, b); }
  logicalAnd(b: TensorLike): Tensor { return logicalAnd(this, b); }
  logicalOr(b: TensorLike): Tensor { return logicalOr(this, b); }
  logicalNot(): Tensor { return logicalNot(this); }

  neg(): Tensor { return neg(this); }
  abs(): Tensor { return abs(this); }
  sign(): Tensor { return sign(this); }
  exp(): Tensor { return exp(this); }
  log(): Tensor { return log(this); }
  sqrt(): Tensor { return sqrt(this); }
  rsqrt(): Tensor { return rsqrt(this); }
  square(): Tensor { return square(this); }
  reciprocal(): Tensor { return reciprocal(this); }
  sin(): Tensor { return sin(this); }
  cos(): Tensor { return cos(this); }
  tanh(): Tensor { return tanh(this); }
  sigmoid(): Tensor { return sigmoid(this); }
  relu(): Tensor { return relu(this); }
  floor(): Tensor { return floor(this); }
  ceil(): Tensor { return ceil(this); }
  round(): Tensor { return round(this); }
  log1p(): Tensor { return log1p(this); }
  expm1(): Tensor { return expm1(this); }
  erf(): Tensor { return erf(this); }
  isNaN(): Tensor { return isNaN(this); }
  isFinite(): Tensor { return isFinite(this); }
  atan2(b: TensorLike): Tensor { return atan2(this, b); }
  cast(dtype: DType): Tensor { return cast(this, dtype); }
  clipByValue(min: TensorLike, max: TensorLike): Tensor { return clipByValue(this, min, max); }
  softmax(axis = -1): Tensor { return softmax(this, axis); }
  logSoftmax(axis = -1): Tensor { return logSoftmax(this, axis); }

  sum(axis?: number | number[], keepDims = false): Tensor { return sum(this, axis, keepDims); }
  mean(axis?: number | number[], keepDims = false): Tensor { return mean(this, axis, keepDims); }
  max(axis?: number | number[], keepDims = false): Tensor { return max(this, axis, keepDims); }
  min(axis?: number | number[], keepDims = false): Tensor { return min(this, axis, keepDims); }
  prod(axis?: number | number[], keepDims = false): Tensor { return prod(this, axis, keepDims); }
  any(axis?: number | number[], keepDims = false): Tensor { return any(this, axis, keepDims); }
  all(axis?: number | number[], keepDims = false): Tensor { return all(this, axis, keepDims); }
  cumsum(axis = 0, exclusive = false, reverse = false): Tensor { return cumsum(this, axis, exclusive, reverse); }
  argMax(axis = -1): Tensor { return argMax(this, axis); }
  argMin(axis = -1): Tensor { return argMin(this, axis); }

  reshape(shape: readonly number[]): Tensor { return reshape(this, shape); }
  flatten(): Tensor { return reshape(this, [-1]); }
  transpose(perm?: readonly number[]): Tensor { return transpose(this, perm); }
  broadcastTo(shape: readonly number[]): Tensor { return broadcastTo(this, shape); }
  expandDims(axis = 0): Tensor { return expandDims(this, axis); }
  squeeze(axis?: number | number[]): Tensor { return squeeze(this, axis); }
  slice(begin: readonly number[], size?: readonly number[]): Tensor { return slice(this, begin, size); }
  gather(indices: TensorLike, axis = 0): Tensor { return gather(this, indices, axis); }
  pad(paddings: readonly (readonly number[])[], constantValue = 0): Tensor { return pad(this, paddings, constantValue); }
  tile(reps: readonly number[]): Tensor { return tile(this, reps); }
  reverse(axis?: number | number[]): Tensor { return reverse(this, axis); }
  matMul(b: TensorLike, transposeA = false, transposeB = false): Tensor { return matMul(this, b, transposeA, transposeB); }
  /** A new handle to the same (immutable) data. */
  clone(): Tensor { return reshape(this, this.shape); }
}

/**
 * A mutable tensor: model weights, optimizer slots, layer state. `assign`, `assignAdd` and `assignSub`
 * replace its value (inside `trace` they become ordered effects). Not collected by `tidy`.
 * Corresponds to `tf.Variable`.
 */
export class Variable extends Tensor {
  readonly name: string;
  readonly trainable: boolean;

  /** @internal Use `variable(initialValue, options)`. */
  constructor(info: TensorInfo, owner: DataOwner, dataId: DataId, name: string, trainable: boolean) {
    super(info, owner, dataId);
    this.name = name;
    this.trainable = trainable;
  }

  /** Replaces the value; shape and dtype must match. Returns this variable. */
  assign(value: TensorLike): this {
    const t = toTensor('assign', 'value', value, this.dtype);
    try {
      engine.assign(this, t);
    } finally {
      if (t !== value) t.dispose();
    }
    return this;
  }

  assignAdd(delta: TensorLike): this {
    return this.assignComputed((v) => add(v, delta));
  }

  assignSub(delta: TensorLike): this {
    return this.assignComputed((v) => sub(v, delta));
  }

  private assignComputed(compute: (value: Tensor) => Tensor): this {
    const next = compute(this);
    try {
      engine.assign(this, next);
    } finally {
      next.dispose();
    }
    return this;
  }

  /** @internal The interpreter that performs an assignment calls this with the new storage. */
  replaceData(id: DataId): void {
    const old = this.dataId;
    this.setDataId(id);
    this.owner.free(old);
  }

  override toString(): string {
    return `Variable(name=${this.name}, shape=${formatShape(this.shape)}, dtype=${this.dtype}, trainable=${this.trainable})`;
  }
}

function toNested(values: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const convert = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  if (shape.length === 0) return convert(values[0]);
  const build = (offset: number, dim: number): NestedArray[] => {
    const n = shape[dim];
    const out: NestedArray[] = new Array(n);
    if (dim === shape.length - 1) {
      for (let i = 0; i < n; i++) out[i] = convert(values[offset + i]);
      return out;
    }
    const stride = sizeOf(shape.slice(dim + 1));
    for (let i = 0; i < n; i++) out[i] = build(offset + i * stride, dim + 1);
    return out;
  };
  return build(0, 0);
}

/** @internal Byte size of a tensor, for memory figures. */
export function byteSize(info: TensorInfo): number {
  return sizeOf(info.shape) * dtypeInfo[info.dtype].bytesPerElement;
}
