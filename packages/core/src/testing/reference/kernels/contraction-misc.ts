import { contractionMiscPrimitives } from '../../../ops/groups/contraction-misc.js';
import type { KernelsFor, ReferenceStore } from '../store.js';

export function contractionMiscKernels(_store: ReferenceStore): KernelsFor<typeof contractionMiscPrimitives> {
  return {};
}
