// Not exported from the module: v128 arguments cannot cross the JS boundary.

/**
 * Writes the 4×4 transpose of rows r0..r3 (4 consecutive values each) as 4 vectors at dst, `stride`
 * bytes apart: a full MR = 4 panel takes 4 depth steps of row-major A this way (stride 16), with 4
 * loads and 4 stores; a B panel takes 4 of its columns for 4 depth steps (stride NR · 4).
 */
// @ts-ignore: decorator
@inline export function storeTransposed4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, stride: usize = 16): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}
