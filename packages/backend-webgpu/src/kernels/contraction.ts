import type { AttrsOf, KernelInput, TensorInfo } from '@tessera/core';
import { convGeometry, sizeOf } from '@tessera/core';
import type { ConvGeometry } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { WGSL_TYPE } from '../runtime.js';
import { assertRank, input, padTo, run, stridesOf } from './common.js';

/** Output tile edge of conv2d's implicit GEMM: each workgroup computes a TILE × TILE block. */
const TILE = 16;

/**
 * matMul's blocking: a workgroup of 8 × 8 threads computes a 32 × 32 output block, each thread a
 * 4 × 4 patch held in registers, stepping through K in slices of 32 staged in workgroup memory.
 * Each staged value then feeds four multiply-adds instead of one.
 */
const MM_BLOCK = 32;
const MM_THREADS = 64;
const MM_PATCH = 4;

/**
 * Batched matMul tiled through workgroup memory. Parameters:
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
  const type = WGSL_TYPE[out.dtype];
  const zero = out.dtype === 'float32' ? '0.0' : '0';
  const batches = sizeOf(batchShape);
  const staged = MM_BLOCK * MM_BLOCK;
  const side = MM_BLOCK / MM_PATCH;
  return run(
    backend,
    {
      key: 'matMul:blocked',
      inputs: [input(backend, a, 'matMul'), input(backend, b, 'matMul')],
      outputDType: out.dtype,
      params: [m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, batchShape.length, ...padTo(batchShape, 8, 1), ...padTo(batchStrides(a.shape)), ...padTo(batchStrides(b.shape))],
      helpers: `var<workgroup> As: array<${type}, ${staged}>;\nvar<workgroup> Bs: array<${type}, ${staged}>;`,
      body: `let M = q(0);
  let N = q(1);
  let K = q(2);
  let tx = lid % ${side};
  let ty = lid / ${side};
  let rowBase = wy * ${MM_BLOCK};
  let colBase = wx * ${MM_BLOCK};
  var aOff = 0;
  var bOff = 0;
  var rem = wz;
  for (var d = q(5) - 1; d >= 0; d--) {
    let s = q(6 + d);
    let c = rem % s;
    rem = rem / s;
    aOff += c * q(14 + d);
    bOff += c * q(22 + d);
  }
  var acc: array<${type}, ${MM_PATCH * MM_PATCH}>;
  for (var t = 0; t < K; t += ${MM_BLOCK}) {
    for (var e = 0; e < ${staged / MM_THREADS}; e++) {
      let idx = lid + e * ${MM_THREADS};
      let r = idx / ${MM_BLOCK};
      let c = idx % ${MM_BLOCK};
      // As[r][c] = A[rowBase + r, t + c]; Bs[r][c] = B[t + r, colBase + c].
      let am = rowBase + r;
      let ak = t + c;
      var av: ${type} = ${zero};
      if (am < M && ak < K) { av = x0[aOff + select(am * K + ak, ak * M + am, q(3) != 0)]; }
      As[idx] = av;
      let bk = t + r;
      let bn = colBase + c;
      var bv: ${type} = ${zero};
      if (bk < K && bn < N) { bv = x1[bOff + select(bk * N + bn, bn * K + bk, q(4) != 0)]; }
      Bs[idx] = bv;
    }
    workgroupBarrier();
    for (var p = 0; p < ${MM_BLOCK}; p++) {
      var av: array<${type}, ${MM_PATCH}>;
      var bv: array<${type}, ${MM_PATCH}>;
      for (var r = 0; r < ${MM_PATCH}; r++) {
        av[r] = As[(ty * ${MM_PATCH} + r) * ${MM_BLOCK} + p];
        bv[r] = Bs[p * ${MM_BLOCK} + tx * ${MM_PATCH} + r];
      }
      for (var r = 0; r < ${MM_PATCH}; r++) {
        for (var c = 0; c < ${MM_PATCH}; c++) { acc[r * ${MM_PATCH} + c] += av[r] * bv[c]; }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0; r < ${MM_PATCH}; r++) {
    let row = rowBase + ty * ${MM_PATCH} + r;
    for (var c = 0; c < ${MM_PATCH}; c++) {
      let col = colBase + tx * ${MM_PATCH} + c;
      if (row < M && col < N) { y[(wz * M + row) * N + col] = acc[r * ${MM_PATCH} + c]; }
    }
  }`,
      threads: batches * m * n,
      workgroupSize: MM_THREADS,
      workgroups: [Math.ceil(n / MM_BLOCK), Math.ceil(m / MM_BLOCK), batches],
    },
    out,
  );
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

/**
 * conv2d as an implicit GEMM per group: rows are output pixels (n, oy, ox), columns the group's
 * output channels, the inner dimension the filter taps (i, j, ci); A's tiles are gathered from the
 * input on the fly, so no im2col buffer exists.
 */
function conv2d(backend: WebGPUBackend, [x, filter]: readonly KernelInput[], attrs: AttrsOf<'conv2d'>, out: TensorInfo) {
  const g = convGeometry('conv2d', x.shape, filter.shape, attrs);
  const rows = g.batch * g.outHeight * g.outWidth;
  const inner = g.kernelHeight * g.kernelWidth * g.inChannelsPerGroup;
  return run(
    backend,
    {
      key: 'conv2d:implicit-gemm',
      inputs: [input(backend, x, 'conv2d'), input(backend, filter, 'conv2d')],
      outputDType: out.dtype,
      params: [...geometryParams(g), rows, inner],
      helpers: `var<workgroup> As: array<f32, ${TILE * TILE}>;\nvar<workgroup> Bs: array<f32, ${TILE * TILE}>;`,
      body: `${GEOMETRY}
  let M = q(17);
  let K = q(18);
  let tr = lid / ${TILE};
  let tc = lid % ${TILE};
  let row = wy * ${TILE} + tr;
  let col = wx * ${TILE} + tc;
  let grp = wz;
  let ox = row % outW;
  let oy = (row / outW) % outH;
  let nb = row / (outW * outH);
  var acc = 0.0;
  for (var t = 0; t < K; t += ${TILE}) {
    let ak = t + tc;
    var av = 0.0;
    if (row < M && ak < K) {
      let ci = ak % inPer;
      let j = (ak / inPer) % kw;
      let i = ak / (inPer * kw);
      let iy = oy * sh - pt + i * dh;
      let ix = ox * sw - pl + j * dw;
      if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) { av = x0[((nb * inH + iy) * inW + ix) * C + grp * inPer + ci]; }
    }
    As[lid] = av;
    let bk = t + tr;
    var bv = 0.0;
    if (bk < K && col < outPer) { bv = x1[bk * outC + grp * outPer + col]; }
    Bs[lid] = bv;
    workgroupBarrier();
    for (var p = 0; p < ${TILE}; p++) { acc += As[tr * ${TILE} + p] * Bs[p * ${TILE} + tc]; }
    workgroupBarrier();
  }
  if (row < M && col < outPer) { y[row * outC + grp * outPer + col] = acc; }`,
      threads: rows * g.outChannels,
      workgroupSize: TILE * TILE,
      workgroups: [Math.ceil(g.outChannelsPerGroup / TILE), Math.ceil(rows / TILE), g.groups],
    },
    out,
  );
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

/** dfilter: one thread per filter tap sums x · dy over the batch and output positions. */
function conv2dBackpropFilter(backend: WebGPUBackend, [x, dy]: readonly KernelInput[], attrs: AttrsOf<'conv2dBackpropFilter'>, out: TensorInfo) {
  const g = convGeometry('conv2dBackpropFilter', x.shape, attrs.filterShape, attrs);
  return run(
    backend,
    {
      key: 'conv2dBackpropFilter:direct',
      inputs: [input(backend, x, 'conv2dBackpropFilter'), input(backend, dy, 'conv2dBackpropFilter')],
      outputDType: out.dtype,
      params: geometryParams(g),
      body: `if (i >= n) { return; }
  ${GEOMETRY}
  let o = i % outC;
  let ci = (i / outC) % inPer;
  let kj = (i / (outC * inPer)) % kw;
  let ki = i / (outC * inPer * kw);
  let c = (o / outPer) * inPer + ci;
  var acc = 0.0;
  for (var nb = 0; nb < batch; nb++) {
    for (var oy = 0; oy < outH; oy++) {
      let iy = oy * sh - pt + ki * dh;
      if (iy < 0 || iy >= inH) { continue; }
      for (var ox = 0; ox < outW; ox++) {
        let ix = ox * sw - pl + kj * dw;
        if (ix < 0 || ix >= inW) { continue; }
        acc += x0[((nb * inH + iy) * inW + ix) * C + c] * x1[((nb * outH + oy) * outW + ox) * outC + o];
      }
    }
  }
  y[i] = acc;`,
      threads: sizeOf(out.shape),
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
