import { fusedGeluModule } from '../wasm/kernels.js';
import type { InputSet, Workload } from '../workloads.js';
import { requireShape, type Instance } from './types.js';

/** The hand-fused gelu baseline: the bench's own single SIMD pass over wasm memory. */
export async function create(_variant: string, workload: Workload, inputs: InputSet): Promise<Instance> {
  if (workload.name !== 'gelu-chain') throw new Error(`hand-fused contender: only gelu-chain, not ${workload.name}`);
  const x = requireShape(inputs, 'x').data;
  const a = requireShape(inputs, 'a').data[0];
  const b = requireShape(inputs, 'b').data[0];
  const bytes = x.byteLength;
  const pages = Math.ceil((2 * bytes + 64) / 65536);
  const { instance } = await WebAssembly.instantiate(fusedGeluModule(pages));
  const memory = instance.exports.memory as WebAssembly.Memory;
  const gelu = instance.exports.gelu as (i: number, o: number, n: number, a: number, b: number) => void;
  // Inputs live in wasm memory already, as they would in any backend's tensor store.
  new Float32Array(memory.buffer, 0, x.length).set(x);
  return {
    run() {
      gelu(0, bytes, x.length, a, b);
      return new Float32Array(memory.buffer, bytes, x.length);
    },
  };
}
