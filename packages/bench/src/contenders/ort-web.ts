import { onnxWorkload } from '../onnx/models.js';
import type { InputSet, Workload } from '../workloads.js';
import { importOptional, type Instance } from './types.js';

/**
 * onnxruntime-web on its wasm execution provider, threads set with its public `env.wasm.numThreads`.
 */
export async function create(variant: string, workload: Workload, inputs: InputSet): Promise<Instance> {
  const ort = await importOptional<typeof import('onnxruntime-web')>('onnxruntime-web');
  const threads = Number(variant);
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  const built = onnxWorkload(workload, inputs);
  const session = await ort.InferenceSession.create(built.model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const feeds = Object.fromEntries(Object.entries(built.feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)]));
  return {
    note: ort.env.wasm.numThreads !== threads ? `numThreads reads back ${ort.env.wasm.numThreads}` : undefined,
    async run() {
      const out = await session.run(feeds);
      return out[built.output].data as Float32Array;
    },
    toReferenceLayout: built.toReferenceLayout,
    dispose: () => session.release(),
  };
}
