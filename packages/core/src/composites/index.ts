// Composite ops: plain functions of primitives, so they trace, differentiate and fuse for free.
export * from './creation.js';
export * from './shape.js';
export * from './nn.js';
export * from './math.js';
export * from './random.js';
export * from './conv.js';
export * from './sequence.js';
