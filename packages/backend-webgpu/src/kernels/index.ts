import type { KernelTable } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { elementwiseKernels } from './elementwise.js';
import { movementKernels } from './movement.js';
import { reductionKernels } from './reduction.js';

const pending = { unsupported: 'not yet implemented on webgpu' };

/** Every primitive's kernel: the table is typed over all of core's primitives. */
export function kernelTable(backend: WebGPUBackend): KernelTable {
  return {
    ...elementwiseKernels(backend),
    ...reductionKernels(backend),
    ...movementKernels(backend),
    avgPool: pending, avgPoolGrad: pending, conv2d: pending, conv2dBackpropFilter: pending, conv2dBackpropInput: pending,
    cumsum: pending, matMul: pending, maxPool: pending, maxPoolGrad: pending, oneHot: pending, random: pending, range: pending,
  };
}
