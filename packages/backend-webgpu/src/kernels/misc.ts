import type { AttrsOf, KernelInput, TensorInfo, WindowGeometry } from '@tessera/core';
import { poolGeometry, sizeOf } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { f32Bits } from '../runtime.js';
import { constantParam, input, paramAs, run } from './common.js';
import { MATH_WGSL } from './math-wgsl.js';

function windowParams(g: WindowGeometry): number[] {
  return [g.batch, g.inHeight, g.inWidth, g.channels, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth];
}

const WINDOW = /* wgsl */ `
  let inH = q(1); let inW = q(2); let C = q(3); let kh = q(4); let kw = q(5);
  let sh = q(6); let sw = q(7); let pt = q(8); let pl = q(9); let outH = q(10); let outW = q(11);`;

/** WGSL: decompose output index i into (nb, oy, ox, c) of an NHWC window output. */
const OUTPUT_CELL = /* wgsl */ `
  let c = i % C;
  let ox = (i / C) % outW;
  let oy = (i / (C * outW)) % outH;
  let nb = i / (C * outW * outH);`;

/** WGSL: decompose input index i into (nb, iy, ix, c). */
const INPUT_CELL = /* wgsl */ `
  let c = i % C;
  let ix = (i / C) % inW;
  let iy = (i / (C * inW)) % inH;
  let nb = i / (C * inW * inH);`;

/** WGSL: the number of real cells of window (oy, ox). */
const WINDOW_COUNT = /* wgsl */ `
fn window_count(oy: i32, ox: i32) -> f32 {
  let y0 = oy * q(6) - q(8);
  let x0_ = ox * q(7) - q(9);
  let rows = min(y0 + q(4), q(1)) - max(y0, 0);
  let cols = min(x0_ + q(5), q(2)) - max(x0_, 0);
  return f32(rows * cols);
}`;

function pool(backend: WebGPUBackend, op: 'maxPool' | 'avgPool', x: KernelInput, attrs: AttrsOf<'maxPool'>, out: TensorInfo) {
  const g = poolGeometry(op, x.shape, attrs);
  // NaN wins max pooling, as in TensorFlow and the reference.
  const isFloat = out.dtype === 'float32';
  const body = op === 'maxPool' ? `if (v > acc${isFloat ? ' || is_nan(v)' : ''}) { acc = v; }` : 'acc += v;';
  const init = op === 'maxPool' ? (isFloat ? '-inf()' : 'i32(-2147483647 - 1)') : isFloat ? '0.0' : '0';
  return run(
    backend,
    {
      key: `${op}:direct:${out.dtype}`,
      inputs: [input(backend, x, op)],
      outputDType: out.dtype,
      params: windowParams(g),
      helpers: `${MATH_WGSL}${WINDOW_COUNT}`,
      body: `if (i >= n) { return; }
  ${WINDOW}
  ${OUTPUT_CELL}
  var acc = ${init};
  for (var ki = 0; ki < kh; ki++) {
    let iy = oy * sh - pt + ki;
    if (iy < 0 || iy >= inH) { continue; }
    for (var kj = 0; kj < kw; kj++) {
      let ix = ox * sw - pl + kj;
      if (ix < 0 || ix >= inW) { continue; }
      let v = x0[((nb * inH + iy) * inW + ix) * C + c];
      ${body}
    }
  }
  y[i] = ${op === 'maxPool' ? 'acc' : 'acc / window_count(oy, ox)'};`,
      threads: sizeOf(out.shape),
    },
    out,
  );
}

/**
 * Pool gradients: one thread per input cell visits the windows that contain it. For max pooling
 * the cell takes a window's gradient only if it is the window's first strict maximum (the
 * reference's routing); for average pooling each window gives dy / (its real cell count).
 */
function poolGrad(backend: WebGPUBackend, op: 'maxPoolGrad' | 'avgPoolGrad', inputs: readonly KernelInput[], g: WindowGeometry, out: TensorInfo) {
  const isMax = op === 'maxPoolGrad';
  const contribution = isMax
    ? `
      // The window's winner: the first cell, replaced only by a strictly greater one.
      var best = 0.0;
      var winner = -1;
      for (var wi = 0; wi < kh; wi++) {
        let yy = y0 + wi;
        if (yy < 0 || yy >= inH) { continue; }
        for (var wj = 0; wj < kw; wj++) {
          let xx = x0_ + wj;
          if (xx < 0 || xx >= inW) { continue; }
          let v = x1[((nb * inH + yy) * inW + xx) * C + c];
          if (winner == -1 || v > best) { best = v; winner = yy * inW + xx; }
        }
      }
      if (winner == iy * inW + ix) { acc += x0[((nb * outH + oy) * outW + ox) * C + c]; }`
    : `
      acc += x0[((nb * outH + oy) * outW + ox) * C + c] / window_count(oy, ox);`;
  return run(
    backend,
    {
      key: `${op}:scatter-free`,
      inputs: inputs.map((t) => input(backend, t, op)),
      outputDType: out.dtype,
      params: windowParams(g),
      helpers: WINDOW_COUNT,
      body: `if (i >= n) { return; }
  ${WINDOW}
  ${INPUT_CELL}
  var acc = 0.0;
  for (var oy = 0; oy < outH; oy++) {
    let y0 = oy * sh - pt;
    if (iy < y0 || iy >= y0 + kh) { continue; }
    for (var ox = 0; ox < outW; ox++) {
      let x0_ = ox * sw - pl;
      if (ix < x0_ || ix >= x0_ + kw) { continue; }
      ${contribution}
    }
  }
  y[i] = acc;`,
      threads: sizeOf(out.shape),
    },
    out,
  );
}

/** Philox4x32-10 in WGSL, word for word core's `philox4x32`, and the distributions on top of it. */
const PHILOX_WGSL = /* wgsl */ `
fn mul_high(a: u32, b: u32) -> u32 {
  let a_hi = a >> 16u; let a_lo = a & 0xffffu;
  let b_hi = b >> 16u; let b_lo = b & 0xffffu;
  let lo_lo = a_lo * b_lo;
  let hi_lo = a_hi * b_lo;
  let lo_hi = a_lo * b_hi;
  let carry = ((lo_lo >> 16u) + (hi_lo & 0xffffu) + (lo_hi & 0xffffu)) >> 16u;
  return a_hi * b_hi + (hi_lo >> 16u) + (lo_hi >> 16u) + carry;
}

fn philox(counter: vec4<u32>, key: vec2<u32>) -> vec4<u32> {
  var c = counter;
  var k = key;
  for (var r = 0; r < 10; r++) {
    if (r > 0) { k = k + vec2<u32>(0x9e3779b9u, 0xbb67ae85u); }
    let hi0 = mul_high(0xd2511f53u, c.x);
    let lo0 = 0xd2511f53u * c.x;
    let hi1 = mul_high(0xcd9e8d57u, c.z);
    let lo1 = 0xcd9e8d57u * c.z;
    c = vec4<u32>(hi1 ^ c.y ^ k.x, lo1, hi0 ^ c.w ^ k.y, lo0);
  }
  return c;
}

fn uniform_from_bits(bits: u32) -> f32 { return f32(bits >> 9u) * 1.1920928955078125e-7; }

/** cos(2 pi u) for u in [0, 1): quadrant taken exactly in u, so the angle error stays relative. */
fn cos_two_pi(u: f32) -> f32 {
  let v = u * 4.0;
  let quadrant = floor(v + 0.5);
  let r = (v - quadrant) * 1.5707963267948966;
  let k = i32(quadrant) & 3;
  if (k == 0) { return cos_core(r); }
  if (k == 1) { return -sin_core(r); }
  if (k == 2) { return -cos_core(r); }
  return sin_core(r);
}

/** Box-Muller on two words, as core's normalFromBits. */
fn normal_from_bits(w0: u32, w1: u32) -> f32 {
  let u1 = f32((w0 >> 9u) + 1u) * 1.1920928955078125e-7;
  return sqrt(-2.0 * t_log(u1)) * cos_two_pi(uniform_from_bits(w1));
}`;

export function miscKernels(backend: WebGPUBackend) {
  return {
    maxPool: ([x]: readonly KernelInput[], attrs: AttrsOf<'maxPool'>, [out]: readonly TensorInfo[]) => [pool(backend, 'maxPool', x, attrs, out)],
    avgPool: ([x]: readonly KernelInput[], attrs: AttrsOf<'avgPool'>, [out]: readonly TensorInfo[]) => [pool(backend, 'avgPool', x, attrs, out)],
    maxPoolGrad: ([dy, x]: readonly KernelInput[], attrs: AttrsOf<'maxPoolGrad'>, [out]: readonly TensorInfo[]) => [
      poolGrad(backend, 'maxPoolGrad', [dy, x], poolGeometry('maxPoolGrad', x.shape, attrs), out),
    ],
    avgPoolGrad: ([dy]: readonly KernelInput[], attrs: AttrsOf<'avgPoolGrad'>, [out]: readonly TensorInfo[]) => [
      poolGrad(backend, 'avgPoolGrad', [dy], poolGeometry('avgPoolGrad', attrs.inputShape, attrs), out),
    ],

    oneHot: ([indices]: readonly KernelInput[], { depth, onValue, offValue }: AttrsOf<'oneHot'>, [out]: readonly TensorInfo[]) => [
      run(
        backend,
        {
          key: 'oneHot:direct',
          inputs: [input(backend, indices, 'oneHot')],
          outputDType: out.dtype,
          params: [depth, constantParam(onValue, out.dtype), constantParam(offValue, out.dtype)],
          body: `if (i >= n) { return; }
  let id = i32(x0[i / q(0)]);
  y[i] = select(${paramAs(2, out.dtype)}, ${paramAs(1, out.dtype)}, i % q(0) == id);`,
          threads: sizeOf(out.shape),
        },
        out,
      ),
    ],

    cumsum: ([x]: readonly KernelInput[], { axis, exclusive, reverse }: AttrsOf<'cumsum'>, [out]: readonly TensorInfo[]) => {
      const length = x.shape[axis];
      const inner = sizeOf(x.shape.slice(axis + 1));
      const lines = sizeOf(x.shape) / Math.max(1, length);
      const zero = out.dtype === 'float32' ? '0.0' : '0';
      return [
        run(
          backend,
          {
            key: 'cumsum:lines',
            inputs: [input(backend, x, 'cumsum')],
            outputDType: out.dtype,
            params: [length, inner, exclusive ? 1 : 0, reverse ? 1 : 0],
            // One thread per line scans it in order (the reference's order of additions).
            body: `if (i >= n) { return; }
  let L = q(0);
  let inner = q(1);
  let base = (i / inner) * L * inner + i % inner;
  var acc = ${zero};
  for (var s = 0; s < L; s++) {
    let k = select(s, L - 1 - s, q(3) != 0);
    let at = base + k * inner;
    let v = x0[at];
    if (q(2) != 0) { y[at] = acc; acc += v; } else { acc += v; y[at] = acc; }
  }`,
            threads: length === 0 ? 0 : lines,
          },
          out,
        ),
      ];
    },

    range: (_inputs: readonly KernelInput[], { start, step }: AttrsOf<'range'>, [out]: readonly TensorInfo[]) => {
      const isFloat = out.dtype === 'float32';
      // Floats: start and step each as a float32 pair (high + low) so start + i·step keeps about 48 bits.
      const hi = (v: number) => Math.fround(v);
      const params = isFloat
        ? [f32Bits(hi(start)), f32Bits(start - hi(start)), f32Bits(hi(step)), f32Bits(step - hi(step))]
        : [start | 0, step | 0];
      const body = isFloat
        ? `let k = f32(i);
  y[i] = qf(0) + (k * qf(2) + (qf(1) + k * qf(3)));`
        : `y[i] = q(0) + i * q(1);`;
      return [
        run(
          backend,
          {
            key: `range:${out.dtype}`,
            inputs: [],
            outputDType: out.dtype,
            params,
            body: `if (i >= n) { return; }
  ${body}`,
            threads: sizeOf(out.shape),
          },
          out,
        ),
      ];
    },

    random: (_inputs: readonly KernelInput[], { distribution, seed }: AttrsOf<'random'>, [out]: readonly TensorInfo[]) => {
      const sample =
        distribution === 'uniform'
          ? 'y[i] = uniform_from_bits(philox(vec4<u32>(u32(i), 0u, 0u, 0u), key).x);'
          : `var attempt = 0u;
  loop {
    let words = philox(vec4<u32>(u32(i), 0u, attempt, 0u), key);
    let z = normal_from_bits(words.x, words.y);
    if (${distribution === 'normal' ? 'true' : 'abs(z) < 2.0'}) { y[i] = z; break; }
    attempt = attempt + 1u;
  }`;
      return [
        run(
          backend,
          {
            key: `random:${distribution}`,
            inputs: [],
            outputDType: out.dtype,
            params: [seed[0] | 0, seed[1] | 0],
            helpers: `${MATH_WGSL}${PHILOX_WGSL}`,
            body: `if (i >= n) { return; }
  let key = vec2<u32>(bitcast<u32>(q(0)), bitcast<u32>(q(1)));
  ${sample}`,
            threads: sizeOf(out.shape),
          },
          out,
        ),
      ];
    },
  };
}
