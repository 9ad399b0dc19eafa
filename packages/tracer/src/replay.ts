import type { Graph, Tensor } from '@tessera/core';
import { Variable, drawSeed, engine, getPrimitive, reshape, tensor } from '@tessera/core';
import type { TypedArray } from '@tessera/core';
import { cond, whileLoop } from './control-flow.js';
import { concreteAttrs } from './shapes.js';

/**
 * Runs a traced (unoptimized) graph through the engine, op by op, instead of on the executor: an
 * enclosing trace records its ops (a nested traced function inlines) and a recording gradient tape
 * sees every primitive (gradients flow through a traced call).
 */
export function replayGraph(graph: Graph, inputs: readonly Tensor[]): Tensor[] {
  return engine.tidy(() => {
    const env = new Map<number, Tensor>();
    graph.inputs.forEach((id, i) => env.set(id, inputs[i]));
    const get = (id: number): Tensor => env.get(id)!;
    for (const node of graph.nodes) {
      switch (node.op) {
        case 'constant': {
          const value = graph.values.get(node.outputs[0])!;
          env.set(node.outputs[0], tensor(node.attrs.value as TypedArray, value.shape as number[], value.dtype));
          break;
        }
        case 'readVariable':
          env.set(node.outputs[0], node.attrs.variable as Variable);
          break;
        case 'assignVariable':
          (node.attrs.variable as Variable).assign(get(node.inputs[0]));
          break;
        case 'cond': {
          const captures = node.inputs.slice(1).map(get);
          const results = cond(
            get(node.inputs[0]),
            () => replayGraph(node.attrs.thenBranch as Graph, captures),
            () => replayGraph(node.attrs.elseBranch as Graph, captures),
          );
          node.outputs.forEach((id, i) => env.set(id, results[i]));
          break;
        }
        case 'while': {
          const numLoopVars = node.attrs.numLoopVars as number;
          const captures = node.inputs.slice(numLoopVars).map(get);
          const results = whileLoop(
            (...vars: Tensor[]) => replayGraph(node.attrs.condition as Graph, [...vars, ...captures])[0],
            (...vars: Tensor[]) => replayGraph(node.attrs.body as Graph, [...vars, ...captures]),
            node.inputs.slice(0, numLoopVars).map(get),
            { maximumIterations: node.attrs.maximumIterations as number | undefined },
          );
          node.outputs.forEach((id, i) => env.set(id, results[i]));
          break;
        }
        default: {
          const op = getPrimitive(node.op);
          if (op === undefined) throw new Error(`replay: '${node.op}' is not a primitive (node ${node.id})`);
          const inputs = node.inputs.map(get);
          const attrs = node.op === 'random' && node.attrs.stateful === true ? { ...node.attrs, seed: drawSeed() } : concreteAttrs(node, inputs);
          const results = engine.run(op, inputs, attrs);
          node.outputs.forEach((id, i) => env.set(id, results[i]));
        }
      }
    }
    // A variable or an input handed back as an output becomes a fresh tensor the caller may dispose.
    const given = new Set(inputs);
    return graph.outputs.map((id) => {
      const t = get(id);
      return t instanceof Variable || given.has(t) ? reshape(t, t.shape) : t;
    });
  });
}
