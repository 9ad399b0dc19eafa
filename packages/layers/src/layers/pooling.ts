import { avgPool, div, expandDims, max, maxPool, mean, mul, squeeze, sum, type Tensor } from '@tessera/core';
import { type CallArgs, Layer, type LayerArgs, type LayerInputs, type LayerShape } from '../layer.js';
import { type Config, channelsLast, oneOf, toTuple } from '../serialization.js';
import { convOutputLength } from './convolution.js';
import { floatMask, singleInput } from './core.js';

export interface PoolingArgs extends LayerArgs {
  poolSize?: number | readonly number[];
  strides?: number | readonly number[] | null;
  padding?: 'valid' | 'same';
  dataFormat?: string;
}

/** Max or average pooling over 1 or 2 spatial axes, channels last. Keras's `BasePooling`. */
abstract class Pooling extends Layer {
  readonly poolSize: number[];
  readonly strides: number[];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: 'channels_last';
  constructor(
    private readonly rank: 1 | 2,
    private readonly mode: 'max' | 'average',
    args: PoolingArgs,
    className: string,
  ) {
    super(args);
    this.poolSize = toTuple(className, 'pool_size', args.poolSize ?? 2, rank);
    this.strides = args.strides === undefined || args.strides === null ? [...this.poolSize] : toTuple(className, 'strides', args.strides, rank);
    this.padding = oneOf(className, 'padding', args.padding ?? 'valid', ['valid', 'same']);
    this.dataFormat = channelsLast(className, args.dataFormat);
    this.inputSpec = { ndim: rank + 2 };
  }
  call(inputs: LayerInputs): Tensor {
    let x = singleInput(this, inputs);
    if (this.rank === 1) x = expandDims(x, 1);
    const options = {
      poolSize: (this.rank === 1 ? [1, this.poolSize[0]] : this.poolSize) as [number, number],
      strides: (this.rank === 1 ? [1, this.strides[0]] : this.strides) as [number, number],
      padding: this.padding,
    };
    const y = this.mode === 'max' ? maxPool(x, options) : avgPool(x, options);
    return this.rank === 1 ? squeeze(y, 1) : y;
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    const spatial = this.poolSize.map((p, i) => convOutputLength(s[i + 1], p, this.padding, this.strides[i], 1));
    return [s[0], ...spatial, s[s.length - 1]];
  }
  override getConfig(): Config {
    return {
      ...super.getConfig(),
      pool_size: [...this.poolSize],
      padding: this.padding,
      strides: [...this.strides],
      data_format: this.dataFormat,
    };
  }
}

/** Corresponds to `keras.layers.MaxPooling1D`. */
export class MaxPooling1D extends Pooling {
  static override className = 'MaxPooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'max', args, 'MaxPooling1D');
  }
}
/** Corresponds to `keras.layers.MaxPooling2D`. */
export class MaxPooling2D extends Pooling {
  static override className = 'MaxPooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'max', args, 'MaxPooling2D');
  }
}
/** Same-padded windows divide by the cells they cover. Corresponds to `keras.layers.AveragePooling1D`. */
export class AveragePooling1D extends Pooling {
  static override className = 'AveragePooling1D';
  constructor(args: PoolingArgs = {}) {
    super(1, 'average', args, 'AveragePooling1D');
  }
}
/** Same-padded windows divide by the cells they cover. Corresponds to `keras.layers.AveragePooling2D`. */
export class AveragePooling2D extends Pooling {
  static override className = 'AveragePooling2D';
  constructor(args: PoolingArgs = {}) {
    super(2, 'average', args, 'AveragePooling2D');
  }
}

export interface GlobalPoolingArgs extends LayerArgs {
  dataFormat?: string;
  keepdims?: boolean;
}

/** Reduces every spatial axis. Keras's `BaseGlobalPooling`. */
abstract class GlobalPooling extends Layer {
  readonly dataFormat: 'channels_last';
  readonly keepdims: boolean;
  constructor(
    protected readonly rank: 1 | 2,
    args: GlobalPoolingArgs,
    className: string,
  ) {
    super(args);
    this.dataFormat = channelsLast(className, args.dataFormat);
    this.keepdims = args.keepdims ?? false;
    this.inputSpec = { ndim: rank + 2 };
  }
  protected get axes(): number[] {
    return this.rank === 1 ? [1] : [1, 2];
  }
  override computeOutputShape(s: LayerShape): LayerShape {
    return this.keepdims ? [s[0], ...this.axes.map(() => 1), s[s.length - 1]] : [s[0], s[s.length - 1]];
  }
  override getConfig(): Config {
    return { ...super.getConfig(), data_format: this.dataFormat, keepdims: this.keepdims };
  }
}

/**
 * Mean over the steps; with a mask, over the unmasked steps only. Corresponds to
 * `keras.layers.GlobalAveragePooling1D`.
 */
export class GlobalAveragePooling1D extends GlobalPooling {
  static override className = 'GlobalAveragePooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args, 'GlobalAveragePooling1D');
    this.supportsMasking = true;
  }
  call(inputs: LayerInputs, args: CallArgs): Tensor {
    const x = singleInput(this, inputs);
    const mask = args.mask && !Array.isArray(args.mask) ? (args.mask as Tensor) : null;
    if (mask === null) return mean(x, 1, this.keepdims);
    const m = floatMask(mask, 3);
    return div(sum(mul(x, m), 1, this.keepdims), sum(m, 1, this.keepdims));
  }
  override computeMask(): null {
    return null;
  }
}

/** Corresponds to `keras.layers.GlobalMaxPooling1D`. */
export class GlobalMaxPooling1D extends GlobalPooling {
  static override className = 'GlobalMaxPooling1D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(1, args, 'GlobalMaxPooling1D');
  }
  call(inputs: LayerInputs): Tensor {
    return max(singleInput(this, inputs), 1, this.keepdims);
  }
}

/** Corresponds to `keras.layers.GlobalAveragePooling2D`. */
export class GlobalAveragePooling2D extends GlobalPooling {
  static override className = 'GlobalAveragePooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args, 'GlobalAveragePooling2D');
  }
  call(inputs: LayerInputs): Tensor {
    return mean(singleInput(this, inputs), [1, 2], this.keepdims);
  }
}

/** Corresponds to `keras.layers.GlobalMaxPooling2D`. */
export class GlobalMaxPooling2D extends GlobalPooling {
  static override className = 'GlobalMaxPooling2D';
  constructor(args: GlobalPoolingArgs = {}) {
    super(2, args, 'GlobalMaxPooling2D');
  }
  call(inputs: LayerInputs): Tensor {
    return max(singleInput(this, inputs), [1, 2], this.keepdims);
  }
}
