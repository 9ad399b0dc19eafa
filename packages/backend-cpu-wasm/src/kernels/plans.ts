import type { Shape } from '@tessera/core';

/** Row-major element strides of a contiguous shape. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

/**
 * Dimensions of an iteration with one stride list per operand, simplified: size-1 dimensions are
 * dropped and neighbours merged wherever every operand steps through them as one longer dimension.
 * Broadcasting, transposes and slices all reduce to this, and merging is what turns most of them
 * into a few long inner runs.
 */
export function collapse(shape: Shape, strides: readonly (readonly number[])[]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strides.map(() => []);
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const last = outShape.length - 1;
    if (last >= 0 && strides.every((s, k) => outStrides[k][last] === s[d] * shape[d])) {
      outShape[last] *= shape[d];
      strides.forEach((s, k) => (outStrides[k][last] = s[d]));
      continue;
    }
    outShape.push(shape[d]);
    strides.forEach((s, k) => outStrides[k].push(s[d]));
  }
  if (outShape.length === 0) {
    outShape.push(1);
    strides.forEach((_, k) => outStrides[k].push(0));
  }
  return { shape: outShape, strides: outStrides };
}

/** An input's strides when broadcast to `outShape` (0 along broadcast dimensions). */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const lead = outShape.length - inShape.length;
  const own = contiguousStrides(inShape);
  return outShape.map((_, d) => (d < lead || inShape[d - lead] === 1 ? 0 : own[d - lead]));
}

/** The plan words the wasm broadcast drivers read: rank, shape, each operand's strides, index space. */
export function broadcastPlan(inputs: readonly Shape[], outShape: Shape): number[] {
  const { shape, strides } = collapse(outShape, inputs.map((s) => broadcastStrides(s, outShape)));
  return [shape.length, ...shape, ...strides.flat(), ...shape.map(() => 0)];
}
