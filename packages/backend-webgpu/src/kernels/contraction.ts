import type { AttrsOf, KernelInput, TensorInfo } from '@tessera/core';
import { convGeometry, sizeOf } from '@tessera/core';
import type { ConvGeometry } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { WGSL_TYPE } from '../runtime.js';
import { assertRank, defer, input, padTo, run, stridesOf } from './common.js';
import type { GemmShader } from './gemm.js';
import { GEMM_THREADS, SKINNY_ROWS, gemmBody, gemmHelpers, gemmProgram, gemmWorkgroups, skinnyWorkgroups } from './gemm.js';

/**
 * Batched matMul on the blocked GEMM (the skinny skeleton for at most SKINNY_ROWS rows). Parameters:
 * [M, N, K, transposeA, transposeB, batchRank, batchShape×8, aBatchStrides×8, bBatchStrides×8]
 * (batch strides in elements, 0 where a side broadcasts).
 */
function matMul(backend: WebGPUBackend, [a, b]: readonly KernelInput[], { transposeA, transposeB }: AttrsOf<'matMul'>, out: TensorInfo) {
  assertRank('matMul', out.shape);
  const rank = out.shape.length;
  const [m, n] = [out.shape[rank - 2], out.shape[rank - 1]];
  const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const batchShape = out.shape.slice(0, -2);
  const batchStrides = (shape: readonly number[]) => {
    const own = shape.slice(0, -2);
    const strides = stridesOf(own);
    const matrix = shape[shape.length - 2] * shape[shape.length - 1];
    const lead = batchShape.length - own.length;
    return batchShape.map((_, d) => (d < lead || own[d - lead] === 1 ? 0 : strides[d - lead] * matrix));
  };
  const batches = sizeOf(batchShape);
  const T = WGSL_TYPE[out.dtype];
  const shader = (store: string): GemmShader => ({
    type: T,
    functions: `var<private> a_off: i32;
var<private> b_off: i32;
var<private> c_off: i32;
fn load_a(row: i32, k: i32) -> ${T} { return x0[a_off + select(row * q(2) + k, k * q(0) + row, q(3) != 0)]; }
fn load_b(k: i32, col: i32) -> ${T} { return x1[b_off + select(k * q(1) + col, col * q(2) + k, q(4) != 0)]; }
fn store_c(row: i32, col: i32, value: ${T}) {
  let i = c_off + row * q(1) + col;
  ${store}
}`,
    setup: `let M = q(0);
  let N = q(1);
  let K = q(2);
  var rem = wz;
  for (var d = q(5) - 1; d >= 0; d--) {
    let s = q(6 + d);
    let c = rem % s;
    rem = rem / s;
    a_off += c * q(14 + d);
    b_off += c * q(22 + d);
  }
  c_off = wz * M * N;`,
  });
  const skinny = m <= SKINNY_ROWS;
  const program = gemmProgram(
    {
      key: skinny ? 'matMul:skinny' : 'matMul:gemm',
      inputs: [input(backend, a, 'matMul'), input(backend, b, 'matMul')],
      outputDType: out.dtype,
      params: [m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, batchShape.length, ...padTo(batchShape, 8, 1), ...padTo(batchStrides(a.shape)), ...padTo(batchStrides(b.shape))],
      threads: batches * m * n,
      workgroupSize: skinny ? 64 : GEMM_THREADS,
      workgroups: skinny ? skinnyWorkgroups(n, batches) : gemmWorkgroups(m, n, batches),
    },
    shader,
    skinny,
  );
  return defer(backend, program, out);
}

/** The conv geometry as parameters q(0..16). */
function geometryParams(g: ConvGeometry): number[] {
  return [
    g.batch, g.inHeight, g.inWidth, g.channels, g.kernelHeight, g.kernelWidth, g.strideHeight, g.strideWidth,
    g.dilationHeight, g.dilationWidth, g.padTop, g.padLeft, g.outHeight, g.outWidth, g.outChannels,
    g.inChannelsPerGroup, g.outChannelsPerGroup,
  ];
}

/** WGSL names for the geometry parameters. */
const GEOMETRY = /* wgsl */ `
  let batch = q(0); let inH = q(1); let inW = q(2); let C = q(3); let kh = q(4); let kw = q(5);
  let sh = q(6); let sw = q(7); let dh = q(8); let dw = q(9); let pt = q(10); let pl = q(11);
  let outH = q(12); let outW = q(13); let outC = q(14); let inPer = q(15); let outPer = q(16);`;

/** WGSL: the input value under row r (an output pixel) and tap k of an implicit im2col matrix, 0 in padding. */
const IM2COL = /* wgsl */ `
var<private> grp: i32;
fn im2col(r: i32, k: i32) -> f32 {
  let inH = q(1); let inW = q(2); let C = q(3); let kw = q(5); let inPer = q(15);
  let ox = r % q(13);
  let oy = (r / q(13)) % q(12);
  let nb = r / (q(13) * q(12));
  let ci = k % inPer;
  let j = (k / inPer) % kw;
  let i = k / (inPer * kw);
  let iy = oy * q(6) - q(10) + i * q(8);
  let ix = ox * q(7) - q(11) + j * q(9);
  if (iy < 0 || iy >= inH || ix < 0 || ix >= inW) { return 0.0; }
  return x0[((nb * inH + iy) * inW + ix) * C + grp * inPer + ci];
}`;

/**
 * conv2d as an implicit GEMM per group: rows are output pixels (n, oy, ox), columns the group's
 * output channels, the inner dimension the filter taps (i, j, ci); A's tiles are gathered from the
 * input on the fly, so no im2col buffer exists.
 */
function conv2d(backend: WebGPUBackend, [x, filter]: readonly KernelInput[], attrs: AttrsOf<'conv2d'>, out: TensorInfo) {
  const g = convGeometry('conv2d', x.shape, filter.shape, attrs);
  const rows = g.batch * g.outHeight * g.outWidth;
  const taps = g.kernelHeight * g.kernelWidth * g.inChannelsPerGroup;
  const shader = (store: string): GemmShader => ({
    type: 'f32',
    functions: `${IM2COL}
fn load_a(row: i32, k: i32) -> f32 { return im2col(row, k); }
fn load_b(k: i32, col: i32) -> f32 { return x1[k * q(14) + grp * q(16) + col]; }
fn store_c(row: i32, col: i32, value: f32) {
  let i = row * q(14) + grp * q(16) + col;
  ${store}
}`,
    setup: `let M = q(17);
  let N = q(16);
  let K = q(18);
  grp = wz;`,
  });
  const program = gemmProgram(
    {
      key: 'conv2d:implicit-gemm',
      inputs: [input(backend, x, 'conv2d'), input(backend, filter, 'conv2d')],
      outputDType: out.dtype,
      params: [...geometryParams(g), rows, taps],
      threads: rows * g.outChannels,
      workgroupSize: GEMM_THREADS,
      workgroups: gemmWorkgroups(rows, g.outChannelsPerGroup, g.groups),
    },
    shader,
  );
  return defer(backend, program, out);
}

/** dx: one thread per input cell sums dy · filter over the taps and output channels that read it. */
function conv2dBackpropInput(backend: WebGPUBackend, [dy, filter]: readonly KernelInput[], attrs: AttrsOf<'conv2dBackpropInput'>, out: TensorInfo) {
  const g = convGeometry('conv2dBackpropInput', attrs.inputShape, filter.shape, attrs);
  return run(
    backend,
    {
      key: 'conv2dBackpropInput:direct',
      inputs: [input(backend, dy, 'conv2dBackpropInput'), input(backend, filter, 'conv2dBackpropInput')],
      outputDType: out.dtype,
      params: geometryParams(g),
      body: `if (i >= n) { return; }
  ${GEOMETRY}
  let c = i % C;
  let ix = (i / C) % inW;
  let iy = (i / (C * inW)) % inH;
  let nb = i / (C * inW * inH);
  let grp = c / inPer;
  let ci = c % inPer;
  var acc = 0.0;
  for (var ki = 0; ki < kh; ki++) {
    let yNum = iy + pt - ki * dh;
    if (yNum < 0 || yNum % sh != 0) { continue; }
    let oy = yNum / sh;
    if (oy >= outH) { continue; }
    for (var kj = 0; kj < kw; kj++) {
      let xNum = ix + pl - kj * dw;
      if (xNum < 0 || xNum % sw != 0) { continue; }
      let ox = xNum / sw;
      if (ox >= outW) { continue; }
      let dyBase = ((nb * outH + oy) * outW + ox) * outC + grp * outPer;
      let fBase = ((ki * kw + kj) * inPer + ci) * outC + grp * outPer;
      for (var o = 0; o < outPer; o++) { acc += x0[dyBase + o] * x1[fBase + o]; }
    }
  }
  y[i] = acc;`,
      threads: sizeOf(out.shape),
    },
    out,
  );
}

/**
 * dfilter as an implicit GEMM per group: dF[tap, o] = Σ_pixels im2col(x)[pixel, tap] · dy[pixel, o],
 * so A is the transposed im2col matrix, read on the fly like conv2d's.
 */
function conv2dBackpropFilter(backend: WebGPUBackend, [x, dy]: readonly KernelInput[], attrs: AttrsOf<'conv2dBackpropFilter'>, out: TensorInfo) {
  const g = convGeometry('conv2dBackpropFilter', x.shape, attrs.filterShape, attrs);
  const rows = g.batch * g.outHeight * g.outWidth;
  const taps = g.kernelHeight * g.kernelWidth * g.inChannelsPerGroup;
  const shader: GemmShader = {
    type: 'f32',
    functions: `${IM2COL}
fn load_a(tap: i32, pixel: i32) -> f32 { return im2col(pixel, tap); }
fn load_b(pixel: i32, col: i32) -> f32 { return x1[pixel * q(14) + grp * q(16) + col]; }
fn store_c(tap: i32, col: i32, value: f32) { y[tap * q(14) + grp * q(16) + col] = value; }`,
    setup: `let M = q(18);
  let N = q(16);
  let K = q(17);
  grp = wz;`,
  };
  return run(
    backend,
    {
      key: 'conv2dBackpropFilter:implicit-gemm',
      inputs: [input(backend, x, 'conv2dBackpropFilter'), input(backend, dy, 'conv2dBackpropFilter')],
      outputDType: out.dtype,
      params: [...geometryParams(g), rows, taps],
      helpers: gemmHelpers(shader),
      body: gemmBody(shader),
      threads: taps * g.outChannels,
      workgroupSize: GEMM_THREADS,
      workgroups: gemmWorkgroups(taps, g.outChannelsPerGroup, g.groups),
    },
    out,
  );
}

export function contractionKernels(backend: WebGPUBackend) {
  return {
    matMul: (inputs: readonly KernelInput[], attrs: AttrsOf<'matMul'>, [out]: readonly TensorInfo[]) => [matMul(backend, inputs, attrs, out)],
    conv2d: (inputs: readonly KernelInput[], attrs: AttrsOf<'conv2d'>, [out]: readonly TensorInfo[]) => [conv2d(backend, inputs, attrs, out)],
    conv2dBackpropInput: (inputs: readonly KernelInput[], attrs: AttrsOf<'conv2dBackpropInput'>, [out]: readonly TensorInfo[]) => [
      conv2dBackpropInput(backend, inputs, attrs, out),
    ],
    conv2dBackpropFilter: (inputs: readonly KernelInput[], attrs: AttrsOf<'conv2dBackpropFilter'>, [out]: readonly TensorInfo[]) => [
      conv2dBackpropFilter(backend, inputs, attrs, out),
    ],
  };
}
