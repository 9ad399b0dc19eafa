import { ADAM, CNN, LEARNING_RATE_SGD, LSTM, MLP_SIZES, type InputSet, type Workload } from '../workloads.js';
import { concatenate, importOptional, requireShape, Unavailable, type Instance } from './types.js';
import { selectBackend } from './tessera.js';

/**
 * Tessera's Keras API, as a Keras user writes it: `Sequential` of `@tessera/layers` layers, weights set
 * with `setWeights` in Keras's order, `predict` (its predict step traced) and `trainOnBatch` (its train
 * step, forward + gradient + optimizer update, traced into one graph).
 */
export async function create(variant: string, workload: Workload, inputs: InputSet): Promise<Instance> {
  const [backend, threadText] = variant.split(':');
  const core = await importOptional<typeof import('@tessera/core')>('@tessera/core');
  const note = await selectBackend(core, backend, Number(threadText) || 1);
  const keras = await importOptional<Record<string, any>>('@tessera/keras');
  const layers = await importOptional<Record<string, any>>('@tessera/layers');
  const need = (pkg: Record<string, any>, name: string, from: string) => {
    if (typeof pkg[name] !== 'function') throw new Unavailable(`${from} does not export ${name} yet`);
    return pkg[name];
  };
  const Sequential = need(keras, 'Sequential', '@tessera/keras');
  const Dense = need(layers, 'Dense', '@tessera/layers');
  const t = (name: string) => {
    const i = requireShape(inputs, name);
    return core.tensor(i.data, i.shape, 'float32');
  };
  const read = async (x: any) => {
    const data = (await x.data()) as Float32Array;
    x.dispose();
    return data;
  };

  let model: any;
  let names: string[];
  if (workload.name.startsWith('mlp')) {
    model = new Sequential({
      layers: [
        new Dense({ units: MLP_SIZES[1], activation: 'relu', inputShape: [MLP_SIZES[0]] }),
        new Dense({ units: MLP_SIZES[2], activation: 'relu' }),
        new Dense({ units: MLP_SIZES[3], activation: 'softmax' }),
      ],
    });
    names = ['w1', 'b1', 'w2', 'b2', 'w3', 'b3'];
  } else if (workload.name === 'cnn-train') {
    const Conv2D = need(layers, 'Conv2D', '@tessera/layers');
    const MaxPooling2D = need(layers, 'MaxPooling2D', '@tessera/layers');
    const Flatten = need(layers, 'Flatten', '@tessera/layers');
    model = new Sequential({
      layers: [
        new Conv2D({ filters: CNN.filters1, kernelSize: 3, activation: 'relu', inputShape: [CNN.size, CNN.size, 1] }),
        new MaxPooling2D({ poolSize: 2 }),
        new Conv2D({ filters: CNN.filters2, kernelSize: 3, activation: 'relu' }),
        new MaxPooling2D({ poolSize: 2 }),
        new Flatten(),
        new Dense({ units: CNN.classes, activation: 'softmax' }),
      ],
    });
    names = ['c1w', 'c1b', 'c2w', 'c2b', 'dw', 'db'];
  } else if (workload.name === 'lstm') {
    const LSTMLayer = need(layers, 'LSTM', '@tessera/layers');
    model = new Sequential({ layers: [new LSTMLayer({ units: LSTM.units, inputShape: [LSTM.steps, LSTM.features] })] });
    names = ['kernel', 'recurrent', 'bias'];
  } else {
    throw new Error(`tessera keras contender: no model for workload ${workload.name}`);
  }
  const weights = names.map(t);
  model.setWeights(weights);
  for (const w of weights) w.dispose();
  const x = t('x');

  if (workload.kind === 'inference') {
    const batchSize = x.shape[0];
    // verbose: 0, as a serving loop would: Keras's default draws a progress bar on every call.
    return { note, run: () => read(model.predict(x, { batchSize, verbose: 0 })) };
  }
  const optimizer = workload.name.endsWith('adam')
    ? new (need(keras, 'Adam', '@tessera/keras'))({ learningRate: ADAM.learningRate, beta1: ADAM.beta1, beta2: ADAM.beta2, epsilon: ADAM.epsilon })
    : new (need(keras, 'SGD', '@tessera/keras'))({ learningRate: LEARNING_RATE_SGD });
  model.compile({ optimizer, loss: 'categorical_crossentropy' });
  const y = t('y');
  return {
    note,
    async run() {
      const logs = (await model.trainOnBatch(x, y)) as Record<string, number> | number;
      return new Float32Array([typeof logs === 'number' ? logs : logs.loss]);
    },
    async state() {
      return concatenate(await Promise.all(model.getWeights().map((w: any) => w.data() as Promise<Float32Array>)));
    },
  };
}
