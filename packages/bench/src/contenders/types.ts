import type { InputSet, Workload } from '../workloads.js';

/** One contender set up for one workload, inside its own child process. */
export interface Instance {
  /** One call of the workload, its result read back to the CPU (so asynchronous work is finished). */
  run(): Promise<Float32Array> | Float32Array;
  /** For training workloads: the parameters after the steps run so far, concatenated in input order. */
  state?(): Promise<Float32Array> | Float32Array;
  /** Turns an output of `run` into the workload's reference layout (NHWC) when the library's differs. */
  toReferenceLayout?(output: Float32Array): Float32Array;
  dispose?(): Promise<void> | void;
  /** Something the table should say about how this contender ran (threads it really got, settings). */
  note?: string;
}

export type CreateInstance = (variant: string, workload: Workload, inputs: InputSet) => Promise<Instance>;

/** Thrown while setting up when a contender cannot run here: a package or export missing, no adapter. */
export class Unavailable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Unavailable';
  }
}

export function requireShape(inputs: InputSet, name: string): { shape: number[]; data: Float32Array } {
  const input = inputs[name];
  if (!input) throw new Error(`bench: workload input "${name}" is missing`);
  return input;
}

export function concatenate(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** NHWC → NCHW, for libraries whose convolutions want channels first. */
export function nhwcToNchw(data: Float32Array, [n, h, w, c]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + x] = data[((b * h + y) * w + x) * c + ch];
  return out;
}

export function nchwToNhwc(data: Float32Array, [n, c, h, w]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = data[((b * c + ch) * h + y) * w + x];
  return out;
}

/** HWIO filter → OIHW. */
export function hwioToOihw(data: Float32Array, [kh, kw, ci, co]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++)
    for (let x = 0; x < kw; x++)
      for (let i = 0; i < ci; i++)
        for (let o = 0; o < co; o++) out[((o * ci + i) * kh + y) * kw + x] = data[((y * kw + x) * ci + i) * co + o];
  return out;
}

export function oihwToHwio(data: Float32Array, [co, ci, kh, kw]: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  for (let o = 0; o < co; o++)
    for (let i = 0; i < ci; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((y * kw + x) * ci + i) * co + o] = data[((o * ci + i) * kh + y) * kw + x];
  return out;
}

/** Imports a package, turning "not installed" into Unavailable. */
export async function importOptional<T = any>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND' || code === 'ERR_PACKAGE_PATH_NOT_EXPORTED') {
      throw new Unavailable(`${specifier} is not installed or not built (${(error as Error).message.split('\n')[0]})`);
    }
    throw error;
  }
}
