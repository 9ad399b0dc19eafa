import type { KernelTable } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { elementwiseKernels } from './elementwise.js';

const pending = { unsupported: 'not yet implemented on webgpu' };

/** Every primitive's kernel: the table is typed over all of core's primitives. */
export function kernelTable(backend: WebGPUBackend): KernelTable {
  return {
    ...elementwiseKernels(backend),
    all: pending, any: pending, argMax: pending, argMin: pending, broadcastTo: pending, concat: pending, gather: pending,
    max: pending, min: pending, pad: pending, prod: pending, reshape: pending, reverse: pending, slice: pending,
    stridedSlice: pending, sum: pending, tile: pending, transpose: pending, unsortedSegmentSum: pending,
    avgPool: pending, avgPoolGrad: pending, conv2d: pending, conv2dBackpropFilter: pending, conv2dBackpropInput: pending,
    cumsum: pending, matMul: pending, maxPool: pending, maxPoolGrad: pending, oneHot: pending, random: pending, range: pending,
  };
}
