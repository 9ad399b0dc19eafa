// A convolution's input seen as the im2col matrix, without writing it out: row r is output pixel r
// (batch, oy, ox in row-major order), column p is filter row p = (ky·kw + kx)·Cg + ci, matching the
// [kh, kw, Cg, Cout] filter layout, and the entry is the input value under that tap, or 0 in the
// padding. The geometry lives in globals, loaded from a plan before each kernel call: every wasm
// instance (one per thread) has its own globals, so threads never share this state.
//
// Plan words: batch, inH, inW, C, Cg, kh, kw, strideH, strideW, dilationH, dilationW, padTop,
// padLeft, outH, outW.

import { storeTransposed4 } from './transpose4';

let gX: usize = 0;
let gInH: i32 = 0;
let gInW: i32 = 0;
let gC: i32 = 0;
let gCg: i32 = 0;
let gChanOff: i32 = 0;
let gKh: i32 = 0;
let gKw: i32 = 0;
let gSh: i32 = 0;
let gSw: i32 = 0;
let gDh: i32 = 0;
let gDw: i32 = 0;
let gPt: i32 = 0;
let gPl: i32 = 0;
let gOh: i32 = 0;
let gOw: i32 = 0;

export function loadConvPlan(x: usize, plan: usize, chanOff: i32): void {
  gX = x;
  gInH = load<i32>(plan, 4);
  gInW = load<i32>(plan, 8);
  gC = load<i32>(plan, 12);
  gCg = load<i32>(plan, 16);
  gKh = load<i32>(plan, 20);
  gKw = load<i32>(plan, 24);
  gSh = load<i32>(plan, 28);
  gSw = load<i32>(plan, 32);
  gDh = load<i32>(plan, 36);
  gDw = load<i32>(plan, 40);
  gPt = load<i32>(plan, 44);
  gPl = load<i32>(plan, 48);
  gOh = load<i32>(plan, 52);
  gOw = load<i32>(plan, 56);
  gChanOff = chanOff;
}

/**
 * Copies columns [p0, p0 + depth) of im2col row `pixel` to dst, dst + stride, ... (bytes), or adds
 * them into the input there when `scatter` is set (col2im: dst is read, the input is written).
 */
// @ts-ignore: decorator
@inline function walkConvRow(pixel: i32, p0: i32, depth: i32, dst: usize, stride: usize, scatter: bool): void {
  const ox = pixel % gOw;
  const rest = pixel / gOw;
  const oy = rest % gOh;
  const image = rest / gOh;
  let tap = p0 / gCg;
  let ci = p0 % gCg;
  let remaining = depth;
  while (remaining > 0) {
    const ky = tap / gKw;
    const kx = tap % gKw;
    const iy = oy * gSh - gPt + ky * gDh;
    const ix = ox * gSw - gPl + kx * gDw;
    const run = min<i32>(gCg - ci, remaining);
    if (iy >= 0 && iy < gInH && ix >= 0 && ix < gInW) {
      let src = gX + (<usize>(((image * gInH + iy) * gInW + ix) * gC + gChanOff + ci) << 2);
      if (scatter) {
        for (let r = 0; r < run; r++) {
          store<f32>(src, load<f32>(src) + load<f32>(dst));
          src += 4;
          dst += stride;
        }
      } else {
        for (let r = 0; r < run; r++) {
          store<f32>(dst, load<f32>(src));
          src += 4;
          dst += stride;
        }
      }
    } else if (scatter) {
      dst += <usize>run * stride;
    } else {
      for (let r = 0; r < run; r++) {
        store<f32>(dst, 0);
        dst += stride;
      }
    }
    remaining -= run;
    tap++;
    ci = 0;
  }
}

/** The input address under a tap for a pixel, or 0 where the tap lands in the padding. */
// @ts-ignore: decorator
@inline function tapSource(image: i32, oy: i32, ox: i32, ky: i32, kx: i32): usize {
  const iy = oy * gSh - gPt + ky * gDh;
  const ix = ox * gSw - gPl + kx * gDw;
  if (iy < 0 || iy >= gInH || ix < 0 || ix >= gInW) return 0;
  return gX + (<usize>(((image * gInH + iy) * gInW + ix) * gC + gChanOff) << 2);
}

// @ts-ignore: decorator
@inline function loadOrZero(address: usize, offset: usize): v128 {
  return address == 0 ? f32x4.splat(0) : v128.load(address + offset);
}

// @ts-ignore: decorator
@inline function loadLaneOrZero(address: usize, offset: usize): f32 {
  return address == 0 ? 0 : load<f32>(address + offset);
}

/**
 * Columns [p0, p0 + depth) of im2col rows pixel..pixel+3, packed as the micro-kernel reads them
 * (4 values per column, one per row): per tap, channels 4 at a time by a 4×4 transpose.
 */
export function gatherConvPanel4(pixel: i32, p0: i32, depth: i32, dst: usize): void {
  const ox0 = pixel % gOw;
  const rest0 = pixel / gOw;
  const oy0 = rest0 % gOh;
  const image0 = rest0 / gOh;
  const ox1 = (pixel + 1) % gOw;
  const rest1 = (pixel + 1) / gOw;
  const oy1 = rest1 % gOh;
  const image1 = rest1 / gOh;
  const ox2 = (pixel + 2) % gOw;
  const rest2 = (pixel + 2) / gOw;
  const oy2 = rest2 % gOh;
  const image2 = rest2 / gOh;
  const ox3 = (pixel + 3) % gOw;
  const rest3 = (pixel + 3) / gOw;
  const oy3 = rest3 % gOh;
  const image3 = rest3 / gOh;
  let tap = p0 / gCg;
  let ci = p0 % gCg;
  let remaining = depth;
  while (remaining > 0) {
    const ky = tap / gKw;
    const kx = tap % gKw;
    const s0 = tapSource(image0, oy0, ox0, ky, kx);
    const s1 = tapSource(image1, oy1, ox1, ky, kx);
    const s2 = tapSource(image2, oy2, ox2, ky, kx);
    const s3 = tapSource(image3, oy3, ox3, ky, kx);
    const run = min<i32>(gCg - ci, remaining);
    let offset = <usize>ci << 2;
    let r = 0;
    for (; r + 4 <= run; r += 4) {
      storeTransposed4(loadOrZero(s0, offset), loadOrZero(s1, offset), loadOrZero(s2, offset), loadOrZero(s3, offset), dst);
      offset += 16;
      dst += 64;
    }
    for (; r < run; r++) {
      store<f32>(dst, loadLaneOrZero(s0, offset));
      store<f32>(dst, loadLaneOrZero(s1, offset), 4);
      store<f32>(dst, loadLaneOrZero(s2, offset), 8);
      store<f32>(dst, loadLaneOrZero(s3, offset), 12);
      offset += 4;
      dst += 16;
    }
    remaining -= run;
    tap++;
    ci = 0;
  }
}

export function gatherConvRow(pixel: i32, p0: i32, depth: i32, dst: usize, stride: usize): void {
  walkConvRow(pixel, p0, depth, dst, stride, false);
}

/** Writes im2col rows [pixel0, pixel0 + rows) (all kh·kw·Cg columns) row-major to `out`. */
export function im2col_f32(x: usize, plan: usize, chanOff: i32, pixel0: i32, rows: i32, out: usize): void {
  loadConvPlan(x, plan, chanOff);
  const width = gKh * gKw * gCg;
  for (let r = 0; r < rows; r++) {
    walkConvRow(pixel0 + r, 0, width, out + (<usize>(r * width) << 2), 4, false);
  }
}

/** Adds im2col-shaped rows [pixel0, pixel0 + rows) of `cols` into the input they came from (col2im). */
export function col2im_add_f32(dx: usize, plan: usize, chanOff: i32, pixel0: i32, rows: i32, cols: usize): void {
  loadConvPlan(dx, plan, chanOff);
  const width = gKh * gKw * gCg;
  for (let r = 0; r < rows; r++) {
    walkConvRow(pixel0 + r, 0, width, cols + (<usize>(r * width) << 2), 4, true);
  }
}
