import type { Tensor } from '@tessera/core';
import { ArgumentError } from '@tessera/core';
import type { CallArgs, Layer, LayerOutputs } from '@tessera/layers';
import { InputLayer } from '@tessera/layers';
import { KerasTensor, LayerCall } from './keras-tensor.js';

/**
 * The layer-call graph between a functional model's inputs and outputs: the calls in an order
 * where each comes after the calls that feed it, and the layers in first-use order (shared layers
 * once). Running it calls each layer on real tensors.
 */
export class FunctionalGraph {
  readonly calls: LayerCall[];
  readonly layers: Layer[];
  constructor(
    owner: string,
    readonly inputs: readonly KerasTensor[],
    readonly outputs: readonly KerasTensor[],
  ) {
    inputs.forEach((t, i) => {
      if (!(t instanceof KerasTensor) || !(t.producer.layer instanceof InputLayer)) {
        throw new ArgumentError(`${owner}: inputs[${i}] must come from Input(), got ${t instanceof KerasTensor ? `the output of '${t.producer.layer.name}'` : typeof t}`);
      }
    });
    outputs.forEach((t, i) => {
      if (!(t instanceof KerasTensor)) throw new ArgumentError(`${owner}: outputs[${i}] must be a symbolic tensor from a layer call, got ${typeof t}`);
    });
    const order: LayerCall[] = [];
    const state = new Map<LayerCall, 'visiting' | 'done'>();
    const inputCalls = new Set(inputs.map((t) => t.producer));
    const visit = (call: LayerCall): void => {
      if (state.get(call) === 'done') return;
      if (inputCalls.has(call)) {
        state.set(call, 'done');
        return;
      }
      if (call.layer instanceof InputLayer) {
        throw new ArgumentError(`${owner}: the outputs depend on Input '${call.layer.name}', which is not in the model's inputs`);
      }
      state.set(call, 'visiting');
      for (const t of call.inputList) visit(t.producer);
      state.set(call, 'done');
      order.push(call);
    };
    for (const t of outputs) visit(t.producer);
    this.calls = order;
    const layers: Layer[] = inputs.map((t) => t.producer.layer);
    for (const c of order) if (!layers.includes(c.layer)) layers.push(c.layer);
    this.layers = layers;
  }

  /** Runs the graph on real inputs (one per model input). */
  run(inputs: readonly Tensor[], args: CallArgs): Tensor[] {
    const values = new Map<KerasTensor, Tensor>();
    this.inputs.forEach((t, i) => values.set(t, inputs[i]));
    for (const call of this.calls) {
      const ins = call.inputList.map((t) => values.get(t)!);
      const out: LayerOutputs = call.layer.apply(Array.isArray(call.inputs) ? ins : ins[0], { ...call.args, training: args.training ?? (call.args.training as boolean | undefined) });
      const outs = Array.isArray(out) ? out : [out];
      call.outputs.forEach((t, i) => values.set(t, outs[i]));
    }
    return this.outputs.map((t) => values.get(t)!);
  }
}
