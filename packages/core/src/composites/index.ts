// Composite ops: plain functions of primitives, so they trace, differentiate and fuse for free.
export * from './creation.js';
