import { ADAM, CNN, LEARNING_RATE_SGD, LSTM, type InputSet, type Workload } from '../workloads.js';
import { concatenate, hwioToOihw, importOptional, nchwToNhwc, nhwcToNchw, oihwToHwio, requireShape, type Instance } from './types.js';

/**
 * jax-js on its wasm device, every workload under `jit`, written the way its README teaches
 * (arguments are consumed, `.ref` keeps one alive). Its thread pool needs the browser's global
 * `Worker`, which Node does not have, so in Node it runs on one thread.
 */
export async function create(_variant: string, workload: Workload, inputs: InputSet): Promise<Instance> {
  const jax = await importOptional<any>('@jax-js/jax');
  const { numpy: np, nn, lax, jit, valueAndGrad, tree, scipySpecial } = jax;
  await jax.init('wasm');
  jax.defaultDevice('wasm');
  const arr = (data: Float32Array, shape: number[]) => np.array(data).reshape(shape);
  const input = (name: string) => {
    const i = requireShape(inputs, name);
    return arr(i.data, i.shape);
  };
  const read = async (x: any) => (await x.data()) as Float32Array;

  if (workload.group === 'matmul') {
    const [a, b] = [input('a'), input('b')];
    const f = jit((x: any, y: any) => np.matmul(x, y));
    return { run: () => read(f(a.ref, b.ref)) };
  }
  if (workload.name === 'conv2d') {
    const x = requireShape(inputs, 'x');
    const w = requireShape(inputs, 'w');
    const [n, h, wd, c] = x.shape;
    const co = w.shape[3];
    const xs = arr(nhwcToNchw(x.data, x.shape), [n, c, h, wd]);
    const ws = arr(hwioToOihw(w.data, w.shape), [co, c, 3, 3]);
    const f = jit((a: any, k: any) => lax.conv(a, k, [1, 1], 'SAME'));
    return {
      run: () => read(f(xs.ref, ws.ref)),
      toReferenceLayout: (y) => nchwToNhwc(y, [n, co, h, wd]),
    };
  }
  if (workload.name === 'gelu-chain') {
    const [x, a, b] = [input('x'), input('a'), input('b')];
    const f = jit((v: any, s: any, t: any) => {
      const z = v.mul(s).add(t);
      return z.ref.mul(0.5).mul(scipySpecial.erf(z.mul(Math.SQRT1_2)).add(1));
    });
    return { run: () => read(f(x.ref, a.ref, b.ref)) };
  }
  const mlpForward = (p: any, x: any) => {
    const h1 = nn.relu(np.matmul(x, p.w1).add(p.b1));
    const h2 = nn.relu(np.matmul(h1, p.w2).add(p.b2));
    return np.matmul(h2, p.w3).add(p.b3);
  };
  const names = (list: string[]) => Object.fromEntries(list.map((n) => [n, input(n)]));
  if (workload.name.startsWith('mlp-predict')) {
    const params = names(['w1', 'b1', 'w2', 'b2', 'w3', 'b3']);
    const x = input('x');
    const f = jit((p: any, v: any) => nn.softmax(mlpForward(p, v), -1));
    return { run: () => read(f(tree.ref(params), x.ref)) };
  }
  const crossEntropy = (logits: any, y: any) => np.mean(np.sum(nn.logSoftmax(logits, -1).mul(y), -1)).mul(-1);
  if (workload.name.startsWith('mlp-train') || workload.name === 'cnn-train') {
    const cnn = workload.name === 'cnn-train';
    const order = cnn ? ['c1w', 'c1b', 'c2w', 'c2b', 'dw', 'db'] : ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
    let params: any = {};
    for (const name of order) {
      const i = requireShape(inputs, name);
      params[name] = cnn && i.shape.length === 4 ? arr(hwioToOihw(i.data, i.shape), [i.shape[3], i.shape[2], 3, 3]) : arr(i.data, i.shape);
    }
    const xi = requireShape(inputs, 'x');
    const x = cnn ? arr(nhwcToNchw(xi.data, xi.shape), [xi.shape[0], 1, xi.shape[1], xi.shape[2]]) : input('x');
    const y = input('y');
    const cnnForward = (p: any, v: any) => {
      const pool = (t: any) => lax.reduceWindow(t, (win: any) => np.max(win), [2, 2], [2, 2]);
      let h = lax.conv(v, p.c1w, [1, 1], 'VALID').add(p.c1b.reshape([1, CNN.filters1, 1, 1]));
      h = pool(nn.relu(h));
      h = lax.conv(h, p.c2w, [1, 1], 'VALID').add(p.c2b.reshape([1, CNN.filters2, 1, 1]));
      h = pool(nn.relu(h));
      // Flatten in NHWC order, as Keras does, so the dense kernel is the same matrix for everyone.
      h = np.transpose(h, [0, 2, 3, 1]).reshape([CNN.batch, 5 * 5 * CNN.filters2]);
      return np.matmul(h, p.dw).add(p.db);
    };
    const loss = (p: any, v: any, t: any) => crossEntropy((cnn ? cnnForward : mlpForward)(p, v), t);
    const state = async () => {
      const parts: Float32Array[] = [];
      for (const name of order) {
        const data = await read(params[name].ref);
        const shape = params[name].shape;
        parts.push(shape.length === 4 ? oihwToHwio(data, shape) : data);
      }
      return concatenate(parts);
    };
    if (workload.name.endsWith('adam')) {
      const { beta1, beta2, epsilon } = ADAM;
      let m: any = tree.map((p: any) => np.zerosLike(p.ref), params);
      let v: any = tree.map((p: any) => np.zerosLike(p.ref), params);
      let t = 0;
      const step = jit((p: any, m0: any, v0: any, lr: any, xs: any, ys: any) => {
        const [l, g] = valueAndGrad(loss)(tree.ref(p), xs, ys);
        const m1 = tree.map((mi: any, gi: any) => mi.mul(beta1).add(gi.mul(1 - beta1)), m0, tree.ref(g));
        const v1 = tree.map((vi: any, gi: any) => vi.mul(beta2).add(gi.ref.mul(gi).mul(1 - beta2)), v0, g);
        const p1 = tree.map(
          (pi: any, mi: any, vi: any) => pi.sub(mi.mul(lr.ref).div(np.sqrt(vi).add(epsilon))),
          p,
          tree.ref(m1),
          tree.ref(v1),
        );
        lr.dispose();
        return [l, p1, m1, v1];
      });
      return {
        note: 'Adam written by hand with jax-js ops (the optax port is a separate package)',
        async run() {
          t += 1;
          const lrT = (ADAM.learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
          const [l, p1, m1, v1] = step(params, m, v, np.array(lrT), x.ref, y.ref);
          [params, m, v] = [p1, m1, v1];
          return new Float32Array([(await read(l))[0]]);
        },
        state,
      };
    }
    const step = jit((p: any, xs: any, ys: any) => {
      const [l, g] = valueAndGrad(loss)(tree.ref(p), xs, ys);
      return [l, tree.map((pi: any, gi: any) => pi.sub(gi.mul(LEARNING_RATE_SGD)), p, g)];
    });
    return {
      async run() {
        const [l, p1] = step(params, x.ref, y.ref);
        params = p1;
        return new Float32Array([(await read(l))[0]]);
      },
      state,
    };
  }
  if (workload.name === 'lstm') {
    const { steps, units } = LSTM;
    const [x, kernel, recurrent, bias] = [input('x'), input('kernel'), input('recurrent'), input('bias')];
    const f = jit((xs: any, k: any, r: any, b: any) => {
      const frames = np.split(xs, steps, 1);
      let h = np.zeros([LSTM.batch, units]);
      let c = np.zeros([LSTM.batch, units]);
      for (let s = 0; s < steps; s++) {
        const z = np.matmul(frames[s].reshape([LSTM.batch, LSTM.features]), k.ref).add(np.matmul(h, r.ref)).add(b.ref);
        const [zi, zf, zc, zo] = np.split(z, 4, -1);
        c = nn.sigmoid(zf).mul(c).add(nn.sigmoid(zi).mul(np.tanh(zc)));
        h = nn.sigmoid(zo).mul(np.tanh(c.ref));
      }
      c.dispose();
      k.dispose();
      r.dispose();
      b.dispose();
      return h;
    });
    return { run: () => read(f(x.ref, kernel.ref, recurrent.ref, bias.ref)) };
  }
  throw new Error(`jax-js contender: no program for workload ${workload.name}`);
}
