// Pooling over NHWC windows. The JS side writes the window geometry as a plan of i32 words (see
// the constants below). Windows skip padding cells, so a window at the border averages over the cells
// it really covers. Channels are the innermost, contiguous axis: every loop body runs across a run
// of channels, four f32 lanes (or two f64 lanes) at a time.
//
// Each kernel visits windows in row-major order and the cells of a window in row-major order, and
// accumulates in f64 where the reference does, so the results are the reference's bit for bit.

const BATCH = 0;
const IN_HEIGHT = 1;
const IN_WIDTH = 2;
const CHANNELS = 3;
const KERNEL_HEIGHT = 4;
const KERNEL_WIDTH = 5;
const STRIDE_HEIGHT = 6;
const STRIDE_WIDTH = 7;
const PAD_TOP = 8;
const PAD_LEFT = 9;
const OUT_HEIGHT = 10;
const OUT_WIDTH = 11;

// @ts-ignore: decorator
@inline function word(plan: usize, k: i32): i32 {
  return load<i32>(plan + (<usize>k << 2));
}

/**
 * Calls `window(firstCell, rowBegin, rowEnd, colBegin, colEnd, outCell)` for each output cell, with
 * the window clipped to the input. Cells are element offsets of channel 0.
 */
// @ts-ignore: decorator
@inline function forEachWindow(plan: usize, window: (imageBase: i32, rowBegin: i32, rowEnd: i32, colBegin: i32, colEnd: i32, outCell: i32) => void): void {
  const batch = word(plan, BATCH);
  const inHeight = word(plan, IN_HEIGHT);
  const inWidth = word(plan, IN_WIDTH);
  const channels = word(plan, CHANNELS);
  const kernelHeight = word(plan, KERNEL_HEIGHT);
  const kernelWidth = word(plan, KERNEL_WIDTH);
  const strideHeight = word(plan, STRIDE_HEIGHT);
  const strideWidth = word(plan, STRIDE_WIDTH);
  const padTop = word(plan, PAD_TOP);
  const padLeft = word(plan, PAD_LEFT);
  const outHeight = word(plan, OUT_HEIGHT);
  const outWidth = word(plan, OUT_WIDTH);
  let outCell = 0;
  for (let n = 0; n < batch; n++) {
    const imageBase = n * inHeight * inWidth * channels;
    for (let oy = 0; oy < outHeight; oy++) {
      const top = oy * strideHeight - padTop;
      const rowBegin = max(top, 0);
      const rowEnd = min(top + kernelHeight, inHeight);
      for (let ox = 0; ox < outWidth; ox++) {
        const left = ox * strideWidth - padLeft;
        window(imageBase, rowBegin, rowEnd, max(left, 0), min(left + kernelWidth, inWidth), outCell);
        outCell += channels;
      }
    }
  }
}

// Globals the window callbacks read: AssemblyScript closures cannot capture locals.
let gX: usize = 0;
let gY: usize = 0;
let gDy: usize = 0;
let gAcc: usize = 0;
let gInWidth: i32 = 0;
let gChannels: i32 = 0;

function setGlobals(plan: usize, xs: usize, ys: usize, dys: usize, accs: usize): void {
  gX = xs;
  gY = ys;
  gDy = dys;
  gAcc = accs;
  gInWidth = word(plan, IN_WIDTH);
  gChannels = word(plan, CHANNELS);
}

// ---- maxPool ----------------------------------------------------------------------------------------

function maxWindowF32(imageBase: i32, rowBegin: i32, rowEnd: i32, colBegin: i32, colEnd: i32, outCell: i32): void {
  const channels = gChannels;
  const out = gY + (<usize>outCell << 2);
  for (let c = 0; c < channels; c++) store<f32>(out + (<usize>c << 2), -Infinity);
  for (let iy = rowBegin; iy < rowEnd; iy++) {
    for (let ix = colBegin; ix < colEnd; ix++) {
      const cell = gX + (<usize>(imageBase + (iy * gInWidth + ix) * channels) << 2);
      let c = 0;
      // A NaN wins and stays (the reference's `v > best || isNaN(v)`); ties keep the earlier value,
      // so even the sign of a zero matches. f32x4.max would differ on both counts.
      for (; c + 4 <= channels; c += 4) {
        const at = out + (<usize>c << 2);
        const best = v128.load(at);
        const v = v128.load(cell + (<usize>c << 2));
        v128.store(at, v128.bitselect(v, best, v128.or(f32x4.gt(v, best), f32x4.ne(v, v))));
      }
      for (; c < channels; c++) {
        const at = out + (<usize>c << 2);
        const v = load<f32>(cell + (<usize>c << 2));
        if (v > load<f32>(at) || v != v) store<f32>(at, v);
      }
    }
  }
}

function maxWindowI32(imageBase: i32, rowBegin: i32, rowEnd: i32, colBegin: i32, colEnd: i32, outCell: i32): void {
  const channels = gChannels;
  const out = gY + (<usize>outCell << 2);
  for (let c = 0; c < channels; c++) store<i32>(out + (<usize>c << 2), i32.MIN_VALUE);
  for (let iy = rowBegin; iy < rowEnd; iy++) {
    for (let ix = colBegin; ix < colEnd; ix++) {
      const cell = gX + (<usize>(imageBase + (iy * gInWidth + ix) * channels) << 2);
      let c = 0;
      for (; c + 4 <= channels; c += 4) {
        const at = out + (<usize>c << 2);
        v128.store(at, i32x4.max_s(v128.load(at), v128.load(cell + (<usize>c << 2))));
      }
      for (; c < channels; c++) {
        const at = out + (<usize>c << 2);
        store<i32>(at, max<i32>(load<i32>(at), load<i32>(cell + (<usize>c << 2))));
      }
    }
  }
}

export function max_pool_f32(xs: usize, ys: usize, plan: usize): void {
  setGlobals(plan, xs, ys, 0, 0);
  forEachWindow(plan, maxWindowF32);
}

export function max_pool_i32(xs: usize, ys: usize, plan: usize): void {
  setGlobals(plan, xs, ys, 0, 0);
  forEachWindow(plan, maxWindowI32);
}

// ---- avgPool: f64 sums (a row of `channels` f64 at gAcc), divided by the window's real cell count ----

function averageWindow(imageBase: i32, rowBegin: i32, rowEnd: i32, colBegin: i32, colEnd: i32, outCell: i32): void {
  const channels = gChannels;
  const acc = gAcc;
  memory.fill(acc, 0, <usize>channels << 3);
  for (let iy = rowBegin; iy < rowEnd; iy++) {
    for (let ix = colBegin; ix < colEnd; ix++) {
      const cell = gX + (<usize>(imageBase + (iy * gInWidth + ix) * channels) << 2);
      let c = 0;
      for (; c + 2 <= channels; c += 2) {
        const at = acc + (<usize>c << 3);
        v128.store(at, f64x2.add(v128.load(at), f64x2.promote_low_f32x4(v128.load64_zero(cell + (<usize>c << 2)))));
      }
      for (; c < channels; c++) {
        const at = acc + (<usize>c << 3);
        store<f64>(at, load<f64>(at) + <f64>load<f32>(cell + (<usize>c << 2)));
      }
    }
  }
  const count = <f64>((rowEnd - rowBegin) * (colEnd - colBegin));
  const counts = f64x2.splat(count);
  const out = gY + (<usize>outCell << 2);
  let c = 0;
  for (; c + 2 <= channels; c += 2) {
    const mean = f64x2.div(v128.load(acc + (<usize>c << 3)), counts);
    v128.store64_lane(out + (<usize>c << 2), f32x4.demote_f64x2_zero(mean), 0);
  }
  for (; c < channels; c++) store<f32>(out + (<usize>c << 2), <f32>(load<f64>(acc + (<usize>c << 3)) / count));
}

/** `accs` is scratch for one row of `channels` f64. */
export function avg_pool_f32(xs: usize, ys: usize, accs: usize, plan: usize): void {
  setGlobals(plan, xs, ys, 0, accs);
  forEachWindow(plan, averageWindow);
}

// ---- gradients: into an f64 accumulator shaped like x (zeroed by the caller), rounded afterwards ----

function spreadAverageWindow(imageBase: i32, rowBegin: i32, rowEnd: i32, colBegin: i32, colEnd: i32, outCell: i32): void {
  const channels = gChannels;
  const count = <f64>((rowEnd - rowBegin) * (colEnd - colBegin));
  const counts = f64x2.splat(count);
  const dy = gDy + (<usize>outCell << 2);
  for (let iy = rowBegin; iy < rowEnd; iy++) {
    for (let ix = colBegin; ix < colEnd; ix++) {
      const cell = gAcc + (<usize>(imageBase + (iy * gInWidth + ix) * channels) << 3);
      let c = 0;
      for (; c + 2 <= channels; c += 2) {
        const at = cell + (<usize>c << 3);
        const share = f64x2.div(f64x2.promote_low_f32x4(v128.load64_zero(dy + (<usize>c << 2))), counts);
        v128.store(at, f64x2.add(v128.load(at), share));
      }
      for (; c < channels; c++) {
        const at = cell + (<usize>c << 3);
        store<f64>(at, load<f64>(at) + <f64>load<f32>(dy + (<usize>c << 2)) / count);
      }
    }
  }
}

function routeMaxWindow(imageBase: i32, rowBegin: i32, rowEnd: i32, colBegin: i32, colEnd: i32, outCell: i32): void {
  if (rowBegin >= rowEnd || colBegin >= colEnd) return;
  const channels = gChannels;
  const dy = gDy + (<usize>outCell << 2);
  const first = imageBase + (rowBegin * gInWidth + colBegin) * channels;
  for (let c = 0; c < channels; c++) {
    // The first cell holding the maximum wins (strictly greater replaces), as in the reference.
    let winner = first;
    let best = load<f32>(gX + (<usize>(first + c) << 2));
    for (let iy = rowBegin; iy < rowEnd; iy++) {
      for (let ix = colBegin; ix < colEnd; ix++) {
        const cell = imageBase + (iy * gInWidth + ix) * channels;
        const v = load<f32>(gX + (<usize>(cell + c) << 2));
        if (v > best) {
          best = v;
          winner = cell;
        }
      }
    }
    const at = gAcc + (<usize>(winner + c) << 3);
    store<f64>(at, load<f64>(at) + <f64>load<f32>(dy + (<usize>c << 2)));
  }
}

export function avg_pool_grad_f32(dys: usize, accs: usize, plan: usize): void {
  setGlobals(plan, 0, 0, dys, accs);
  forEachWindow(plan, spreadAverageWindow);
}

export function max_pool_grad_f32(dys: usize, xs: usize, accs: usize, plan: usize): void {
  setGlobals(plan, xs, 0, dys, accs);
  forEachWindow(plan, routeMaxWindow);
}
