import { setBackend } from '@tessera/core';
import '../src/index.js';

// The tracer's invariant, trace(f)(x) equals f(x) for 1,000 random programs (elementwise chains,
// broadcasts, reductions, matmuls, movement ops, cond) and 250 symbolic-batch programs, on this
// backend: fused regions and epilogues run through its kernels. The suite lives with the tracer's
// tests and is loaded from there by path: a test-only export of the tracer would be public API, and
// the tracer cannot depend on this package, which depends on the tracer for its tests. It runs the
// tracer from its sources, so `trace` and `cond` there are one module.
type DescribeInvariant = (backend: string, select: () => Promise<unknown>) => void;
const suite = new URL('../../tracer/test/invariant-suite.ts', import.meta.url).href;
const { describeInvariant } = (await import(/* @vite-ignore */ suite)) as { describeInvariant: DescribeInvariant };

describeInvariant('wasm', () => setBackend('wasm'));
