// Setup shared by the wasm backend's tests.
import type { Tensor } from '@tessera/core';
import { tensor } from '@tessera/core';
import type { WasmContext } from '../src/context.js';
import type { WasmBackend } from '../src/index.js';

/** A float32 tensor of values uniform in [-scale, scale), drawn from `random`. */
export function uniformTensor(random: () => number, shape: number[], scale = 1): Tensor {
  const values = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < values.length; i++) values[i] = (random() * 2 - 1) * scale;
  return tensor(values, shape);
}

/** The kernels' view of the backend (its context is private). */
export function contextOf(backend: WasmBackend): WasmContext {
  return (backend as unknown as { context: WasmContext }).context;
}
