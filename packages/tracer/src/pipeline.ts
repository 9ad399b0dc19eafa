import type { Graph } from '@tessera/core';
import * as passes from './passes/index.js';
import type { OptimizeOptions } from './passes/index.js';
import type { FreeSchedule } from './executor.js';

/** The optimized graph and, where the passes planned memory, when each buffer is released. */
export interface OptimizedGraph {
  readonly graph: Graph;
  /** After which node (by position) each owned buffer is released. */
  readonly schedule: FreeSchedule;
}

/** Runs the optimization passes a traced function asked for (all by default). */
export function optimizeGraph(graph: Graph, options: boolean | OptimizeOptions): OptimizedGraph {
  const optimized = options === false ? graph : passes.optimize(graph, options === true ? {} : options);
  const plan = passes.planMemory(optimized);
  const schedule = new Map<number, readonly number[]>();
  plan.releaseAfter.forEach((ids, position) => {
    if (ids.length > 0) schedule.set(position, ids);
  });
  return { graph: optimized, schedule };
}
