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

/**
 * Plans by operand and output shapes. Programs call the same few shapes over and over (every step of
 * a model, every call of a traced graph), and working a plan out costs more than the kernel on small
 * tensors; the cache is emptied when it grows past a bound, so varying shapes cannot make it grow.
 */
const planCache = new Map<string, readonly number[]>();
const PLAN_CACHE_LIMIT = 4096;

/** The plan words the wasm broadcast drivers read: rank, shape, each operand's strides, index space. */
export function broadcastPlan(inputs: readonly Shape[], outShape: Shape): readonly number[] {
  const simple = elementByElementPlan(inputs, outShape);
  if (simple !== undefined) return simple;
  let key = outShape.join(',');
  for (const s of inputs) key += '|' + s.join(',');
  let plan = planCache.get(key);
  if (plan === undefined) {
    const { shape, strides } = collapse(outShape, inputs.map((s) => broadcastStrides(s, outShape)));
    const words = [shape.length, ...shape];
    for (const operand of strides) words.push(...operand);
    for (let d = 0; d < shape.length; d++) words.push(0);
    if (planCache.size >= PLAN_CACHE_LIMIT) planCache.clear();
    planCache.set(key, words);
    plan = words;
  }
  return plan;
}

function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let d = 0; d < a.length; d++) if (a[d] !== b[d]) return false;
  return true;
}

/**
 * The commonest plans without the cache: every operand either of the output's shape or a single
 * element, which collapse to one dimension with strides 1 or 0.
 */
export function elementByElementPlan(inputs: readonly Shape[], outShape: Shape): number[] | undefined {
  let total = 1;
  for (const d of outShape) total *= d;
  const words = [1, total];
  for (const s of inputs) {
    if (sameShape(s, outShape)) words.push(total === 1 ? 0 : 1);
    else {
      let size = 1;
      for (const d of s) size *= d;
      if (size !== 1) return undefined;
      words.push(0);
    }
  }
  words.push(0);
  return words;
}
