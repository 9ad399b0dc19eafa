// A convolution's input seen as the im2col matrix, without writing it out: row r is output pixel r
// (batch, oy, ox in row-major order), column p is filter row p = (ky·kw + kx)·Cg + ci, matching the
// [kh, kw, Cg, Cout] filter layout, and the entry is the input value under that tap, or 0 in the
// padding. The geometry lives in globals, loaded from a plan before each kernel call: every wasm
// instance (one per thread) has its own globals, so threads never share this state.
//
// Plan words: batch, inH, inW, C, Cg, kh, kw, strideH, strideW, dilationH, dilationW, padTop,
// padLeft, outH, outW.

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
