import type { KernelTable } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import { contractionKernels } from './contraction.js';
import { elementwiseKernels } from './elementwise.js';
import { miscKernels } from './misc.js';
import { movementKernels } from './movement.js';
import { reductionKernels } from './reduction.js';

/** Every primitive's kernel: the table is typed over all of core's primitives. */
export function kernelTable(backend: WebGPUBackend): KernelTable {
  return {
    ...elementwiseKernels(backend),
    ...reductionKernels(backend),
    ...movementKernels(backend),
    ...contractionKernels(backend),
    ...miscKernels(backend),
  };
}
