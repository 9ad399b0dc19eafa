import type { Graph, Tensor } from '@tessera/core';
import { dispose, tidy } from '@tessera/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { trace } from '../../src/index.js';
import { simplifyAlgebra } from '../../src/passes/algebraic-simplification.js';
import { eliminateCommonSubexpressions } from '../../src/passes/common-subexpressions.js';
import { foldConstants } from '../../src/passes/constant-folding.js';
import { eliminateDeadCode } from '../../src/passes/dead-code.js';
import { fuseElementwise } from '../../src/passes/elementwise-fusion.js';
import { fuseEpilogues } from '../../src/passes/epilogue-fusion.js';
import { optimize } from '../../src/passes/index.js';
import { planMemory } from '../../src/passes/memory-plan.js';
import { fuseReductions } from '../../src/passes/reduction-fusion.js';
import { verifyEffectsPreserved, verifyGraph } from '../../src/passes/verify.js';
import type { Program } from '../random-programs.js';
import { assertClose, programArbitrary, programInputs, runProgram } from '../random-programs.js';
import { evaluateGraph, useReferenceBackend } from './evaluate.js';
import { describeGraph } from './graph-builder.js';
import { expectPlanSound } from './plan-check.js';

beforeAll(useReferenceBackend);

const NUM_RUNS = 1000;

const PASSES: readonly [string, (graph: Graph) => Graph][] = [
  ['simplifyAlgebra', simplifyAlgebra],
  ['foldConstants', (g) => foldConstants(g)],
  ['eliminateCommonSubexpressions', eliminateCommonSubexpressions],
  ['eliminateDeadCode', eliminateDeadCode],
  ['fuseElementwise', (g) => fuseElementwise(g)],
  ['fuseElementwise (3 inputs)', (g) => fuseElementwise(g, { maxFusedInputs: 3 })],
  ['fuseEpilogues', fuseEpilogues],
  ['fuseReductions', fuseReductions],
  ['optimize', (g) => optimize(g, { reductionFusion: true })],
];

/**
 * The tracer's own random programs (test/random-programs.ts: elementwise chains, broadcasts,
 * reductions, matMuls, movement ops, cond), traced without optimization; then each pass alone
 * must give a graph that verifies, keeps the effects, plans memory soundly and computes what the
 * traced graph computes, which itself must match the program run eagerly.
 */
describe('each pass alone preserves the results of traced random programs', () => {
  it(`holds for ${NUM_RUNS} programs`, () => {
    const changed = new Map<string, number>(PASSES.map(([name]) => [name, 0]));
    const check = (program: Program): void => {
      const inputs = programInputs(program);
      try {
        const expected = tidy(() => runProgram(program, inputs).map((t) => t.dataSync()));
        const f = trace((...xs: Tensor[]) => runProgram(program, xs), { optimize: false });
        const graph = f.graphFor(...inputs).tracedGraph;
        const data = inputs.map((t) => t.dataSync());
        verifyGraph(graph);
        const reference = evaluateGraph(graph, data).outputs;
        reference.forEach((values, k) => assertClose(`traced graph, output ${k}`, values, expected[k]));
        for (const [name, pass] of PASSES) {
          const after = pass(graph);
          if (after !== graph) changed.set(name, changed.get(name)! + 1);
          try {
            verifyGraph(after);
            verifyEffectsPreserved(graph, after);
            expectPlanSound(after, planMemory(after));
            evaluateGraph(after, data).outputs.forEach((values, k) => assertClose(`output ${k}`, values, reference[k]));
          } catch (error) {
            throw new Error(`${name}: ${(error as Error).message}\nbefore:\n${describeGraph(graph).join('\n')}\nafter:\n${describeGraph(after).join('\n')}`);
          }
        }
      } finally {
        dispose(inputs);
      }
    };
    fc.assert(
      fc.property(programArbitrary, (program) => check(program)),
      { numRuns: NUM_RUNS, seed: Number(process.env.TESSERA_PROPERTY_SEED ?? 20261123) },
    );
    // The property says something only where passes act: most programs fuse; some take epilogues.
    expect(changed.get('optimize')).toBeGreaterThan(NUM_RUNS / 2);
    expect(changed.get('fuseElementwise')).toBeGreaterThan(NUM_RUNS / 2);
    expect(changed.get('eliminateCommonSubexpressions')).toBeGreaterThan(NUM_RUNS / 20);
    expect(changed.get('simplifyAlgebra')).toBeGreaterThan(NUM_RUNS / 20);
    expect(changed.get('fuseEpilogues')).toBeGreaterThan(0);
    expect(changed.get('fuseReductions')).toBeGreaterThan(0);
  }, 300_000);
});
