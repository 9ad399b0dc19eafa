import type { Backend, Graph, GraphNode } from '@tessera/core';
import { simplifyAlgebra } from './algebraic-simplification.js';
import { eliminateCommonSubexpressions } from './common-subexpressions.js';
import { foldConstants } from './constant-folding.js';
import { eliminateDeadCode } from './dead-code.js';
import { fuseElementwise } from './elementwise-fusion.js';
import { fuseEpilogues } from './epilogue-fusion.js';
import { isGraph } from './graph-tools.js';
import { fuseReductions } from './reduction-fusion.js';
import { verifyEffectsPreserved, verifyGraph } from './verify.js';

/**
 * Which passes `optimize` runs. Every pass can be switched off on its own (the property tests compare
 * each combination with eager execution); all are on by default except reduction fusion, which
 * only backends that execute `attrs.prologue` may ask for.
 */
export interface OptimizeOptions {
  /** Algebraic simplification (x·1, x+0, double transpose, reshape and cast chains). Default on. */
  readonly simplify?: boolean;
  /** Constant folding. Default on. */
  readonly constantFolding?: boolean;
  /** Largest folded result in elements. Default 1024. */
  readonly maxFoldElements?: number;
  /** The backend whose kernels fold constants; default the active backend. */
  readonly foldBackend?: Backend;
  /** Common-subexpression elimination. Default on. */
  readonly commonSubexpressions?: boolean;
  /** Dead-code elimination. Default on. */
  readonly deadCode?: boolean;
  /** Elementwise fusion into `fused` regions. Default on. */
  readonly elementwiseFusion?: boolean;
  /** Most distinct inputs of one fused region or epilogue-fused contraction: the backend's argument limit. Default 8. */
  readonly maxFusedInputs?: number;
  /** Most outputs of one fused region. Default unlimited. */
  readonly maxFusedOutputs?: number;
  /** Epilogue fusion into matMul/conv2d (`attrs.epilogue`). Default on. */
  readonly epilogueFusion?: boolean;
  /** Reduction fusion (`attrs.prologue` on sum/max/min/prod), for backends that support it. Default off. */
  readonly reductionFusion?: boolean;
  /** Optimize the branch and loop subgraphs of `cond`/`while` too. Default on. */
  readonly subgraphs?: boolean;
  /** Check the graph's invariants and effect order after every pass (tests, debugging). Default off. */
  readonly verify?: boolean;
}

/** Rounds of simplify → fold → CSE → DCE at most; each round exposes work for the next (a folded constant becomes an identity). */
const MAX_CLEANUP_ROUNDS = 4;

/**
 * The graph optimizer: algebraic simplification, constant folding, CSE and DCE until nothing
 * changes, then elementwise fusion, epilogue fusion, reduction fusion and a final DCE. Pure: the
 * input graph is not modified.
 */
export function optimize(graph: Graph, options: OptimizeOptions = {}): Graph {
  const on = (flag: boolean | undefined, fallback = true): boolean => flag ?? fallback;
  const apply = (current: Graph, pass: (g: Graph) => Graph): Graph => {
    const next = pass(current);
    if (options.verify === true && next !== current) {
      verifyGraph(next);
      verifyEffectsPreserved(current, next);
    }
    return next;
  };
  if (options.verify === true) verifyGraph(graph);
  let result = on(options.subgraphs) ? optimizeSubgraphs(graph, options) : graph;
  for (let round = 0; round < MAX_CLEANUP_ROUNDS; round++) {
    const start = result;
    if (on(options.simplify)) result = apply(result, simplifyAlgebra);
    if (on(options.constantFolding)) {
      result = apply(result, (g) => foldConstants(g, { maxElements: options.maxFoldElements, backend: options.foldBackend }));
    }
    if (on(options.commonSubexpressions)) result = apply(result, eliminateCommonSubexpressions);
    if (on(options.deadCode)) result = apply(result, eliminateDeadCode);
    if (result === start) break;
  }
  const limits = { maxFusedInputs: options.maxFusedInputs, maxFusedOutputs: options.maxFusedOutputs };
  if (on(options.elementwiseFusion)) result = apply(result, (g) => fuseElementwise(g, limits));
  if (on(options.epilogueFusion)) result = apply(result, (g) => fuseEpilogues(g, limits));
  if (on(options.reductionFusion, false)) result = apply(result, fuseReductions);
  if (on(options.deadCode)) result = apply(result, eliminateDeadCode);
  return result;
}

/** Optimizes every subgraph held in a control-flow node's attributes, keeping their inputs and outputs. */
function optimizeSubgraphs(graph: Graph, options: OptimizeOptions): Graph {
  let changed = false;
  const nodes = graph.nodes.map((node): GraphNode => {
    let attrs: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(node.attrs)) {
      const optimized = isGraph(value) ? optimize(value, options) : Array.isArray(value) && value.some(isGraph) ? value.map((v) => (isGraph(v) ? optimize(v, options) : v)) : value;
      const same = Array.isArray(value) && Array.isArray(optimized) ? value.every((v, i) => v === optimized[i]) : optimized === value;
      if (!same) {
        attrs ??= { ...node.attrs };
        attrs[key] = optimized;
      }
    }
    if (attrs === undefined) return node;
    changed = true;
    return { ...node, attrs };
  });
  return changed ? { ...graph, nodes } : graph;
}

export { simplifyAlgebra } from './algebraic-simplification.js';
export { eliminateCommonSubexpressions } from './common-subexpressions.js';
export { foldConstants } from './constant-folding.js';
export type { ConstantFoldingOptions } from './constant-folding.js';
export { eliminateDeadCode } from './dead-code.js';
export { fuseElementwise } from './elementwise-fusion.js';
export type { ElementwiseFusionOptions } from './elementwise-fusion.js';
export { fuseEpilogues } from './epilogue-fusion.js';
export type { EpilogueFusionOptions } from './epilogue-fusion.js';
export { planMemory } from './memory-plan.js';
export type { InPlaceUse, MemoryPlan, ValueLiveness } from './memory-plan.js';
export { fuseReductions } from './reduction-fusion.js';
export { GraphVerificationError, verifyEffectsPreserved, verifyGraph } from './verify.js';
