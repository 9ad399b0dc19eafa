import type { DataId, KernelInput } from '../../../backend.js';
import type { TensorInfo } from '../../../ops/op.js';
import { reductionMovementPrimitives } from '../../../ops/groups/reduction-movement.js';
import type { KernelsFor, ReferenceStore } from '../store.js';
import { broadcastIndexMap, coerceFor, output, ravel, unravel } from '../store.js';

/**
 * A generic reduction: visits every input element, folding it into the output cell it reduces to.
 * `fold(accumulator, value)` starts from `init` and runs in doubles.
 */
export function reduce(
  store: ReferenceStore,
  x: KernelInput,
  axes: readonly number[],
  out: TensorInfo,
  init: number,
  fold: (acc: number, value: number) => number,
): DataId {
  const values = store.values(x.id);
  const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const acc = new Float64Array(out.shape.reduce((p, d) => p * d, 1)).fill(init);
  for (let i = 0; i < values.length; i++) {
    const index = unravel(i, x.shape);
    const cell = ravel(index.map((v, d) => (axes.includes(d) ? 0 : v)), keptShape);
    acc[cell] = fold(acc[cell], values[i]);
  }
  const result = output(out.dtype, out.shape);
  const coerce = coerceFor(out.dtype);
  for (let i = 0; i < result.length; i++) result[i] = coerce(acc[i]);
  return store.create(result);
}

export function reductionMovementKernels(store: ReferenceStore): KernelsFor<typeof reductionMovementPrimitives> {
  return {
    sum: ([x], { axes }, [out]) => [reduce(store, x, axes, out, 0, (a, v) => a + v)],
    reshape: ([x]) => [store.share(x.id)],
    broadcastTo: ([x], _attrs, [out]) => {
      const values = store.values(x.id);
      const map = broadcastIndexMap(x.shape, out.shape);
      const result = output(out.dtype, out.shape);
      for (let i = 0; i < result.length; i++) result[i] = values[map[i]];
      return [store.create(result)];
    },
  };
}
