// Tensors made from attributes: range and oneHot.

/** start + i·step, computed in f64 and rounded once, as the reference does. */
export function range_f32(outs: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) store<f32>(outs + (<usize>i << 2), <f32>(start + <f64>i * step));
}

/**
 * start + i·step truncated toward zero and wrapped modulo 2^32 (JavaScript's `Math.trunc(v) | 0`, the
 * reference's int32 cast). The modulo is exact for every finite double: each step is a power-of-two
 * scaling, a floor, or a subtraction of numbers within a factor of two.
 */
export function range_i32(outs: usize, n: i32, start: f64, step: f64): void {
  for (let i = 0; i < n; i++) {
    const t = Math.trunc(start + <f64>i * step);
    const wrapped = t - Math.floor(t / 4294967296.0) * 4294967296.0;
    store<i32>(outs + (<usize>i << 2), <i32><u32>wrapped);
  }
}

/** Writes `on` at [i, indices[i]] of out [count, depth] (already filled with off); out-of-range indices leave the row off. */
export function one_hot_32(ids: usize, outs: usize, count: i32, depth: i32, on: i32): void {
  for (let i = 0; i < count; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    if (id >= 0 && id < depth) store<i32>(outs + ((<usize>i * <usize>depth + <usize>id) << 2), on);
  }
}

export function one_hot_8(ids: usize, outs: usize, count: i32, depth: i32, on: i32): void {
  for (let i = 0; i < count; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    if (id >= 0 && id < depth) store<u8>(outs + <usize>i * <usize>depth + <usize>id, <u8>on);
  }
}
