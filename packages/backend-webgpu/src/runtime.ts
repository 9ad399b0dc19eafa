import type { DType } from '@tessera/core';
import { BufferPool } from './buffer-pool.js';
import { BufferUsage, MapMode } from './gpu-flags.js';

/** Tensor storage on the GPU: every dtype uses 32-bit words (bool as a u32 0 or 1). */
export interface Storage {
  readonly buffer: GPUBuffer;
  readonly dtype: DType;
  readonly elements: number;
  /** Bytes of tensor data (4 per element), at least 4. */
  readonly bytes: number;
  refs: number;
}

/** A data handle: reshapes get their own handle on the same storage. */
export interface Handle {
  readonly storage: Storage;
  freed: boolean;
}

/** The WGSL scalar type each dtype is stored and computed as. */
export const WGSL_TYPE: Readonly<Record<DType, 'f32' | 'i32' | 'u32'>> = { float32: 'f32', int32: 'i32', bool: 'u32' };

/** Uniform parameter slots every program gets: [0] thread count, [1] the bits of +Infinity; op params follow. */
const RESERVED_PARAMS = 2;
/** Uniform capacity in i32 words (a fixed size, so one struct declaration serves every program). */
const MAX_PARAMS = 96;
const UNIFORM_BYTES = MAX_PARAMS * 4;
/** Dispatches recorded before the batch is submitted without waiting for a read. */
const DISPATCHES_PER_SUBMIT = 64;
const MAX_GROUPS_PER_DIMENSION = 65535;

/** Helpers every shader may call: parameters, IEEE tests that no optimizer can assume away, constants. */
const PRELUDE = /* wgsl */ `
struct Params { v: array<vec4<i32>, ${MAX_PARAMS / 4}> };
@group(0) @binding(0) var<uniform> P: Params;
fn prm(k: i32) -> i32 { return P.v[k / 4][k % 4]; }
/** Op parameter k (after the reserved slots). */
fn q(k: i32) -> i32 { return prm(k + ${RESERVED_PARAMS}); }
fn qf(k: i32) -> f32 { return bitcast<f32>(q(k)); }
fn inf() -> f32 { return bitcast<f32>(prm(1)); }
fn nan() -> f32 { return bitcast<f32>(prm(1) | 0x400000); }
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
`;

export interface ProgramInput {
  readonly handle: Handle;
  readonly dtype: DType;
}

/** One compute dispatch: WGSL body, its inputs, parameters and its output. */
export interface Program {
  /** Identifies the generated WGSL apart from shapes: the pipeline cache key. */
  readonly key: string;
  readonly inputs: readonly ProgramInput[];
  readonly outputDType: DType;
  /** Op parameters as i32 words (floats through `f32Bits`), read in WGSL with `q(k)` / `qf(k)`. */
  readonly params: readonly number[];
  /** Module-scope WGSL (functions, workgroup arrays). */
  readonly helpers?: string;
  /**
   * The entry point's body. It sees `i` (the flat invocation index), `n` (the thread count),
   * `lid` (local index), `group` (the workgroup id flattened over x and y), `wx`, `wy`, `wz`, `x0..xk` and `y`.
   */
  readonly body: string;
  /** Invocations wanted; a 1-D program guards `i < n` itself. */
  readonly threads: number;
  readonly workgroupSize?: number;
  /** Explicit workgroup counts (x, y, z) instead of the 1-D layout from `threads`. */
  readonly workgroups?: readonly [number, number, number];
}

const f32View = new Float32Array(1);
const i32View = new Int32Array(f32View.buffer);

/** The i32 word holding a float32's bits, for float parameters. */
export function f32Bits(value: number): number {
  f32View[0] = value;
  return i32View[0];
}

/**
 * The GPU side of the backend: buffer pool, pipeline cache and the command batch. Kernels call
 * `run`; reads call `flush` and wait.
 */
export class GpuRuntime {
  readonly pool: BufferPool;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private recorded = 0;
  /** Dispatches and submits so far, for statistics and tests. */
  dispatches = 0;
  submits = 0;

  constructor(readonly device: GPUDevice) {
    this.pool = new BufferPool(device);
  }

  /** New tensor storage of `elements` 32-bit words. */
  allocate(elements: number, dtype: DType): Handle {
    const bytes = Math.max(4, elements * 4);
    const limit = Math.min(this.device.limits.maxBufferSize, this.device.limits.maxStorageBufferBindingSize);
    if (bytes > limit) {
      throw new RangeError(
        `webgpu: a ${dtype} tensor of ${elements} elements needs ${bytes} bytes, more than this device's largest storage buffer (${limit} bytes)`,
      );
    }
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    return { storage: { buffer: this.pool.acquire(bytes, usage), dtype, elements, bytes, refs: 1 }, freed: false };
  }

  /** Records one program; returns its output handle (a fresh one unless `into` is given). */
  run(program: Program, outputElements: number, into?: Handle): Handle {
    const output = into ?? this.allocate(outputElements, program.outputDType);
    if (program.threads === 0) return output;
    const pipeline = this.pipeline(program);
    const params = new Int32Array(MAX_PARAMS);
    if (program.params.length > MAX_PARAMS - RESERVED_PARAMS) {
      throw new RangeError(`webgpu: ${program.key} has ${program.params.length} parameters, more than ${MAX_PARAMS - RESERVED_PARAMS}`);
    }
    params[0] = program.threads;
    params[1] = 0x7f800000;
    params.set(program.params, RESERVED_PARAMS);
    const uniform = this.pool.acquire(UNIFORM_BYTES, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.device.queue.writeBuffer(uniform, 0, params);
    const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: uniform, size: UNIFORM_BYTES } }];
    program.inputs.forEach((input, k) => {
      const { buffer, bytes } = input.handle.storage;
      entries.push({ binding: k + 1, resource: { buffer, size: bytes } });
    });
    entries.push({ binding: program.inputs.length + 1, resource: { buffer: output.storage.buffer, size: output.storage.bytes } });
    const bindGroup = this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    const [x, y, z] = program.workgroups ?? this.layout1d(program.threads, program.workgroupSize ?? 64);
    pass.dispatchWorkgroups(x, y, z);
    // The uniform is used by this batch only: it may be reused once the batch is submitted.
    this.pool.release(uniform);
    this.dispatches++;
    if (++this.recorded >= DISPATCHES_PER_SUBMIT) this.flush();
    return output;
  }

  /** Submits whatever is recorded. */
  flush(): void {
    if (this.encoder === undefined) return;
    this.pass?.end();
    this.pass = undefined;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = undefined;
    this.recorded = 0;
    this.submits++;
    this.pool.submitted();
  }

  /** Copies a storage's bytes to a mappable buffer and returns them once the GPU is done. */
  async readBytes(storage: Storage): Promise<ArrayBuffer> {
    const staging = this.pool.acquire(storage.bytes, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
    this.commandEncoder();
    this.pass?.end();
    this.pass = undefined;
    this.encoder!.copyBufferToBuffer(storage.buffer, 0, staging, 0, storage.bytes);
    this.flush();
    try {
      await staging.mapAsync(MapMode.READ, 0, storage.bytes);
      return staging.getMappedRange(0, storage.bytes).slice(0);
    } finally {
      if (staging.mapState === 'mapped') staging.unmap();
      // The copy into it has completed (the map waited for it), so it may be lent again at once.
      this.pool.recycle(staging);
    }
  }

  write(handle: Handle, data: ArrayBufferView): void {
    this.device.queue.writeBuffer(handle.storage.buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private layout1d(threads: number, size: number): [number, number, number] {
    const groups = Math.ceil(threads / size);
    const x = Math.min(groups, MAX_GROUPS_PER_DIMENSION);
    return [x, Math.ceil(groups / x), 1];
  }

  private commandEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  private computePass(): GPUComputePassEncoder {
    this.pass ??= this.commandEncoder().beginComputePass();
    return this.pass;
  }

  private pipeline(program: Program): GPUComputePipeline {
    const size = program.workgroupSize ?? 64;
    const types = program.inputs.map((x) => WGSL_TYPE[x.dtype]).join(',');
    const key = `${program.key}|${types}->${WGSL_TYPE[program.outputDType]}|${size}`;
    let pipeline = this.pipelines.get(key);
    if (pipeline === undefined) {
      const module = this.device.createShaderModule({ code: shaderSource(program, size), label: program.key });
      pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: program.key });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }
}

/** The whole WGSL module of a program. */
export function shaderSource(program: Program, workgroupSize: number): string {
  const bindings = program.inputs.map(
    (input, k) => `@group(0) @binding(${k + 1}) var<storage, read> x${k}: array<${WGSL_TYPE[input.dtype]}>;`,
  );
  bindings.push(`@group(0) @binding(${program.inputs.length + 1}) var<storage, read_write> y: array<${WGSL_TYPE[program.outputDType]}>;`);
  return `${PRELUDE}
${bindings.join('\n')}
${program.helpers ?? ''}
@compute @workgroup_size(${workgroupSize})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lidu: u32, @builtin(workgroup_id) widv: vec3<u32>) {
  let n = prm(0);
  let i = i32(gid.x + gid.y * nwg.x * ${workgroupSize}u);
  let lid = i32(lidu);
  let group = i32(widv.x + widv.y * nwg.x);
  let wx = i32(widv.x);
  let wy = i32(widv.y);
  let wz = i32(widv.z);
  ${program.body}
}
`;
}
