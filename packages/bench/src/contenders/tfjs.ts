import { ADAM, CNN, LEARNING_RATE_SGD, LSTM, type InputSet, type Workload } from '../workloads.js';
import { adapterNote, navigatorGpu, NO_ADAPTER_HINT, type AdapterInfoLike } from './adapter.js';
import { concatenate, importOptional, requireShape, Unavailable, type Instance } from './types.js';

/**
 * TensorFlow.js: tfjs-core ops for the kernels, tfjs-layers (its Keras-like API) for the models, as a
 * TF.js user would write them. The wasm backend's thread count is set with its public
 * `setThreadsCount`; whether threads really came up is read back with `getThreadsCount` and noted.
 * The webgpu backend gets `navigator.gpu` from the `webgpu` package (Dawn) in Node; its results are
 * read with `await data()` (its synchronous read needs a browser canvas), so every timed call waits
 * for the GPU, and the adapter it ran on is noted (software adapters labelled as such).
 */
export async function create(variant: string, workload: Workload, inputs: InputSet): Promise<Instance> {
  const tf = await import('@tensorflow/tfjs-core');
  let note: string | undefined;
  if (variant === 'cpu') {
    await import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
  } else if (variant === 'webgpu') {
    note = await startWebGpu(tf);
  } else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const threads = Number(variant.split(':')[1]);
    // In Node the backend's own probe for threads fails (it looks for a browser Worker); its public
    // flag says threads are there, so the threaded build starts its pthreads on worker_threads.
    if (threads > 1) tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
    wasm.setThreadsCount(threads);
    const { ok, warnings } = await withWarnings(() => tf.setBackend('wasm'));
    if (!ok) {
      const cause = warnings.find((w) => /ERR_WORKER_PATH|Error/.test(w))?.split('\n')[0] ?? warnings.join(' ').slice(0, 200);
      throw new Unavailable(
        `tfjs-backend-wasm could not start ${threads} threads in Node: its threaded build spawns pthreads from a blob: URL, which Node's worker_threads refuses (${cause})`,
      );
    }
    const got = wasm.getThreadsCount();
    const multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    if (got !== threads) note = `asked for ${threads} threads, runs ${got} (WASM_HAS_MULTITHREAD_SUPPORT=${multithread})`;
  }
  await tf.ready();
  const t = (name: string) => {
    const input = requireShape(inputs, name);
    return tf.tensor(input.data, input.shape, 'float32');
  };
  type Read = (x: { dataSync(): unknown; data(): Promise<unknown>; dispose(): void }) => Float32Array | Promise<Float32Array>;
  const read: Read =
    variant === 'webgpu'
      ? async (x) => {
          const out = (await x.data()) as Float32Array;
          x.dispose();
          return out;
        }
      : (x) => {
          const out = x.dataSync() as Float32Array;
          x.dispose();
          return out;
        };

  if (workload.group === 'matmul') {
    const [a, b] = [t('a'), t('b')];
    return { note, run: () => read(tf.matMul(a, b)) };
  }
  if (workload.name === 'conv2d') {
    const [x, w] = [t('x'), t('w')];
    return { note, run: () => read(tf.conv2d(x as any, w as any, 1, 'same')) };
  }
  if (workload.name === 'gelu-chain') {
    const [x, a, b] = [t('x'), t('a'), t('b')];
    const gelu = () =>
      tf.tidy(() => {
        const z = tf.add(tf.mul(x, a), b);
        return tf.mul(tf.mul(z, 0.5), tf.add(tf.erf(tf.mul(z, Math.SQRT1_2)), 1));
      });
    return { note, run: () => read(gelu()) };
  }

  // The union package: tfjs-layers relies on the chained tensor methods (x.flatten()) it registers.
  const tfl = await import('@tensorflow/tfjs');
  if (workload.group === 'mlp' || workload.group === 'train' && workload.name.startsWith('mlp')) {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ inputShape: [784], units: 512, activation: 'relu' }),
        tfl.layers.dense({ units: 512, activation: 'relu' }),
        tfl.layers.dense({ units: 10, activation: 'softmax' }),
      ],
    });
    model.setWeights(['w1', 'b1', 'w2', 'b2', 'w3', 'b3'].map(t) as any);
    const x = t('x');
    if (workload.kind === 'inference') return { note, run: () => read(model.predict(x) as any) };
    return trainer(tf, model, workload, x, t('y'), note);
  }
  if (workload.name === 'cnn-train') {
    const model = tfl.sequential({
      layers: [
        tfl.layers.conv2d({ inputShape: [CNN.size, CNN.size, 1], filters: CNN.filters1, kernelSize: 3, activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.conv2d({ filters: CNN.filters2, kernelSize: 3, activation: 'relu' }),
        tfl.layers.maxPooling2d({ poolSize: 2 }),
        tfl.layers.flatten(),
        tfl.layers.dense({ units: CNN.classes, activation: 'softmax' }),
      ],
    });
    model.setWeights(['c1w', 'c1b', 'c2w', 'c2b', 'dw', 'db'].map(t) as any);
    return trainer(tf, model, workload, t('x'), t('y'), note);
  }
  if (workload.name === 'lstm') {
    // TF.js layers' LSTM gates default to a hard sigmoid (Keras 2's old default); the others use the sigmoid.
    const model = tfl.sequential({
      layers: [tfl.layers.lstm({ units: LSTM.units, inputShape: [LSTM.steps, LSTM.features], recurrentActivation: 'sigmoid' })],
    });
    model.setWeights(['kernel', 'recurrent', 'bias'].map(t) as any);
    const x = t('x');
    return { note, run: () => read(model.predict(x) as any) };
  }
  throw new Error(`tfjs contender: no program for workload ${workload.name}`);
}

function trainer(tf: any, model: any, workload: Workload, x: unknown, y: unknown, note?: string): Instance {
  const optimizer = workload.name.endsWith('adam')
    ? tf.train.adam(ADAM.learningRate, ADAM.beta1, ADAM.beta2, ADAM.epsilon)
    : tf.train.sgd(LEARNING_RATE_SGD);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return {
    note,
    async run() {
      try {
        const loss = (await model.trainOnBatch(x, y)) as number;
        return new Float32Array([loss]);
      } catch (error) {
        const missing = /Kernel '(\w+)' not registered for backend '(\w+)'/.exec(String(error));
        if (missing) throw new Unavailable(`the ${missing[2]} backend has no ${missing[1]} kernel, which this training step needs`);
        throw error;
      }
    },
    // Not timed: `data()` works on every backend (webgpu has no synchronous read in Node).
    state: async () => concatenate(await Promise.all(model.getWeights().map(async (w: any) => (await w.data()) as Float32Array))),
  };
}

async function withWarnings<T>(fn: () => Promise<T>): Promise<{ ok: T; warnings: string[] }> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.map(String).join(' '));
  try {
    return { ok: await fn(), warnings };
  } finally {
    console.warn = warn;
  }
}

/**
 * Starts tfjs-backend-webgpu. The backend registers itself on import only when `navigator.gpu` exists,
 * so the `webgpu` package's is installed first; an adapter is asked for with the backend's own options
 * first, so that "no adapter" is said as such rather than as the backend's failure to start.
 */
async function startWebGpu(tf: typeof import('@tensorflow/tfjs-core')): Promise<string> {
  const gpu = await navigatorGpu();
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) throw new Unavailable(`no WebGPU adapter here: navigator.gpu (the webgpu package, Dawn) found none. ${NO_ADAPTER_HINT}`);
  await importOptional('@tensorflow/tfjs-backend-webgpu');
  const { ok, warnings } = await withWarnings(() => tf.setBackend('webgpu'));
  if (!ok) {
    const cause = warnings.find((w) => /Error/.test(w))?.split('\n')[0] ?? (warnings.join(' ').slice(0, 200) || 'no reason given');
    throw new Unavailable(`tfjs-backend-webgpu did not start on the adapter found (${cause})`);
  }
  // The adapter info of the device the backend really made (GPUDevice.adapterInfo), else of ours.
  const device = (tf.backend() as unknown as { device?: { adapterInfo?: AdapterInfoLike } }).device;
  return adapterNote(device?.adapterInfo ?? adapter.info, adapter.isFallbackAdapter);
}
