import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { onnxWorkload } from '../src/onnx/models.js';
import { ProtoWriter } from '../src/onnx/protobuf.js';
import { writeOnnxModel } from '../src/onnx/writer.js';
import { findWorkload, LSTM } from '../src/workloads.js';

async function runModel(model: Uint8Array, feeds: Record<string, { data: Float32Array; shape: number[] }>, output: string) {
  const session = await ort.InferenceSession.create(model);
  const tensors = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.shape)]));
  const out = await session.run(tensors);
  await session.release();
  return out[output];
}

describe('protobuf wire format', () => {
  it('writes varints, fixed32 floats and length-delimited fields', () => {
    expect([...new ProtoWriter().int(1, 300).finish()]).toEqual([0x08, 0xac, 0x02]);
    expect([...new ProtoWriter().int(2, -1).finish()]).toEqual([0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    expect([...new ProtoWriter().float(2, 1).finish()]).toEqual([0x15, 0x00, 0x00, 0x80, 0x3f]);
    expect([...new ProtoWriter().string(4, 'Relu').finish()]).toEqual([0x22, 4, 0x52, 0x65, 0x6c, 0x75]);
  });
});

describe('writeOnnxModel', () => {
  it('writes a Gemm + Relu + Softmax graph that ONNX Runtime loads and runs to the expected numbers', async () => {
    const model = writeOnnxModel({
      name: 'tiny',
      inputs: [{ name: 'x', shape: ['batch', 2] }],
      outputs: [{ name: 'y', shape: ['batch', 2] }],
      initializers: [
        { name: 'w', shape: [2, 2], data: new Float32Array([1, -1, 2, 0.5]) },
        { name: 'b', shape: [2], data: new Float32Array([0.5, -3]) },
      ],
      nodes: [
        { op: 'Gemm', inputs: ['x', 'w', 'b'], outputs: ['h'], attributes: { alpha: { float: 2 } } },
        { op: 'Relu', inputs: ['h'], outputs: ['r'] },
        { op: 'Softmax', inputs: ['r'], outputs: ['y'], attributes: { axis: -1 } },
      ],
    });
    const y = await runModel(model, { x: { data: new Float32Array([1, 1, 0, -1]), shape: [2, 2] } }, 'y');
    // Row 1: 2·[1+2, -1+0.5] + [0.5, -3] = [6.5, -4] → relu [6.5, 0]. Row 2: 2·[-2, -0.5] + b = [-3.5, -4] → [0, 0].
    const e = Math.exp(6.5);
    expect(y.dims).toEqual([2, 2]);
    expect([...(y.data as Float32Array)].map((v) => Number(v.toFixed(6)))).toEqual([
      Number((e / (e + 1)).toFixed(6)),
      Number((1 / (e + 1)).toFixed(6)),
      0.5,
      0.5,
    ]);
  });

  it('rejects an initializer whose data does not fill its shape', () => {
    expect(() =>
      writeOnnxModel({ name: 'bad', inputs: [], outputs: [], nodes: [], initializers: [{ name: 'w', shape: [2, 3], data: new Float32Array(5) }] }),
    ).toThrow('onnx initializer w: shape [2,3] holds 6 values, data has 5');
  });

  it('builds the matmul workload so that ONNX Runtime multiplies the same matrices', async () => {
    const workload = findWorkload('matmul-128');
    const inputs = workload.generate();
    const built = onnxWorkload(workload, inputs);
    const c = (await runModel(built.model, built.feeds, built.output)).data as Float32Array;
    const { a, b } = inputs;
    for (const [i, j] of [[0, 0], [17, 99], [127, 127]]) {
      let expected = 0;
      for (let k = 0; k < 128; k++) expected += a.data[i * 128 + k] * b.data[k * 128 + j];
      expect(c[i * 128 + j]).toBeCloseTo(expected, 3);
    }
  });

  it('converts Keras LSTM weights (gates i, f, c, o) to ONNX order so the last state matches a plain LSTM', async () => {
    const workload = findWorkload('lstm');
    const inputs = workload.generate();
    const built = onnxWorkload(workload, inputs);
    const h = (await runModel(built.model, built.feeds, built.output)).data as Float32Array;
    const { steps, features, units } = LSTM;
    const { x, kernel, recurrent, bias } = inputs;
    const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));
    let hs = new Float64Array(units);
    let cs = new Float64Array(units);
    for (let s = 0; s < steps; s++) {
      const z = new Float64Array(4 * units);
      for (let j = 0; j < 4 * units; j++) {
        let acc = bias.data[j];
        for (let f = 0; f < features; f++) acc += x.data[s * features + f] * kernel.data[f * 4 * units + j];
        for (let u = 0; u < units; u++) acc += hs[u] * recurrent.data[u * 4 * units + j];
        z[j] = acc;
      }
      const nextH = new Float64Array(units);
      const nextC = new Float64Array(units);
      for (let u = 0; u < units; u++) {
        nextC[u] = sigmoid(z[units + u]) * cs[u] + sigmoid(z[u]) * Math.tanh(z[2 * units + u]);
        nextH[u] = sigmoid(z[3 * units + u]) * Math.tanh(nextC[u]);
      }
      hs = nextH;
      cs = nextC;
    }
    expect(h.length).toBe(units);
    for (let u = 0; u < units; u++) expect(h[u]).toBeCloseTo(hs[u], 4);
  });
});
