import { GELU_A, GELU_B, LSTM, type InputSet, type Workload } from '../workloads.js';
import { hwioToOihw, nchwToNhwc, nhwcToNchw, requireShape } from '../contenders/types.js';
import { writeOnnxModel, type OnnxGraph } from './writer.js';

/**
 * The bench's workloads as ONNX graphs, built from the same inputs every contender gets. Weights are
 * initializers (as in any exported model); the activations are graph inputs fed on every call.
 */
export interface OnnxWorkload {
  model: Uint8Array;
  feeds: Record<string, { data: Float32Array; shape: number[] }>;
  output: string;
  /** Back to the workload's NHWC layout, for the output check only. */
  toReferenceLayout?: (output: Float32Array) => Float32Array;
}

const f32 = (name: string, shape: number[], data: Float32Array) => ({ name, shape, data });

function mlpGraph(inputs: InputSet): OnnxGraph {
  const x = requireShape(inputs, 'x');
  const inits = [];
  const nodes = [];
  let last = 'x';
  for (let l = 1; l <= 3; l++) {
    const w = requireShape(inputs, `w${l}`);
    const b = requireShape(inputs, `b${l}`);
    inits.push(f32(`w${l}`, w.shape, w.data), f32(`b${l}`, b.shape, b.data));
    nodes.push({ op: 'Gemm', inputs: [last, `w${l}`, `b${l}`], outputs: [`h${l}`] });
    last = `h${l}`;
    if (l < 3) {
      nodes.push({ op: 'Relu', inputs: [last], outputs: [`r${l}`] });
      last = `r${l}`;
    }
  }
  nodes.push({ op: 'Softmax', inputs: [last], outputs: ['y'], attributes: { axis: -1 } });
  return {
    name: 'mlp',
    inputs: [{ name: 'x', shape: x.shape }],
    outputs: [{ name: 'y', shape: [x.shape[0], 10] }],
    initializers: inits,
    nodes,
  };
}

/** Keras packs LSTM gates as i, f, c, o along the columns of [in, 4·units]; ONNX wants rows i, o, f, c. */
function kerasToOnnxGates(kernel: Float32Array, rows: number, units: number): Float32Array {
  const out = new Float32Array(kernel.length);
  const kerasGateOf = [0, 3, 1, 2];
  for (let g = 0; g < 4; g++)
    for (let h = 0; h < units; h++)
      for (let r = 0; r < rows; r++) out[(g * units + h) * rows + r] = kernel[r * 4 * units + kerasGateOf[g] * units + h];
  return out;
}

export function onnxWorkload(workload: Workload, inputs: InputSet): OnnxWorkload {
  if (workload.group === 'matmul') {
    const a = requireShape(inputs, 'a');
    const b = requireShape(inputs, 'b');
    const graph: OnnxGraph = {
      name: workload.name,
      inputs: [{ name: 'a', shape: a.shape }, { name: 'b', shape: b.shape }],
      outputs: [{ name: 'c', shape: [a.shape[0], b.shape[1]] }],
      initializers: [],
      nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['c'] }],
    };
    return { model: writeOnnxModel(graph), feeds: { a, b }, output: 'c' };
  }
  if (workload.name === 'conv2d') {
    const x = requireShape(inputs, 'x');
    const w = requireShape(inputs, 'w');
    const [n, h, wd, c] = x.shape;
    const [kh, kw, ci, co] = w.shape;
    const graph: OnnxGraph = {
      name: 'conv2d',
      inputs: [{ name: 'x', shape: [n, c, h, wd] }],
      outputs: [{ name: 'y', shape: [n, co, h, wd] }],
      initializers: [f32('w', [co, ci, kh, kw], hwioToOihw(w.data, w.shape))],
      nodes: [{ op: 'Conv', inputs: ['x', 'w'], outputs: ['y'], attributes: { kernel_shape: [kh, kw], pads: [1, 1, 1, 1] } }],
    };
    return {
      model: writeOnnxModel(graph),
      feeds: { x: { data: nhwcToNchw(x.data, x.shape), shape: [n, c, h, wd] } },
      output: 'y',
      toReferenceLayout: (y) => nchwToNhwc(y, [n, co, h, wd]),
    };
  }
  if (workload.name === 'gelu-chain') {
    const x = requireShape(inputs, 'x');
    const scalar = (name: string, v: number) => f32(name, [1], new Float32Array([v]));
    const graph: OnnxGraph = {
      name: 'gelu_chain',
      inputs: [{ name: 'x', shape: x.shape }],
      outputs: [{ name: 'y', shape: x.shape }],
      initializers: [scalar('a', GELU_A), scalar('b', GELU_B), scalar('rsqrt2', Math.SQRT1_2), scalar('one', 1), scalar('half', 0.5)],
      nodes: [
        { op: 'Mul', inputs: ['x', 'a'], outputs: ['xa'] },
        { op: 'Add', inputs: ['xa', 'b'], outputs: ['z'] },
        { op: 'Mul', inputs: ['z', 'rsqrt2'], outputs: ['u'] },
        { op: 'Erf', inputs: ['u'], outputs: ['e'] },
        { op: 'Add', inputs: ['e', 'one'], outputs: ['e1'] },
        { op: 'Mul', inputs: ['z', 'e1'], outputs: ['ze'] },
        { op: 'Mul', inputs: ['ze', 'half'], outputs: ['y'] },
      ],
    };
    return { model: writeOnnxModel(graph), feeds: { x }, output: 'y' };
  }
  if (workload.name.startsWith('mlp-predict')) {
    return { model: writeOnnxModel(mlpGraph(inputs)), feeds: { x: requireShape(inputs, 'x') }, output: 'y' };
  }
  if (workload.name === 'lstm') {
    const { batch, steps, features, units } = LSTM;
    const x = requireShape(inputs, 'x');
    // ONNX LSTM reads [steps, batch, features]; the workload's input is batch-major.
    const xs = new Float32Array(x.data.length);
    for (let b = 0; b < batch; b++)
      for (let s = 0; s < steps; s++)
        for (let f = 0; f < features; f++) xs[(s * batch + b) * features + f] = x.data[(b * steps + s) * features + f];
    const bias = requireShape(inputs, 'bias').data;
    const onnxBias = new Float32Array(8 * units);
    onnxBias.set(kerasToOnnxGates(bias, 1, units));
    const graph: OnnxGraph = {
      name: 'lstm',
      inputs: [{ name: 'x', shape: [steps, batch, features] }],
      outputs: [{ name: 'h', shape: [1, batch, units] }],
      initializers: [
        f32('W', [1, 4 * units, features], kerasToOnnxGates(requireShape(inputs, 'kernel').data, features, units)),
        f32('R', [1, 4 * units, units], kerasToOnnxGates(requireShape(inputs, 'recurrent').data, units, units)),
        f32('B', [1, 8 * units], onnxBias),
      ],
      nodes: [{ op: 'LSTM', inputs: ['x', 'W', 'R', 'B'], outputs: ['', 'h'], attributes: { hidden_size: units } }],
    };
    return { model: writeOnnxModel(graph), feeds: { x: { data: xs, shape: [steps, batch, features] } }, output: 'h' };
  }
  throw new Error(`onnx: no graph for workload ${workload.name}`);
}
