import type { Tensor } from '../tensor.js';
import { reducedShape } from '../shape.js';
import { cast } from './cast.js';
import { div } from './div.js';
import { equal } from './equal.js';
import { mul } from './mul.js';
import type { GradContext } from './op.js';
import { reshape } from './reshape.js';
import type { ReduceAttrs } from './sum.js';
import { sum } from './sum.js';

/**
 * The gradient of max and min: dy goes to the elements equal to the result, split equally among
 * ties (TensorFlow's rule), so the gradient of a constant row is the mean's.
 */
export function extremumGrad(dys: readonly Tensor[], { inputs: [x], outputs: [y], attrs: { axes } }: GradContext<ReduceAttrs>): Tensor[] {
  const kept = reducedShape(x.shape, axes, true);
  const winners = cast(equal(x, reshape(y, kept)), 'float32');
  const shares = div(winners, sum(winners, axes, true));
  return [mul(shares, reshape(dys[0], kept))];
}
