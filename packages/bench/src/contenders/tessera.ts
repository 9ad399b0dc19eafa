import { ADAM, CNN, LEARNING_RATE_SGD, LSTM, type InputSet, type Workload } from '../workloads.js';
import { adapterNote, type AdapterInfoLike, type AdapterLike } from './adapter.js';
import { concatenate, importOptional, requireShape, Unavailable, type Instance } from './types.js';

/**
 * Tessera through its public API only: `import '@tessera/backend-cpu-wasm'` (or the WebGPU backend)
 * then `setBackend`, `setThreads(n)` from the backend package, core's ops and autodiff, and `trace`
 * from `@tessera/tracer` for the traced variants. Training steps are functions from (parameters,
 * batch) to (loss, new parameters), the same function run eagerly or traced into one graph.
 * Whatever is missing from the packages as built is reported as unavailable with its name.
 */
type Core = typeof import('@tessera/core');
type T = import('@tessera/core').Tensor;

export async function selectBackend(core: Core, backend: string, threads: number): Promise<string | undefined> {
  if (backend === 'reference') {
    const testing = await importOptional<typeof import('@tessera/core/testing')>('@tessera/core/testing');
    await core.setBackend(testing.registerReferenceBackend());
    return undefined;
  }
  if (backend === 'wasm') {
    const pkg = await importOptional<Record<string, unknown>>('@tessera/backend-cpu-wasm');
    try {
      await core.setBackend('wasm');
    } catch (error) {
      throw new Unavailable(`@tessera/backend-cpu-wasm as built registers no usable 'wasm' backend (${(error as Error).message.split('\n')[0]})`);
    }
    const setThreads = pkg.setThreads as ((n: number) => unknown) | undefined;
    if (typeof setThreads !== 'function') {
      if (threads > 1) throw new Unavailable('@tessera/backend-cpu-wasm does not export setThreads(n) yet');
      return 'setThreads is not exported yet: ran the backend as it starts (one thread)';
    }
    await setThreads(threads);
    return undefined;
  }
  const pkg = await importOptional<Record<string, unknown>>('@tessera/backend-webgpu');
  let instance: unknown;
  try {
    instance = await core.setBackend('webgpu');
  } catch (error) {
    throw new Unavailable(`no WebGPU backend or adapter here (${(error as Error).message.split('\n')[0]})`);
  }
  // The standard GPUAdapterInfo (vendor, architecture, device, description), reached through the
  // backend's context when it exposes one, or an adapterInfo() of the package.
  const backendInstance = instance as { adapterInfo?: AdapterInfoLike; context?: { adapter?: AdapterLike } };
  const info: AdapterInfoLike | undefined =
    backendInstance.adapterInfo ?? backendInstance.context?.adapter?.info ?? (pkg.adapterInfo as (() => AdapterInfoLike) | undefined)?.();
  return adapterNote(info, backendInstance.context?.adapter?.isFallbackAdapter);
}

export async function create(variant: string, workload: Workload, inputs: InputSet): Promise<Instance> {
  const [backend, threadText, mode] = variant.split(':');
  const core = await importOptional<Core>('@tessera/core');
  const note = await selectBackend(core, backend, Number(threadText) || 1);
  let compile: <F extends (...args: any[]) => any>(fn: F) => F = (fn) => fn;
  if (mode === 'traced') {
    const tracer = await importOptional<Record<string, unknown>>('@tessera/tracer');
    if (typeof tracer.trace !== 'function') throw new Unavailable('@tessera/tracer does not export trace(fn) yet');
    compile = tracer.trace as typeof compile;
  }
  const { tensor, matMul, conv2d, add, mul, erf, relu, softmax, logSoftmax, sum, mean, neg, sub, sqrt, div, maxPool, reshape, split, sigmoid, tanh, zeros, tidy, valueAndGrads } = core;
  const input = (name: string) => {
    const i = requireShape(inputs, name);
    return tensor(i.data, i.shape, 'float32');
  };
  const read = async (x: T) => {
    const data = (await x.data()) as Float32Array;
    x.dispose();
    return data;
  };
  const inference = (fn: (...args: T[]) => T, args: T[]): Instance => {
    const f = compile(fn);
    return { note, run: () => read(tidy(() => f(...args))) };
  };

  if (workload.group === 'matmul') return inference((a, b) => matMul(a, b), [input('a'), input('b')]);
  if (workload.name === 'conv2d') return inference((x, w) => conv2d(x, w, { padding: 'same' }), [input('x'), input('w')]);
  if (workload.name === 'gelu-chain') {
    return inference((x, a, b) => {
      const z = add(mul(x, a), b);
      return mul(mul(z, 0.5), add(erf(mul(z, Math.SQRT1_2)), 1));
    }, [input('x'), input('a'), input('b')]);
  }
  const mlpLogits = (x: T, w1: T, b1: T, w2: T, b2: T, w3: T, b3: T) =>
    add(matMul(relu(add(matMul(relu(add(matMul(x, w1), b1)), w2), b2)), w3), b3);
  const mlpNames = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
  if (workload.name.startsWith('mlp-predict')) {
    return inference((x, ...p) => softmax(mlpLogits(x, ...(p as [T, T, T, T, T, T]))), [input('x'), ...mlpNames.map(input)]);
  }
  if (workload.name === 'lstm') {
    const { steps, units, batch, features } = LSTM;
    return inference((x, kernel, recurrent, bias) => {
      const frames = split(x, steps, 1);
      let h: T = zeros([batch, units]);
      let c: T = zeros([batch, units]);
      for (let s = 0; s < steps; s++) {
        const z = add(add(matMul(reshape(frames[s], [batch, features]), kernel), matMul(h, recurrent)), bias);
        const [zi, zf, zc, zo] = split(z, 4, -1);
        c = add(mul(sigmoid(zf), c), mul(sigmoid(zi), tanh(zc)));
        h = mul(sigmoid(zo), tanh(c));
      }
      return h;
    }, [input('x'), input('kernel'), input('recurrent'), input('bias')]);
  }
  if (workload.kind === 'training') {
    const cnn = workload.name === 'cnn-train';
    const names = cnn ? ['c1w', 'c1b', 'c2w', 'c2b', 'dw', 'db'] : mlpNames;
    const pool = (t: T) => maxPool(t, { poolSize: 2 });
    const logits = cnn
      ? (x: T, c1w: T, c1b: T, c2w: T, c2b: T, dw: T, db: T) => {
          const h1 = pool(relu(add(conv2d(x, c1w), c1b)));
          const h2 = pool(relu(add(conv2d(h1, c2w), c2b)));
          return add(matMul(reshape(h2, [CNN.batch, 5 * 5 * CNN.filters2]), dw), db);
        }
      : mlpLogits;
    const x = input('x');
    const y = input('y');
    const loss = (...p: T[]) => neg(mean(sum(mul(logSoftmax(logits(x, ...(p as [T, T, T, T, T, T]))), y), -1)));
    let params = names.map(input);
    const state = async () => concatenate(await Promise.all(params.map(async (p) => (await p.data()) as Float32Array)));
    const replace = (next: T[]) => {
      for (const p of params) p.dispose();
      params = next;
    };
    if (workload.name.endsWith('adam')) {
      const { beta1, beta2, epsilon } = ADAM;
      let m = params.map((p) => zeros(p.shape));
      let v = params.map((p) => zeros(p.shape));
      let t = 0;
      const n = params.length;
      const step = compile((lr: T, ...all: T[]) => {
        const [p, m0, v0] = [all.slice(0, n), all.slice(n, 2 * n), all.slice(2 * n)];
        const { value, grads } = valueAndGrads(loss)(p);
        const m1 = m0.map((mi, i) => add(mul(mi, beta1), mul(grads[i], 1 - beta1)));
        const v1 = v0.map((vi, i) => add(mul(vi, beta2), mul(mul(grads[i], grads[i]), 1 - beta2)));
        const p1 = p.map((pi, i) => sub(pi, div(mul(m1[i], lr), add(sqrt(v1[i]), epsilon))));
        return [value, ...p1, ...m1, ...v1];
      });
      return {
        note,
        async run() {
          t += 1;
          const lrT = tensor([(ADAM.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t)], [], 'float32');
          const out = tidy(() => step(lrT, ...params, ...m, ...v) as T[]);
          lrT.dispose();
          for (const s of [...m, ...v]) s.dispose();
          m = out.slice(1 + n, 1 + 2 * n);
          v = out.slice(1 + 2 * n);
          replace(out.slice(1, 1 + n));
          return read(out[0]);
        },
        state,
      };
    }
    const step = compile((...p: T[]) => {
      const { value, grads } = valueAndGrads(loss)(p);
      return [value, ...p.map((pi, i) => sub(pi, mul(grads[i], LEARNING_RATE_SGD)))];
    });
    return {
      note,
      async run() {
        const out = tidy(() => step(...params) as T[]);
        replace(out.slice(1));
        return read(out[0]);
      },
      state,
    };
  }
  throw new Error(`tessera contender: no program for workload ${workload.name}`);
}
