// The public op functions. Primitives come from the group files; composites from composites/.
export * from './groups/elementwise.js';
export * from './groups/reduction-movement.js';
export * from './groups/contraction-misc.js';
export * from '../composites/index.js';
export { op, scalar, tensor, toTensor, variable } from './convert.js';
export type { VariableOptions } from './convert.js';
