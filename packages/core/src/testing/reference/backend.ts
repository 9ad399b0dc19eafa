import type { Backend, BackendMemory, DataId, KernelTable } from '../../backend.js';
import type { DType, TypedArray } from '../../dtype.js';
import { engine } from '../../engine/engine.js';
import type { Shape } from '../../shape.js';
import { contractionMiscKernels } from './kernels/contraction-misc.js';
import { elementwiseKernels } from './kernels/elementwise.js';
import { reductionMovementKernels } from './kernels/reduction-movement.js';
import { ReferenceStore } from './store.js';

/**
 * The test oracle: every primitive as plain loops over typed arrays, computed in doubles and rounded
 * per op. Obviously correct and slow; the conformance suite's expected values come from it. Not a
 * backend for users.
 */
export class ReferenceBackend implements Backend {
  readonly name = 'reference';
  private readonly store = new ReferenceStore();
  readonly kernels: KernelTable = {
    ...elementwiseKernels(this.store),
    ...reductionMovementKernels(this.store),
    ...contractionMiscKernels(this.store),
  };

  write(values: TypedArray, _shape: Shape, _dtype: DType): DataId {
    return this.store.create(values.slice());
  }

  share(id: DataId): DataId {
    return this.store.share(id);
  }

  async read(id: DataId): Promise<TypedArray> {
    return this.readSync(id);
  }

  readSync(id: DataId): TypedArray {
    return this.store.values(id).slice();
  }

  free(id: DataId): void {
    this.store.free(id);
  }

  memory(): BackendMemory {
    return { numBytes: this.store.numBytes, numDataBuffers: this.store.numDataBuffers };
  }
}

/**
 * Registers the reference backend under the name `reference` (lowest priority, so any real
 * backend stays the default) and returns its name, for core's own tests and demos.
 */
export function registerReferenceBackend(priority = -100): string {
  if (!engine.backendNames().includes('reference')) {
    engine.registerBackend('reference', () => new ReferenceBackend(), priority);
  }
  return 'reference';
}
