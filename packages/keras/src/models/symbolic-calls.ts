import type { CallArgs, LayerInputs, LayerOutputs } from '@tessera/layers';
import { Layer } from '@tessera/layers';
import type { KerasTensor } from './keras-tensor.js';
import { isSymbolic, symbolicApply } from './keras-tensor.js';

const installed = Symbol.for('tessera.keras.symbolicCalls');

/**
 * Lets `layer.apply(kerasTensor)` record a functional-API call. @tessera/layers has no hook for
 * symbolic inputs yet (see NOTES-FOR-LEAD.md), so this wraps `Layer.prototype.apply` once: calls
 * with a KerasTensor among the inputs go to `symbolicApply`; every other call is untouched.
 */
export function installSymbolicCalls(): void {
  const proto = Layer.prototype as unknown as Record<symbol, boolean> & { apply: (inputs: LayerInputs, args?: CallArgs) => LayerOutputs };
  if (proto[installed]) return;
  const concrete = proto.apply;
  proto.apply = function (this: Layer, inputs: LayerInputs, args: CallArgs = {}): LayerOutputs {
    if (isSymbolic(inputs)) return symbolicApply(this, inputs as unknown as KerasTensor | KerasTensor[], args) as unknown as LayerOutputs;
    return concrete.call(this, inputs, args);
  };
  proto[installed] = true;
}

declare module '@tessera/layers' {
  interface Layer {
    /** Functional API: calling a layer on symbolic tensors from `Input()` records the call and returns symbolic outputs. */
    apply(inputs: KerasTensor | readonly KerasTensor[], args?: CallArgs): KerasTensor | KerasTensor[];
  }
}
