// Steps of the fused-region interpreter that do the work of two instructions in one pass over a
// tile (the JS compiler folds the pair; see foldMulAdd in src/kernels/fused.ts). Each rounds after
// every operation exactly as the two single ops do: wasm has no fused multiply-add, so x * y + z
// is two roundings in both the vector and the scalar loop.

export function mulAdd_f32(xs: usize, ys: usize, zs: usize, outs: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(outs + at, f32x4.add(f32x4.mul(v128.load(xs + at), v128.load(ys + at)), v128.load(zs + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<f32>(outs + at, load<f32>(xs + at) * load<f32>(ys + at) + load<f32>(zs + at));
  }
}

export function mulAdd_i32(xs: usize, ys: usize, zs: usize, outs: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = <usize>i << 2;
    v128.store(outs + at, i32x4.add(i32x4.mul(v128.load(xs + at), v128.load(ys + at)), v128.load(zs + at)));
  }
  for (; i < n; i++) {
    const at = <usize>i << 2;
    store<i32>(outs + at, load<i32>(xs + at) * load<i32>(ys + at) + load<i32>(zs + at));
  }
}
