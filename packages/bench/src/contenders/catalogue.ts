import type { Workload } from '../workloads.js';

/**
 * Every contender the bench knows: its id (a column of the table), the module that drives it, the
 * threads it asks for, and which workloads it cannot express at all (said in the table, no child spawned).
 */
export interface ContenderInfo {
  id: string;
  label: string;
  family: 'tfjs' | 'ort-web' | 'ort-node' | 'jax' | 'tessera' | 'tessera-keras' | 'hand-fused';
  /** The library's own name for the variant, passed to the family's `create`. */
  variant: string;
  threads: number;
  /** True for Tessera's own contenders: the ratio tables compare these against the others. */
  subject: boolean;
  /** Settings worth stating in the table. */
  settings: string;
  /** Why a workload is out of reach for this contender; undefined when it can run it. */
  cannot(workload: Workload): string | undefined;
  /** Only listed for the workloads it exists for (the hand-fused baseline, the Keras models). */
  only?: readonly string[];
  /** Runs only when named with --contenders (a correctness probe, not a performance figure). */
  optIn?: boolean;
  /** Runs on a WebGPU adapter: its child process gets the SwiftShader environment under --swiftshader. */
  webgpu?: boolean;
}

const inferenceOnly = (what: string) => (w: Workload) =>
  w.kind === 'training' ? `${what} runs inference only (training needs ONNX Runtime's separate training build)` : undefined;

/** The model-level workloads, where a Keras model is what a user would write. */
const KERAS_WORKLOADS = ['mlp-predict-b1', 'mlp-predict-b128', 'mlp-train-sgd', 'mlp-train-adam', 'cnn-train', 'lstm'];

export const CONTENDERS: readonly ContenderInfo[] = [
  {
    id: 'tessera-wasm-1t-eager',
    label: 'Tessera wasm 1t eager',
    family: 'tessera',
    variant: 'wasm:1:eager',
    threads: 1,
    subject: true,
    settings: "setBackend('wasm'), setThreads(1)",
    cannot: () => undefined,
  },
  {
    id: 'tessera-wasm-1t-traced',
    label: 'Tessera wasm 1t traced',
    family: 'tessera',
    variant: 'wasm:1:traced',
    threads: 1,
    subject: true,
    settings: "setBackend('wasm'), setThreads(1), trace(fn)",
    cannot: () => undefined,
  },
  {
    id: 'tessera-wasm-2t-eager',
    label: 'Tessera wasm 2t eager',
    family: 'tessera',
    variant: 'wasm:2:eager',
    threads: 2,
    subject: true,
    settings: "setBackend('wasm'), setThreads(2)",
    cannot: () => undefined,
  },
  {
    id: 'tessera-wasm-2t-traced',
    label: 'Tessera wasm 2t traced',
    family: 'tessera',
    variant: 'wasm:2:traced',
    threads: 2,
    subject: true,
    settings: "setBackend('wasm'), setThreads(2), trace(fn)",
    cannot: () => undefined,
  },
  {
    id: 'tessera-keras-wasm-1t',
    label: 'Tessera Keras wasm 1t',
    family: 'tessera-keras',
    variant: 'wasm:1',
    threads: 1,
    subject: true,
    settings: "@tessera/keras Sequential of @tessera/layers layers: predict / trainOnBatch (steps traced), setThreads(1)",
    cannot: () => undefined,
    only: KERAS_WORKLOADS,
  },
  {
    id: 'tessera-keras-wasm-2t',
    label: 'Tessera Keras wasm 2t',
    family: 'tessera-keras',
    variant: 'wasm:2',
    threads: 2,
    subject: true,
    settings: "@tessera/keras Sequential of @tessera/layers layers: predict / trainOnBatch (steps traced), setThreads(2)",
    cannot: () => undefined,
    only: KERAS_WORKLOADS,
  },
  {
    id: 'tessera-webgpu-traced',
    label: 'Tessera WebGPU traced',
    family: 'tessera',
    variant: 'webgpu:0:traced',
    threads: 1,
    subject: true,
    settings: "setBackend('webgpu'), trace(fn); software adapters (SwiftShader) are labelled",
    cannot: () => undefined,
    webgpu: true,
  },
  {
    id: 'tessera-reference-eager',
    label: 'Tessera reference (JS) eager',
    family: 'tessera',
    variant: 'reference:1:eager',
    threads: 1,
    subject: false,
    settings: "core's plain-JS reference backend from @tessera/core/testing; checks Tessera's programs, not a speed figure",
    cannot: () => undefined,
    optIn: true,
  },
  {
    id: 'tfjs-cpu',
    label: 'TF.js cpu',
    family: 'tfjs',
    variant: 'cpu',
    threads: 1,
    subject: false,
    settings: '@tensorflow/tfjs 4.22.0 (its cpu backend, plain JavaScript)',
    cannot: () => undefined,
  },
  {
    id: 'tfjs-wasm-1t',
    label: 'TF.js wasm 1t',
    family: 'tfjs',
    variant: 'wasm:1',
    threads: 1,
    subject: false,
    settings: '@tensorflow/tfjs-backend-wasm 4.22.0, setThreadsCount(1)',
    cannot: () => undefined,
  },
  {
    id: 'tfjs-wasm-2t',
    label: 'TF.js wasm 2t',
    family: 'tfjs',
    variant: 'wasm:2',
    threads: 2,
    subject: false,
    settings: '@tensorflow/tfjs-backend-wasm 4.22.0, setThreadsCount(2)',
    cannot: () => undefined,
  },
  {
    id: 'tfjs-webgpu',
    label: 'TF.js WebGPU',
    family: 'tfjs',
    variant: 'webgpu',
    threads: 1,
    subject: false,
    settings: "@tensorflow/tfjs-backend-webgpu 4.22.0, navigator.gpu from webgpu 0.6.2 (Dawn) in Node, reads with await data(); software adapters (SwiftShader) are labelled",
    cannot: () => undefined,
    webgpu: true,
  },
  {
    id: 'ort-web-1t',
    label: 'ORT Web wasm 1t',
    family: 'ort-web',
    variant: '1',
    threads: 1,
    subject: false,
    settings: 'onnxruntime-web 1.30.0, env.wasm.numThreads = 1',
    cannot: inferenceOnly('onnxruntime-web'),
  },
  {
    id: 'ort-web-2t',
    label: 'ORT Web wasm 2t',
    family: 'ort-web',
    variant: '2',
    threads: 2,
    subject: false,
    settings: 'onnxruntime-web 1.30.0, env.wasm.numThreads = 2',
    cannot: inferenceOnly('onnxruntime-web'),
  },
  {
    id: 'ort-node',
    label: 'ORT Node (native)',
    family: 'ort-node',
    variant: '2',
    threads: 2,
    subject: false,
    settings: 'onnxruntime-node 1.30.0 CPU provider, intraOpNumThreads = 2 (native reference, not wasm)',
    cannot: inferenceOnly('onnxruntime-node'),
  },
  {
    id: 'jax-js-wasm',
    label: 'jax-js wasm',
    family: 'jax',
    variant: 'wasm',
    threads: 1,
    subject: false,
    settings: "@jax-js/jax 0.1.25, init('wasm'), jit(fn); single thread in Node (its pool needs the browser's global Worker)",
    cannot: () => undefined,
  },
  {
    id: 'hand-fused',
    label: 'hand-fused wasm SIMD',
    family: 'hand-fused',
    variant: 'gelu',
    threads: 1,
    subject: false,
    settings: "the bench's own single SIMD pass (x·a+b, erf by Abramowitz–Stegun 7.1.26, one read, one write)",
    cannot: () => undefined,
    only: ['gelu-chain'],
  },
];

/** The contenders for a workload: every default one, or exactly those named (opt-in ones included). */
export function contendersFor(workload: Workload, named?: readonly string[]): ContenderInfo[] {
  return CONTENDERS.filter(
    (c) => (!c.only || c.only.includes(workload.name)) && (named ? named.includes(c.id) : !c.optIn),
  );
}
