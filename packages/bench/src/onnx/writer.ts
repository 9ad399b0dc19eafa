import { ProtoWriter } from './protobuf.js';

/**
 * A small ONNX model writer: enough of onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto, AttributeProto) to express the bench's workloads as float32 graphs. Field numbers
 * follow the ONNX specification's onnx.proto.
 */
export type AttributeValue = number | readonly number[] | string | { float: number } | { floats: readonly number[] };

export interface OnnxNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  attributes?: Record<string, AttributeValue>;
}

export interface OnnxValue {
  name: string;
  /** Dimensions; a string names a symbolic dimension. */
  shape: readonly (number | string)[];
}

export interface OnnxInitializer {
  name: string;
  shape: readonly number[];
  data: Float32Array | BigInt64Array;
}

export interface OnnxGraph {
  name: string;
  inputs: readonly OnnxValue[];
  outputs: readonly OnnxValue[];
  initializers: readonly OnnxInitializer[];
  nodes: readonly OnnxNode[];
  opset?: number;
}

const FLOAT = 1;
const INT64 = 7;
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function attribute(name: string, value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new Error(`onnx attribute ${name}: ${value} is not an integer; use { float: ${value} }`);
    return w.int(3, value).int(20, ATTR_INT);
  }
  if (typeof value === 'string') return w.bytes(4, new TextEncoder().encode(value)).int(20, ATTR_STRING);
  if ('float' in value) return w.float(2, value.float).int(20, ATTR_FLOAT);
  if ('floats' in value) {
    for (const f of value.floats) w.float(7, f);
    return w.int(20, ATTR_FLOATS);
  }
  for (const i of value as readonly number[]) w.int(8, i);
  return w.int(20, ATTR_INTS);
}

function tensor(init: OnnxInitializer): ProtoWriter {
  const w = new ProtoWriter();
  for (const d of init.shape) w.int(1, d);
  w.int(2, init.data instanceof Float32Array ? FLOAT : INT64);
  w.string(8, init.name);
  const expected = init.shape.reduce((a, b) => a * b, 1);
  if (init.data.length !== expected) {
    throw new Error(`onnx initializer ${init.name}: shape [${init.shape}] holds ${expected} values, data has ${init.data.length}`);
  }
  // raw_data is little-endian, which typed arrays are on every platform Node and browsers run on.
  w.bytes(9, new Uint8Array(init.data.buffer, init.data.byteOffset, init.data.byteLength));
  return w;
}

function valueInfo(value: OnnxValue): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of value.shape) {
    shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  }
  const tensorType = new ProtoWriter().int(1, FLOAT).message(2, shape);
  return new ProtoWriter().string(1, value.name).message(2, new ProtoWriter().message(1, tensorType));
}

function node(n: OnnxNode, index: number): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, `${n.op}_${index}`);
  w.string(4, n.op);
  for (const [name, value] of Object.entries(n.attributes ?? {})) w.message(5, attribute(name, value));
  return w;
}

/** Serializes a graph to the bytes of an .onnx file (IR version 8, default opset 17). */
export function writeOnnxModel(graph: OnnxGraph): Uint8Array {
  const g = new ProtoWriter();
  graph.nodes.forEach((n, i) => g.message(1, node(n, i)));
  g.string(2, graph.name);
  for (const init of graph.initializers) g.message(5, tensor(init));
  for (const input of graph.inputs) g.message(11, valueInfo(input));
  for (const output of graph.outputs) g.message(12, valueInfo(output));
  const opset = new ProtoWriter().string(1, '').int(2, graph.opset ?? 17);
  return new ProtoWriter()
    .int(1, 8)
    .string(2, '@tessera/bench')
    .string(3, '0.1.0')
    .message(7, g)
    .message(8, opset)
    .finish();
}
