// The module's exports: every kernel the JS side calls. Memory is owned by the JS allocator; these
// functions only read and write the addresses they are given.
export * from './generated/elementwise';
export * from './cast';

/** The end of the module's static data: the JS allocator starts above it. */
export function heapBase(): usize {
  return __heap_base;
}
export * from './reduce';
export * from './movement';
export * from './scan';
export * from './pool';
export * from './creation';
export * from './random';
export * from './gemm';
export * from './conv';
export * from './epilogue';
export * from './fused';
export * from './bench-gelu';
