import type { KernelInput } from '../../../backend.js';
import type { ConvAttrs, ConvGeometry, WindowGeometry } from '../../../ops/conv-geometry.js';
import { convGeometry, poolGeometry } from '../../../ops/conv-geometry.js';
import { contractionMiscPrimitives } from '../../../ops/groups/contraction-misc.js';
import type { TensorInfo } from '../../../ops/op.js';
import { randomSample } from '../../../random/philox.js';
import type { Shape } from '../../../shape.js';
import { sizeOf } from '../../../shape.js';
import type { KernelsFor, ReferenceStore } from '../store.js';
import { broadcastIndexMap, coerceFor, output, ravel, unravel } from '../store.js';

/**
 * Calls `visit(xIndex, filterIndex, yIndex)` for every multiply-add of a convolution: each output
 * cell, each filter tap, each input channel of its group, skipping taps that land in the padding.
 * conv2d and both of its backprops are this one loop with a different accumulation.
 */
function forEachConvTap(
  g: ConvGeometry,
  xShape: Shape,
  filterShape: Shape,
  visit: (xIndex: number, filterIndex: number, yIndex: number) => void,
): void {
  const yShape = [g.batch, g.outHeight, g.outWidth, g.outChannels];
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let o = 0; o < g.outChannels; o++) {
          const group = Math.floor(o / g.outChannelsPerGroup);
          const yIndex = ravel([n, oy, ox, o], yShape);
          for (let i = 0; i < g.kernelHeight; i++) {
            const iy = oy * g.strideHeight - g.padTop + i * g.dilationHeight;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let j = 0; j < g.kernelWidth; j++) {
              const ix = ox * g.strideWidth - g.padLeft + j * g.dilationWidth;
              if (ix < 0 || ix >= g.inWidth) continue;
              for (let ci = 0; ci < g.inChannelsPerGroup; ci++) {
                const c = group * g.inChannelsPerGroup + ci;
                visit(ravel([n, iy, ix, c], xShape), ravel([i, j, ci, o], filterShape), yIndex);
              }
            }
          }
        }
      }
    }
  }
}

/**
 * Calls `visit(xIndex, yIndex, windowIndex)` for every input cell inside each pooling window (padding
 * excluded), windows in row-major order and cells in row-major order within a window.
 */
function forEachPoolCell(g: WindowGeometry, visit: (xIndex: number, yIndex: number) => void): void {
  const xShape = [g.batch, g.inHeight, g.inWidth, g.channels];
  const yShape = [g.batch, g.outHeight, g.outWidth, g.channels];
  for (let n = 0; n < g.batch; n++) {
    for (let oy = 0; oy < g.outHeight; oy++) {
      for (let ox = 0; ox < g.outWidth; ox++) {
        for (let c = 0; c < g.channels; c++) {
          const yIndex = ravel([n, oy, ox, c], yShape);
          for (let i = 0; i < g.kernelHeight; i++) {
            const iy = oy * g.strideHeight - g.padTop + i;
            if (iy < 0 || iy >= g.inHeight) continue;
            for (let j = 0; j < g.kernelWidth; j++) {
              const ix = ox * g.strideWidth - g.padLeft + j;
              if (ix < 0 || ix >= g.inWidth) continue;
              visit(ravel([n, iy, ix, c], xShape), yIndex);
            }
          }
        }
      }
    }
  }
}

/** For each pooling window, the number of real (non-padded) cells it covers. */
function poolCounts(g: WindowGeometry): Float64Array {
  const counts = new Float64Array(g.batch * g.outHeight * g.outWidth * g.channels);
  forEachPoolCell(g, (_x, y) => counts[y]++);
  return counts;
}

/** Rounds a double accumulator to the output dtype and stores it. */
function finish(store: ReferenceStore, out: TensorInfo, acc: ArrayLike<number>) {
  const result = output(out.dtype, out.shape);
  const coerce = coerceFor(out.dtype);
  for (let i = 0; i < result.length; i++) result[i] = coerce(acc[i]);
  return store.create(result);
}

/** Batched matrix product: each output cell is a dot product of a row of A and a column of B. */
function matMulKernel(store: ReferenceStore, [a, b]: readonly KernelInput[], transposeA: boolean, transposeB: boolean, out: TensorInfo) {
  const av = store.values(a.id);
  const bv = store.values(b.id);
  const rank = out.shape.length;
  const [m, n] = [out.shape[rank - 2], out.shape[rank - 1]];
  const k = transposeA ? a.shape[a.shape.length - 2] : a.shape[a.shape.length - 1];
  const batchShape = out.shape.slice(0, -2);
  const batches = sizeOf(batchShape);
  // Map each output batch to the batch of A and B it broadcasts from, via their batch shapes alone.
  const aBatch = broadcastIndexMap(a.shape.slice(0, -2), batchShape);
  const bBatch = broadcastIndexMap(b.shape.slice(0, -2), batchShape);
  const aMatrix = a.shape[a.shape.length - 2] * a.shape[a.shape.length - 1];
  const bMatrix = b.shape[b.shape.length - 2] * b.shape[b.shape.length - 1];
  const isInt = out.dtype === 'int32';
  const acc = new Float64Array(batches * m * n);
  for (let batch = 0; batch < batches; batch++) {
    const aBase = aBatch[batch] * aMatrix;
    const bBase = bBatch[batch] * bMatrix;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let p = 0; p < k; p++) {
          const x = av[aBase + (transposeA ? p * m + i : i * k + p)];
          const y = bv[bBase + (transposeB ? j * k + p : p * n + j)];
          // int32 products and sums wrap like the hardware's; Math.imul keeps them exact.
          sum = isInt ? (sum + Math.imul(x, y)) | 0 : sum + x * y;
        }
        acc[(batch * m + i) * n + j] = sum;
      }
    }
  }
  return finish(store, out, acc);
}

export function contractionMiscKernels(store: ReferenceStore): KernelsFor<typeof contractionMiscPrimitives> {
  return {
    matMul: (inputs, { transposeA, transposeB }, [out]) => [matMulKernel(store, inputs, transposeA, transposeB, out)],

    conv2d: ([x, filter], attrs, [out]) => {
      const xv = store.values(x.id);
      const fv = store.values(filter.id);
      const acc = new Float64Array(sizeOf(out.shape));
      const g = convGeometry('conv2d', x.shape, filter.shape, attrs);
      forEachConvTap(g, x.shape, filter.shape, (xi, fi, yi) => (acc[yi] += xv[xi] * fv[fi]));
      return [finish(store, out, acc)];
    },

    conv2dBackpropInput: ([dy, filter], attrs, [out]) => {
      const dyv = store.values(dy.id);
      const fv = store.values(filter.id);
      const acc = new Float64Array(sizeOf(out.shape));
      const g = convGeometry('conv2dBackpropInput', attrs.inputShape, filter.shape, attrs as ConvAttrs);
      forEachConvTap(g, attrs.inputShape, filter.shape, (xi, fi, yi) => (acc[xi] += dyv[yi] * fv[fi]));
      return [finish(store, out, acc)];
    },

    conv2dBackpropFilter: ([x, dy], attrs, [out]) => {
      const xv = store.values(x.id);
      const dyv = store.values(dy.id);
      const acc = new Float64Array(sizeOf(out.shape));
      const g = convGeometry('conv2dBackpropFilter', x.shape, attrs.filterShape, attrs as ConvAttrs);
      forEachConvTap(g, x.shape, attrs.filterShape, (xi, fi, yi) => (acc[fi] += xv[xi] * dyv[yi]));
      return [finish(store, out, acc)];
    },

    maxPool: ([x], attrs, [out]) => {
      const xv = store.values(x.id);
      const acc = new Float64Array(sizeOf(out.shape)).fill(-Infinity);
      forEachPoolCell(poolGeometry('maxPool', x.shape, attrs), (xi, yi) => {
        // NaN wins, as in TensorFlow's max pooling.
        if (xv[xi] > acc[yi] || Number.isNaN(xv[xi])) acc[yi] = xv[xi];
      });
      return [finish(store, out, acc)];
    },

    maxPoolGrad: ([dy, x], attrs, [out]) => {
      const xv = store.values(x.id);
      const dyv = store.values(dy.id);
      const g = poolGeometry('maxPoolGrad', x.shape, attrs);
      const best = new Float64Array(dyv.length).fill(-Infinity);
      const winner = new Int32Array(dyv.length).fill(-1);
      // Strictly greater keeps the first maximum of each window, which is where TensorFlow routes it.
      forEachPoolCell(g, (xi, yi) => {
        if (winner[yi] === -1 || xv[xi] > best[yi]) {
          best[yi] = xv[xi];
          winner[yi] = xi;
        }
      });
      const acc = new Float64Array(sizeOf(out.shape));
      winner.forEach((xi, yi) => {
        if (xi >= 0) acc[xi] += dyv[yi];
      });
      return [finish(store, out, acc)];
    },

    avgPool: ([x], attrs, [out]) => {
      const xv = store.values(x.id);
      const g = poolGeometry('avgPool', x.shape, attrs);
      const acc = new Float64Array(sizeOf(out.shape));
      forEachPoolCell(g, (xi, yi) => (acc[yi] += xv[xi]));
      const counts = poolCounts(g);
      for (let i = 0; i < acc.length; i++) acc[i] /= counts[i];
      return [finish(store, out, acc)];
    },

    avgPoolGrad: ([dy], attrs, [out]) => {
      const dyv = store.values(dy.id);
      const g = poolGeometry('avgPoolGrad', attrs.inputShape, attrs);
      const counts = poolCounts(g);
      const acc = new Float64Array(sizeOf(out.shape));
      forEachPoolCell(g, (xi, yi) => (acc[xi] += dyv[yi] / counts[yi]));
      return [finish(store, out, acc)];
    },

    oneHot: ([indices], { depth, onValue, offValue }, [out]) => {
      const iv = store.values(indices.id);
      const acc = new Float64Array(sizeOf(out.shape)).fill(offValue);
      for (let i = 0; i < iv.length; i++) {
        if (iv[i] >= 0 && iv[i] < depth) acc[i * depth + iv[i]] = onValue;
      }
      return [finish(store, out, acc)];
    },

    cumsum: ([x], { axis, exclusive, reverse }, [out]) => {
      const xv = store.values(x.id);
      const acc = new Float64Array(xv.length);
      const length = x.shape[axis];
      const isInt = out.dtype === 'int32';
      for (let flat = 0; flat < xv.length; flat++) {
        const index = unravel(flat, x.shape);
        // Sum the elements of this line that come before (after, reversed) this one.
        let sum = 0;
        for (let k = 0; k < length; k++) {
          const before = reverse ? k > index[axis] : k < index[axis];
          if (before || (!exclusive && k === index[axis])) {
            index.splice(axis, 1, k);
            const v = xv[ravel(index, x.shape)];
            sum = isInt ? (sum + v) | 0 : sum + v;
            index.splice(axis, 1, unravel(flat, x.shape)[axis]);
          }
        }
        acc[flat] = sum;
      }
      return [finish(store, out, acc)];
    },

    range: (_inputs, { start, step }, [out]) => {
      const acc = Float64Array.from({ length: out.shape[0] }, (_, i) => start + i * step);
      return [finish(store, out, acc)];
    },

    random: (_inputs, { distribution, seed }, [out]) => {
      const block = new Uint32Array(4);
      const acc = Float64Array.from({ length: sizeOf(out.shape) }, (_, i) => randomSample(distribution, seed, i, block));
      return [finish(store, out, acc)];
    },
  };
}
