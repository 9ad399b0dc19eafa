import { onnxWorkload } from '../onnx/models.js';
import type { InputSet, Workload } from '../workloads.js';
import { importOptional, type Instance } from './types.js';

/** onnxruntime-node: ONNX Runtime's native CPU build, the reference for what the hardware can do. */
export async function create(variant: string, workload: Workload, inputs: InputSet): Promise<Instance> {
  const ort = await importOptional<typeof import('onnxruntime-node')>('onnxruntime-node');
  const built = onnxWorkload(workload, inputs);
  const threads = Number(variant);
  const session = await ort.InferenceSession.create(built.model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const feeds = Object.fromEntries(Object.entries(built.feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)]));
  return {
    async run() {
      const out = await session.run(feeds);
      return out[built.output].data as Float32Array;
    },
    toReferenceLayout: built.toReferenceLayout,
    dispose: () => session.release(),
  };
}
