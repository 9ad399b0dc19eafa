// Depthwise convolution (one input channel per group) and its backprops: too little depth for a
// GEMM to pay, so direct loops vectorized across channels. The other convolutions are GEMMs over
// the im2col view of the input (conv-gather.ts, gemm.ts's conv_gemm_f32).

/** Channels [c0, channels) of one output pixel of a multiplier-1 depthwise conv, accumulated in y. */
function depthwiseTail(
  x: usize, filter: usize, y: usize, c0: i32, channels: i32, image: i32, oy: i32, ox: i32,
  inH: i32, inW: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * sh - pt + ky * dh;
    if (iy < 0 || iy >= inH) continue;
    for (let kx = 0; kx < kw; kx++) {
      const ix = ox * sw - pl + kx * dw;
      if (ix < 0 || ix >= inW) continue;
      const xRow = x + (<usize>(((image * inH + iy) * inW + ix) * channels) << 2);
      const fRow = filter + (<usize>((ky * kw + kx) * channels) << 2);
      let c = c0;
      for (; c + 4 <= channels; c += 4) {
        const at = <usize>c << 2;
        v128.store(y + at, f32x4.add(v128.load(y + at), f32x4.mul(v128.load(xRow + at), v128.load(fRow + at))));
      }
      for (; c < channels; c++) {
        const at = <usize>c << 2;
        store<f32>(y + at, load<f32>(y + at) + load<f32>(xRow + at) * load<f32>(fRow + at));
      }
    }
  }
}

/**
 * Depthwise conv2d (groups = C, one input channel per group, `multiplier` outputs per channel) for
 * output pixels [pixel0, pixel0 + pixels). Output channel o reads input channel o / multiplier with
 * filter column o of the [kh, kw, 1, C·multiplier] filter.
 */
export function depthwise_f32(x: usize, filter: usize, out: usize, plan: usize, pixel0: i32, pixels: i32, multiplier: i32): void {
  const inH = load<i32>(plan, 4);
  const inW = load<i32>(plan, 8);
  const channels = load<i32>(plan, 12);
  const kh = load<i32>(plan, 20);
  const kw = load<i32>(plan, 24);
  const sh = load<i32>(plan, 28);
  const sw = load<i32>(plan, 32);
  const dh = load<i32>(plan, 36);
  const dw = load<i32>(plan, 40);
  const pt = load<i32>(plan, 44);
  const pl = load<i32>(plan, 48);
  const oh = load<i32>(plan, 52);
  const ow = load<i32>(plan, 56);
  const outChannels = channels * multiplier;
  for (let pixel = pixel0; pixel < pixel0 + pixels; pixel++) {
    const ox = pixel % ow;
    const rest = pixel / ow;
    const oy = rest % oh;
    const image = rest / oh;
    const y = out + (<usize>(pixel * outChannels) << 2);
    if (multiplier == 1) {
      // 16 channels at a time in registers across all taps (the same sums, in the same tap order,
      // as accumulating in memory, without reloading and storing the output per tap).
      let c = 0;
      for (; c + 16 <= channels; c += 16) {
        const at = <usize>c << 2;
        let a0 = f32x4.splat(0);
        let a1 = f32x4.splat(0);
        let a2 = f32x4.splat(0);
        let a3 = f32x4.splat(0);
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pl + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            const xs = x + (<usize>(((image * inH + iy) * inW + ix) * channels) << 2) + at;
            const fs = filter + (<usize>((ky * kw + kx) * outChannels) << 2) + at;
            a0 = f32x4.add(a0, f32x4.mul(v128.load(xs), v128.load(fs)));
            a1 = f32x4.add(a1, f32x4.mul(v128.load(xs, 16), v128.load(fs, 16)));
            a2 = f32x4.add(a2, f32x4.mul(v128.load(xs, 32), v128.load(fs, 32)));
            a3 = f32x4.add(a3, f32x4.mul(v128.load(xs, 48), v128.load(fs, 48)));
          }
        }
        v128.store(y + at, a0);
        v128.store(y + at, a1, 16);
        v128.store(y + at, a2, 32);
        v128.store(y + at, a3, 48);
      }
      if (c == channels) continue;
      // The last channels (fewer than 16) accumulate in memory below.
      memory.fill(y + (<usize>c << 2), 0, <usize>(channels - c) << 2);
      depthwiseTail(x, filter, y, c, channels, image, oy, ox, inH, inW, kh, kw, sh, sw, dh, dw, pt, pl);
      continue;
    }
    memory.fill(y, 0, <usize>outChannels << 2);
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh - pt + ky * dh;
      if (iy < 0 || iy >= inH) continue;
      for (let kx = 0; kx < kw; kx++) {
        const ix = ox * sw - pl + kx * dw;
        if (ix < 0 || ix >= inW) continue;
        const xRow = x + (<usize>(((image * inH + iy) * inW + ix) * channels) << 2);
        const fRow = filter + (<usize>((ky * kw + kx) * outChannels) << 2);
        if (multiplier == 1) {
          let o = 0;
          for (; o + 4 <= outChannels; o += 4) {
            const at = <usize>o << 2;
            v128.store(y + at, f32x4.add(v128.load(y + at), f32x4.mul(v128.load(xRow + at), v128.load(fRow + at))));
          }
          for (; o < outChannels; o++) {
            const at = <usize>o << 2;
            store<f32>(y + at, load<f32>(y + at) + load<f32>(xRow + at) * load<f32>(fRow + at));
          }
        } else if (multiplier == 2) {
          // Channels c and c+1 feed outputs 2c, 2c+1, 2c+2, 2c+3: x spread as [x_c, x_c, x_c+1, x_c+1].
          let ch = 0;
          for (; ch + 2 <= channels; ch += 2) {
            const pair = v128.load64_zero(xRow + (<usize>ch << 2));
            const spread = v128.shuffle<f32>(pair, pair, 0, 0, 1, 1);
            const at = <usize>(ch * 2) << 2;
            v128.store(y + at, f32x4.add(v128.load(y + at), f32x4.mul(spread, v128.load(fRow + at))));
          }
          for (; ch < channels; ch++) {
            const value = load<f32>(xRow + (<usize>ch << 2));
            const at = <usize>(ch * 2) << 2;
            store<f32>(y + at, load<f32>(y + at) + value * load<f32>(fRow + at));
            store<f32>(y + at + 4, load<f32>(y + at + 4) + value * load<f32>(fRow + at + 4));
          }
        } else if ((multiplier & 3) == 0) {
          for (let ch = 0; ch < channels; ch++) {
            const value = f32x4.splat(load<f32>(xRow + (<usize>ch << 2)));
            const base = <usize>(ch * multiplier) << 2;
            for (let j = 0; j < multiplier; j += 4) {
              const at = base + (<usize>j << 2);
              v128.store(y + at, f32x4.add(v128.load(y + at), f32x4.mul(value, v128.load(fRow + at))));
            }
          }
        } else {
          for (let ch = 0; ch < channels; ch++) {
            const value = load<f32>(xRow + (<usize>ch << 2));
            const base = <usize>(ch * multiplier) << 2;
            for (let j = 0; j < multiplier; j++) {
              const at = base + (<usize>j << 2);
              store<f32>(y + at, load<f32>(y + at) + value * load<f32>(fRow + at));
            }
          }
        }
      }
    }
  }
}

export { im2col_f32, col2im_add_f32 } from './conv-gather';

/**
 * The input gradient of a depthwise conv2d for images [image0, image0 + images): each output
 * pixel's dy, weighted by the filter, added back onto the input cells its taps read. `dx` starts at
 * zero; threads split by whole images, whose cells never overlap.
 */
export function depthwise_backprop_input_f32(dy: usize, filter: usize, dx: usize, plan: usize, image0: i32, images: i32, multiplier: i32): void {
  const inH = load<i32>(plan, 4);
  const inW = load<i32>(plan, 8);
  const channels = load<i32>(plan, 12);
  const kh = load<i32>(plan, 20);
  const kw = load<i32>(plan, 24);
  const sh = load<i32>(plan, 28);
  const sw = load<i32>(plan, 32);
  const dh = load<i32>(plan, 36);
  const dw = load<i32>(plan, 40);
  const pt = load<i32>(plan, 44);
  const pl = load<i32>(plan, 48);
  const oh = load<i32>(plan, 52);
  const ow = load<i32>(plan, 56);
  const outChannels = channels * multiplier;
  for (let image = image0; image < image0 + images; image++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const dyRow = dy + (<usize>(((image * oh + oy) * ow + ox) * outChannels) << 2);
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky * dh;
          if (iy < 0 || iy >= inH) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pl + kx * dw;
            if (ix < 0 || ix >= inW) continue;
            const dxRow = dx + (<usize>(((image * inH + iy) * inW + ix) * channels) << 2);
            const fRow = filter + (<usize>((ky * kw + kx) * outChannels) << 2);
            if (multiplier == 1) {
              let c = 0;
              for (; c + 4 <= channels; c += 4) {
                const at = <usize>c << 2;
                v128.store(dxRow + at, f32x4.add(v128.load(dxRow + at), f32x4.mul(v128.load(dyRow + at), v128.load(fRow + at))));
              }
              for (; c < channels; c++) {
                const at = <usize>c << 2;
                store<f32>(dxRow + at, load<f32>(dxRow + at) + load<f32>(dyRow + at) * load<f32>(fRow + at));
              }
            } else {
              for (let c = 0; c < channels; c++) {
                let sum: f32 = 0;
                const base = <usize>(c * multiplier) << 2;
                for (let j = 0; j < multiplier; j++) {
                  const at = base + (<usize>j << 2);
                  sum += load<f32>(dyRow + at) * load<f32>(fRow + at);
                }
                const at = <usize>c << 2;
                store<f32>(dxRow + at, load<f32>(dxRow + at) + sum);
              }
            }
          }
        }
      }
    }
  }
}

/**
 * The filter gradient of a depthwise conv2d: for each tap, Σ over output pixels of the input cell
 * under it times dy, vectorized across channels. `dw` starts at zero; one thread (every pixel adds
 * into the same small filter).
 */
export function depthwise_backprop_filter_f32(x: usize, dy: usize, dwOut: usize, plan: usize, multiplier: i32): void {
  const batch = load<i32>(plan, 0);
  const inH = load<i32>(plan, 4);
  const inW = load<i32>(plan, 8);
  const channels = load<i32>(plan, 12);
  const kh = load<i32>(plan, 20);
  const kw = load<i32>(plan, 24);
  const sh = load<i32>(plan, 28);
  const sw = load<i32>(plan, 32);
  const dh = load<i32>(plan, 36);
  const dw = load<i32>(plan, 40);
  const pt = load<i32>(plan, 44);
  const pl = load<i32>(plan, 48);
  const oh = load<i32>(plan, 52);
  const ow = load<i32>(plan, 56);
  const outChannels = channels * multiplier;
  const pixels = batch * oh * ow;
  for (let pixel = 0; pixel < pixels; pixel++) {
    const ox = pixel % ow;
    const rest = pixel / ow;
    const oy = rest % oh;
    const image = rest / oh;
    const dyRow = dy + (<usize>(pixel * outChannels) << 2);
    for (let ky = 0; ky < kh; ky++) {
      const iy = oy * sh - pt + ky * dh;
      if (iy < 0 || iy >= inH) continue;
      for (let kx = 0; kx < kw; kx++) {
        const ix = ox * sw - pl + kx * dw;
        if (ix < 0 || ix >= inW) continue;
        const xRow = x + (<usize>(((image * inH + iy) * inW + ix) * channels) << 2);
        const gRow = dwOut + (<usize>((ky * kw + kx) * outChannels) << 2);
        if (multiplier == 1) {
          let c = 0;
          for (; c + 4 <= channels; c += 4) {
            const at = <usize>c << 2;
            v128.store(gRow + at, f32x4.add(v128.load(gRow + at), f32x4.mul(v128.load(xRow + at), v128.load(dyRow + at))));
          }
          for (; c < channels; c++) {
            const at = <usize>c << 2;
            store<f32>(gRow + at, load<f32>(gRow + at) + load<f32>(xRow + at) * load<f32>(dyRow + at));
          }
        } else {
          for (let c = 0; c < channels; c++) {
            const value = load<f32>(xRow + (<usize>c << 2));
            const base = <usize>(c * multiplier) << 2;
            for (let j = 0; j < multiplier; j++) {
              const at = base + (<usize>j << 2);
              store<f32>(gRow + at, load<f32>(gRow + at) + value * load<f32>(dyRow + at));
            }
          }
        }
      }
    }
  }
}
