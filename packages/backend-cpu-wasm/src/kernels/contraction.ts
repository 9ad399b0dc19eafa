import type { AttrsOf, Kernel, KernelInput, KernelTable, Shape, TensorInfo } from '@tessera/core';
import { sizeOf } from '@tessera/core';
import type { WasmContext } from '../context.js';
import type { KernelCall, Lanes } from '../threads/lanes.js';
import { lanesOf, splitRange } from '../threads/lanes.js';

/** The micro-kernel's tile height (assembly/gemm.ts): row splits between threads start on a multiple of it. */
const MR = 4;
/**
 * Below this many multiply-adds (~20 µs of work) a kernel runs on one thread: waking a worker costs
 * a good part of that.
 */
const PARALLEL_MIN_MACS = 1 << 19;
/** The largest im2col buffer the backprops materialize at once, in floats (8 MiB). */
const COLUMN_CHUNK_FLOATS = 1 << 21;

type ContractionKernels = Pick<KernelTable, 'matMul' | 'conv2d' | 'conv2dBackpropInput' | 'conv2dBackpropFilter'>;

/** How many lanes a kernel of `macs` multiply-adds over `rows` splittable rows should use. */
function laneCount(lanes: Lanes, macs: number, rows: number): number {
  if (macs < PARALLEL_MIN_MACS) return 1;
  return Math.max(1, Math.min(lanes.count, Math.ceil(rows / MR)));
}

/**
 * For each batch index of `outBatch`, the batch index of an operand with batch shape `own`
 * broadcast to it (right-aligned, size-1 dimensions repeat).
 */
function batchIndexMap(own: Shape, outBatch: Shape): Int32Array {
  const total = sizeOf(outBatch);
  const map = new Int32Array(total);
  const lead = outBatch.length - own.length;
  const strides: number[] = new Array<number>(outBatch.length).fill(0);
  let stride = 1;
  for (let d = own.length - 1; d >= 0; d--) {
    strides[d + lead] = own[d] === 1 ? 0 : stride;
    stride *= own[d];
  }
  for (let index = 0; index < total; index++) {
    let rest = index;
    let at = 0;
    for (let d = outBatch.length - 1; d >= 0; d--) {
      at += (rest % outBatch[d]) * strides[d];
      rest = Math.floor(rest / outBatch[d]);
    }
    map[index] = at;
  }
  return map;
}

/**
 * What a fused contraction applies to each output tile before it leaves the cache: a bias along
 * the last axis (an address, 0 for none) and an activation (assembly/epilogue.ts's codes).
 */
export interface EpiloguePlan {
  readonly bias: number;
  readonly activation: number;
  readonly alpha: number;
  /** The residual's address minus the output's (0 for none), and whether it is added before the bias. */
  readonly residualDelta: number;
  readonly residualFirst: boolean;
}

/**
 * The first call of every GEMM job on a lane: sets the epilogue, or clears whatever a failed job
 * may have left in that thread's instance.
 */
function epilogueCall(epilogue: EpiloguePlan | undefined, column = 0): KernelCall {
  if (epilogue === undefined) return { name: 'gemm_clear_epilogue', args: [] };
  return {
    name: 'gemm_set_epilogue',
    args: [epilogue.bias === 0 ? 0 : epilogue.bias + column * 4, epilogue.activation, epilogue.alpha, epilogue.residualDelta, epilogue.residualFirst ? 1 : 0],
  };
}

/** Runs lanes of GEMM jobs and leaves every thread's epilogue cleared, even when one fails. */
function runGemmJobs(context: WasmContext, lanes: Lanes, work: KernelCall[][], epilogue: EpiloguePlan | undefined): void {
  if (epilogue !== undefined) for (const calls of work) calls.push(epilogueCall(undefined));
  try {
    lanes.run(work);
  } finally {
    if (epilogue !== undefined) context.call('gemm_clear_epilogue');
  }
}

function matMulKernel(context: WasmContext): Kernel<AttrsOf<'matMul'>> {
  return ([a, b], attrs, [out]) => {
    const result = context.output(out);
    matMulInto(context, a, b, attrs, out, context.address(result), undefined);
    return [result];
  };
}

/** matMul into the block at `cAddress`, with an optional epilogue (float32 only). */
export function matMulInto(
  context: WasmContext,
  a: KernelInput,
  b: KernelInput,
  { transposeA, transposeB }: AttrsOf<'matMul'>,
  out: TensorInfo,
  cAddress: number,
  epilogue: EpiloguePlan | undefined,
): void {
  const rank = out.shape.length;
  const [m, n] = [out.shape[rank - 2], out.shape[rank - 1]];
  const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const batchShape = out.shape.slice(0, -2);
  const batches = sizeOf(batchShape);
  if (batches * m * n === 0) return;
  const aBatch = batchIndexMap(a.shape.slice(0, -2), batchShape);
  const bBatch = batchIndexMap(b.shape.slice(0, -2), batchShape);
  // A(i, p) and B(p, j) as element strides: a transpose only swaps them.
  const [aRow, aCol] = transposeA ? [1, m] : [k, 1];
  const [bRow, bCol] = transposeB ? [1, k] : [n, 1];
  const aAddress = context.address(a);
  const bAddress = context.address(b);
  if (out.dtype === 'int32') {
    for (let batch = 0; batch < batches; batch++) {
      context.call(
        'gemm_i32', aAddress + aBatch[batch] * m * k * 4, aRow, aCol, bAddress + bBatch[batch] * k * n * 4, bRow, bCol,
        cAddress + batch * m * n * 4, n, m, n, k,
      );
    }
    return;
  }
  const lanes = lanesOf(context);
  const macs = batches * m * n * k;
  const skinny = skinnyProduct(m, n, k, aRow, aCol, bRow, bCol);
  if (skinny !== undefined) {
    // One row or one column: no packing. Threads split the output vector.
    const ranges = splitRange(skinny.extent, laneCount(lanes, macs, skinny.extent), MR);
    const work: KernelCall[][] = ranges.map(() => [epilogueCall(epilogue)]);
    for (let batch = 0; batch < batches; batch++) {
      const a0 = aAddress + aBatch[batch] * m * k * 4;
      const b0 = bAddress + bBatch[batch] * k * n * 4;
      const c0 = cAddress + batch * m * n * 4;
      ranges.forEach(([start, end], lane) => work[lane].push(skinny.call(a0, b0, c0, start, end)));
    }
    runGemmJobs(context, lanes, work, epilogue);
    return;
  }
  // Many small matrices: whole batches per lane. Otherwise each matrix's rows are split.
  const byBatch = batches >= lanes.count && m * n * k < PARALLEL_MIN_MACS;
  const count = byBatch ? Math.min(lanes.count, macs < PARALLEL_MIN_MACS ? 1 : batches) : laneCount(lanes, macs, m);
  const ranges = byBatch ? splitRange(batches, count, 1) : splitRange(m, count, MR);
  const work: KernelCall[][] = ranges.map(() => [epilogueCall(epilogue)]);
  const gemm = (lane: number, batch: number, row0: number, rows: number): void => {
    work[lane].push({
      name: 'gemm_f32',
      args: [
        aAddress + (aBatch[batch] * m * k + row0 * aRow) * 4, aRow, aCol,
        bAddress + bBatch[batch] * k * n * 4, bRow, bCol,
        cAddress + (batch * m + row0) * n * 4, n, 0, rows, n, k, 0, lanes.workBuffer(lane),
      ],
    });
  };
  if (byBatch) {
    ranges.forEach(([first, end], lane) => {
      for (let batch = first; batch < end; batch++) gemm(lane, batch, 0, m);
    });
  } else {
    for (let batch = 0; batch < batches; batch++) ranges.forEach(([r0, r1], lane) => gemm(lane, batch, r0, r1 - r0));
  }
  runGemmJobs(context, lanes, work, epilogue);
}

/**
 * A product with one output row or one output column, as the vector kernels take it: the length
 * of the output vector, and the call computing its elements [start, end) for one batch (A, B and C
 * at the given addresses). Undefined when the operands' layout needs the GEMM.
 */
function skinnyProduct(
  m: number, n: number, k: number, aRow: number, aCol: number, bRow: number, bCol: number,
): { extent: number; call: (a: number, b: number, c: number, start: number, end: number) => KernelCall } | undefined {
  if (m === 1 && bCol === 1) {
    // a · B with B row-major: stream B's rows into the output row.
    return { extent: n, call: (a, b, c, start, end) => ({ name: 'vecmat_f32', args: [a, aCol, b + start * 4, bRow, c + start * 4, end - start, k, start] }) };
  }
  if (m === 1 && aCol === 1 && bRow === 1) {
    // a · Bᵀ: a dot product of a with each of Bᵀ's rows.
    return { extent: n, call: (a, b, c, start, end) => ({ name: 'dots_f32', args: [a, b + start * bCol * 4, bCol, c + start * 4, 1, end - start, k, 0, start] }) };
  }
  if (n === 1 && aCol === 1 && bRow === 1) {
    // A · b: a dot product of each of A's rows with b.
    return { extent: m, call: (a, b, c, start, end) => ({ name: 'dots_f32', args: [b, a + start * aRow * 4, aRow, c + start * 4, 1, end - start, k, 1, 0] }) };
  }
  return undefined;
}

export type ConvAttrs = AttrsOf<'conv2d'>;

interface Geometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly channels: number;
  readonly kernelHeight: number;
  readonly kernelWidth: number;
  readonly groups: number;
  readonly inPerGroup: number;
  readonly outChannels: number;
  readonly outPerGroup: number;
  readonly outHeight: number;
  readonly outWidth: number;
  /** The plan words conv-gather.ts reads. */
  readonly plan: number[];
}

/**
 * Output size and leading padding along one axis, by TensorFlow's rules ('same' puts the odd extra
 * cell at the end). Core's op definitions validated the attributes already.
 */
function axis(size: number, kernel: number, stride: number, dilation: number, padding: ConvAttrs['padding'], index: 0 | 1) {
  const span = (kernel - 1) * dilation + 1;
  if (padding === 'valid') return { out: size >= span ? Math.floor((size - span) / stride) + 1 : 0, before: 0 };
  if (padding === 'same') {
    const out = Math.ceil(size / stride);
    return { out, before: Math.floor(Math.max((out - 1) * stride + span - size, 0) / 2) };
  }
  const [before, after] = padding[index];
  const padded = size + before + after;
  return { out: padded >= span ? Math.floor((padded - span) / stride) + 1 : 0, before };
}

function geometry(xShape: Shape, filterShape: Shape, attrs: ConvAttrs): Geometry {
  const [batch, inHeight, inWidth, channels] = xShape;
  const [kernelHeight, kernelWidth, inPerGroup, outChannels] = filterShape;
  const [sh, sw] = attrs.strides;
  const [dh, dw] = attrs.dilations;
  const rows = axis(inHeight, kernelHeight, sh, dh, attrs.padding, 0);
  const cols = axis(inWidth, kernelWidth, sw, dw, attrs.padding, 1);
  const plan = [
    batch, inHeight, inWidth, channels, inPerGroup, kernelHeight, kernelWidth, sh, sw, dh, dw, rows.before, cols.before, rows.out, cols.out,
  ];
  return {
    batch, inHeight, inWidth, channels, kernelHeight, kernelWidth, groups: attrs.groups, inPerGroup, outChannels,
    outPerGroup: outChannels / attrs.groups, outHeight: rows.out, outWidth: cols.out, plan,
  };
}

/**
 * One input channel per group (depthwiseConv2d): too little depth for a GEMM to pay, so these run
 * direct loops vectorized across channels.
 */
function isDepthwise(g: Geometry): boolean {
  return g.inPerGroup === 1 && g.groups > 1;
}

/** Output pixels and im2col width of a geometry. */
function sizes(g: Geometry) {
  return { pixels: g.batch * g.outHeight * g.outWidth, depth: g.kernelHeight * g.kernelWidth * g.inPerGroup };
}

function conv2dKernel(context: WasmContext): Kernel<ConvAttrs> {
  return ([x, filter], attrs, [out]) => {
    const result = context.output(out);
    conv2dInto(context, x, filter, attrs, context.address(result), undefined);
    return [result];
  };
}

/** y = conv2d(x, filter) into `y`, by implicit GEMM per group, or the direct depthwise loop. */
function convForward(context: WasmContext, g: Geometry, x: number, filter: number, y: number, epilogue?: EpiloguePlan): void {
  const { pixels, depth } = sizes(g);
  const lanes = lanesOf(context);
  const plan = context.plan(g.plan);
  const count = laneCount(lanes, pixels * depth * g.outChannels, pixels);
  const ranges = splitRange(pixels, count, MR);
  const work: KernelCall[][] = ranges.map(() => []);
  if (isDepthwise(g)) {
    ranges.forEach(([p0, p1], lane) => {
      work[lane].push({ name: 'depthwise_f32', args: [x, filter, y, plan, p0, p1 - p0, g.outPerGroup] });
      if (epilogue !== undefined) {
        work[lane].push(epilogueCall(epilogue), { name: 'epilogue_f32', args: [y + p0 * g.outChannels * 4, g.outChannels, p1 - p0, g.outChannels, 0] });
      }
    });
  } else {
    for (let group = 0; group < g.groups; group++) {
      const column = group * g.outPerGroup;
      ranges.forEach(([p0, p1], lane) =>
        work[lane].push(epilogueCall(epilogue, column), {
          name: 'conv_gemm_f32',
          args: [
            x, plan, group * g.inPerGroup, filter + column * 4, g.outChannels, 1,
            y + (p0 * g.outChannels + column) * 4, g.outChannels, p0, p1 - p0, g.outPerGroup, depth, 0, lanes.workBuffer(lane),
          ],
        }),
      );
    }
  }
  runGemmJobs(context, lanes, work, epilogue);
}

/** conv2d into the block at `y`, with an optional epilogue. */
export function conv2dInto(
  context: WasmContext,
  x: KernelInput,
  filter: KernelInput,
  attrs: ConvAttrs,
  y: number,
  epilogue: EpiloguePlan | undefined,
): void {
  const g = geometry(x.shape, filter.shape, attrs);
  if (sizes(g).pixels * g.outChannels === 0) return;
  convForward(context, g, context.address(x), context.address(filter), y, epilogue);
}

/** Pixels per im2col chunk: as many as fit the chunk budget, a whole number of micro-kernel rows. */
function chunkPixels(pixels: number, depth: number): number {
  return Math.min(pixels, Math.max(MR, Math.floor(COLUMN_CHUNK_FLOATS / Math.max(depth, 1) / MR) * MR));
}

/**
 * dx = Σ over taps of dy · filterᵀ: per group and chunk of output pixels, a GEMM writes the im2col
 * rows of dx's gradient (dy[pixel, group] · filter[group]ᵀ) and col2im adds them where they came from.
 */
function conv2dBackpropInputKernel(context: WasmContext): Kernel<AttrsOf<'conv2dBackpropInput'>> {
  return ([dy, filter], attrs, [out]) => {
    const result = context.output(out);
    const total = sizeOf(out.shape);
    if (total === 0) return [result];
    const dx = context.address(result);
    context.call('fill_32', dx, 0, total);
    const g = geometry(attrs.inputShape, filter.shape, attrs);
    const { pixels, depth } = sizes(g);
    if (pixels === 0 || depth === 0 || g.outPerGroup === 0) return [result];
    const lanes = lanesOf(context);
    if (isDepthwise(g)) {
      // Direct loop; threads take whole images, whose input cells never overlap.
      const plan = context.plan(g.plan);
      const count = g.batch > 1 ? laneCount(lanes, pixels * depth * g.outChannels, g.batch * MR) : 1;
      const work = splitRange(g.batch, Math.min(count, g.batch), 1).map(([n0, n1]): KernelCall[] => [
        { name: 'depthwise_backprop_input_f32', args: [context.address(dy), context.address(filter), dx, plan, n0, n1 - n0, g.outPerGroup] },
      ]);
      lanes.run(work);
      return [result];
    }
    const chunk = chunkPixels(pixels, depth);
    const columns = context.scratch(chunk * depth * 4);
    try {
      const plan = context.plan(g.plan);
      const dyAddress = context.address(dy);
      const filterAddress = context.address(filter);
      for (let group = 0; group < g.groups; group++) {
        const column = group * g.outPerGroup;
        for (let first = 0; first < pixels; first += chunk) {
          const rows = Math.min(chunk, pixels - first);
          const count = laneCount(lanes, rows * depth * g.outPerGroup, rows);
          const work = splitRange(rows, count, MR).map(([r0, r1], lane): KernelCall[] => [
            epilogueCall(undefined),
            {
              name: 'gemm_f32',
              args: [
                dyAddress + ((first + r0) * g.outChannels + column) * 4, g.outChannels, 1,
                filterAddress + column * 4, 1, g.outChannels,
                columns + r0 * depth * 4, depth, 0, r1 - r0, depth, g.outPerGroup, 0, lanes.workBuffer(lane),
              ],
            },
          ]);
          lanes.run(work);
          context.call('col2im_add_f32', dx, plan, group * g.inPerGroup, first, rows, columns);
        }
      }
    } finally {
      context.release(columns);
    }
    return [result];
  };
}

/**
 * dW[group] = im2col(x, group)ᵀ · dy[group], accumulated over chunks of output pixels; the GEMM's
 * rows are filter rows (kh·kw·Cg), split between threads.
 */
function conv2dBackpropFilterKernel(context: WasmContext): Kernel<AttrsOf<'conv2dBackpropFilter'>> {
  return ([x, dy], attrs, [out]) => {
    const result = context.output(out);
    const total = sizeOf(out.shape);
    if (total === 0) return [result];
    const dw = context.address(result);
    const g = geometry(x.shape, attrs.filterShape, attrs);
    const { pixels, depth } = sizes(g);
    if (pixels === 0 || isDepthwise(g)) context.call('fill_32', dw, 0, total);
    if (pixels === 0) return [result];
    if (isDepthwise(g)) {
      context.call('depthwise_backprop_filter_f32', context.address(x), context.address(dy), dw, context.plan(g.plan), g.outPerGroup);
      return [result];
    }
    const lanes = lanesOf(context);
    const chunk = chunkPixels(pixels, depth);
    const columns = context.scratch(chunk * depth * 4);
    try {
      const plan = context.plan(g.plan);
      const xAddress = context.address(x);
      const dyAddress = context.address(dy);
      for (let group = 0; group < g.groups; group++) {
        const column = group * g.outPerGroup;
        for (let first = 0; first < pixels; first += chunk) {
          const rows = Math.min(chunk, pixels - first);
          context.call('im2col_f32', xAddress, plan, group * g.inPerGroup, first, rows, columns);
          const count = laneCount(lanes, rows * depth * g.outPerGroup, depth);
          const work = splitRange(depth, count, MR).map(([r0, r1], lane): KernelCall[] => [
            epilogueCall(undefined),
            {
              name: 'gemm_f32',
              args: [
                columns + r0 * 4, 1, depth,
                dyAddress + (first * g.outChannels + column) * 4, g.outChannels, 1,
                dw + (r0 * g.outChannels + column) * 4, g.outChannels, 0, r1 - r0, g.outPerGroup, rows, first > 0 ? 1 : 0,
                lanes.workBuffer(lane),
              ],
            },
          ]);
          lanes.run(work);
        }
      }
    } finally {
      context.release(columns);
    }
    return [result];
  };
}

/** matMul, conv2d and the conv2d backprops (depthwiseConv2d is conv2d with groups). */
export function contractionKernels(context: WasmContext): ContractionKernels {
  return {
    matMul: matMulKernel(context),
    conv2d: conv2dKernel(context),
    conv2dBackpropInput: conv2dBackpropInputKernel(context),
    conv2dBackpropFilter: conv2dBackpropFilterKernel(context),
  };
}
