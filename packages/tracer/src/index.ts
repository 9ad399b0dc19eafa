/**
 * @tessera/tracer: `trace(fn)` records a function into a graph, optimizes it (fusion, folding,
 * memory planning) and runs it, with TensorFlow's `tf.function` tracing semantics; `cond` and
 * `whileLoop` for data-dependent control flow.
 */
export { trace } from './traced-function.js';
export type { TensorSpec, TraceOptions, TracedFunction } from './traced-function.js';
export { ConcreteFunction, lowerVariables } from './concrete-function.js';
export type { InputSpec, LoweredGraph } from './concrete-function.js';
export { config } from './config.js';
export { evalShape } from './eval-shape.js';
export type { EvalShapeResult, ShapeSpec, SpecArgs } from './eval-shape.js';
export { cond, whileLoop } from './control-flow.js';
export type { WhileLoopOptions } from './control-flow.js';
export { GraphExecutor, lastUseSchedule } from './executor.js';
export { formatGraph, graphToDot } from './format.js';
export { optimize, planMemory } from './passes/index.js';
export type { MemoryPlan, OptimizeOptions } from './passes/index.js';
