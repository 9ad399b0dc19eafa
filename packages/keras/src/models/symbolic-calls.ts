import type { CallArgs, LayerOutputs } from '@tessera/layers';
import { Layer } from '@tessera/layers';
import type { KerasTensor } from './keras-tensor.js';
import { isSymbolic, symbolicApply } from './keras-tensor.js';

let installed = false;

/**
 * Registers the functional API with @tessera/layers: `layer.apply(kerasTensor)` records a call
 * (`symbolicApply`) instead of computing; calls on real tensors are untouched.
 */
export function installSymbolicCalls(): void {
  if (installed) return;
  Layer.setSymbolicCallHandler((layer: Layer, inputs: unknown, args: CallArgs): LayerOutputs | undefined =>
    isSymbolic(inputs) ? (symbolicApply(layer, inputs as KerasTensor | KerasTensor[], args) as unknown as LayerOutputs) : undefined,
  );
  installed = true;
}

declare module '@tessera/layers' {
  interface Layer {
    /** Functional API: calling a layer on symbolic tensors from `Input()` records the call and returns symbolic outputs. */
    apply(inputs: KerasTensor | readonly KerasTensor[], args?: CallArgs): KerasTensor | KerasTensor[];
  }
}
