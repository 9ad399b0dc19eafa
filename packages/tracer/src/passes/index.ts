import type { Graph } from '@tessera/core';
import { eliminateDeadCode } from './dead-code.js';

/**
 * The graph optimizer: a pipeline of pure passes `Graph → Graph`, one per file. Each can be
 * switched off (the property tests compare every combination against eager execution).
 */
export interface OptimizeOptions {
  /** Dead-code elimination (default on). */
  readonly deadCode?: boolean;
}

/** Runs the enabled passes in order and returns the optimized graph; the input graph is not modified. */
export function optimize(graph: Graph, options: OptimizeOptions = {}): Graph {
  let result = graph;
  if (options.deadCode !== false) result = eliminateDeadCode(result);
  return result;
}

export { eliminateDeadCode } from './dead-code.js';
export { GraphVerificationError, verifyEffectsPreserved, verifyGraph } from './verify.js';
