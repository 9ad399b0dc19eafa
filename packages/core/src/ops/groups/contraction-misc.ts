// Contraction, convolution, pooling, oneHot, cumsum, random and range primitives: one line per op in
// the table and one in the exports.
import { avgPoolOp } from '../avg-pool.js';
import { avgPoolGradOp } from '../avg-pool-grad.js';
import { conv2dOp } from '../conv2d.js';
import { conv2dBackpropFilterOp } from '../conv2d-backprop-filter.js';
import { conv2dBackpropInputOp } from '../conv2d-backprop-input.js';
import { cumsumOp } from '../cumsum.js';
import { matMulOp } from '../mat-mul.js';
import { maxPoolOp } from '../max-pool.js';
import { maxPoolGradOp } from '../max-pool-grad.js';
import { oneHotOp } from '../one-hot.js';
import { randomOp } from '../random.js';
import { rangeOp } from '../range.js';

export const contractionMiscPrimitives = {
  avgPool: avgPoolOp,
  avgPoolGrad: avgPoolGradOp,
  conv2d: conv2dOp,
  conv2dBackpropFilter: conv2dBackpropFilterOp,
  conv2dBackpropInput: conv2dBackpropInputOp,
  cumsum: cumsumOp,
  matMul: matMulOp,
  maxPool: maxPoolOp,
  maxPoolGrad: maxPoolGradOp,
  oneHot: oneHotOp,
  random: randomOp,
  range: rangeOp,
} as const;

export { avgPool } from '../avg-pool.js';
export { avgPoolGrad } from '../avg-pool-grad.js';
export { conv2d } from '../conv2d.js';
export type { ConvOptions, Padding, PoolOptions } from '../conv-geometry.js';
export { conv2dBackpropFilter } from '../conv2d-backprop-filter.js';
export { conv2dBackpropInput } from '../conv2d-backprop-input.js';
export { cumsum } from '../cumsum.js';
export { matMul } from '../mat-mul.js';
export { maxPool } from '../max-pool.js';
export { maxPoolGrad } from '../max-pool-grad.js';
export { oneHot } from '../one-hot.js';
export { random } from '../random.js';
export type { RandomDistribution } from '../random.js';
export { range } from '../range.js';
