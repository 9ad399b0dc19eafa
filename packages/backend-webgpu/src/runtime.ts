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
  /**
   * Set when a contraction's raw result was not computed because its epilogue was fused into it
   * (kernels/fused.ts): `run` records the contraction into this storage after all, should anyone
   * read it; `drop` lets go of what it keeps alive. Whoever uses the storage calls `run` first.
   */
  pending?: { run(): void; drop(): void };
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
/** Op parameters one program may have. */
export const MAX_OP_PARAMS = MAX_PARAMS - RESERVED_PARAMS;
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
  /**
   * Several outputs (a fused region): bound as `y0..yk` instead of `y`, one storage each, all of
   * `outputElements` elements. `outputDType` is ignored when this is given.
   */
  readonly outputDTypes?: readonly DType[];
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
  /**
   * A contraction's program with an elementwise epilogue applied to each result before it is
   * stored (kernels/gemm.ts), or undefined where the epilogue cannot ride along.
   */
  readonly withEpilogue?: (epilogue: GemmEpilogue) => Program | undefined;
}

/** An elementwise epilogue for a contraction's store: WGSL given the flat result index `i` and `value`. */
export interface GemmEpilogue {
  /** Tells the epilogue apart in the pipeline cache (the contraction's own key is prefixed). */
  readonly key: string;
  /** Inputs bound after the contraction's own `first` ones (named `x{first}`, ...). */
  readonly inputs: readonly ProgramInput[];
  /**
   * The store's WGSL statements (they see `i` and `value` and write `y0..yk` at `i`) and their
   * parameters, which follow the contraction's own from `q(base)` on; inputs are named from `x{first}`.
   */
  readonly code: (base: number, first: number) => { readonly store: string; readonly params: readonly number[] };
  readonly outputDTypes: readonly DType[];
  readonly helpers: string;
}

/** One dispatch as a graph capture saw it (see graph-executable.ts): enough to record it again. */
export interface CapturedDispatch {
  /** The program's key (`random:normal`, ...) and its uniform words, for a replay that rewrites them. */
  readonly key: string;
  readonly params: Int32Array<ArrayBuffer>;
  readonly pipeline: GPUComputePipeline;
  /** The buffer at each binding (binding 0 is the uniform) and the bytes bound. */
  readonly buffers: GPUBuffer[];
  readonly sizes: readonly number[];
  readonly workgroups: readonly [number, number, number];
}

/**
 * What the runtime notes while a traced graph's run is captured: the dispatches in order, the
 * buffers allocated, the ones released (held back from the pool, so no two values of the capture
 * share a buffer and the uniforms keep their parameters) and the ones written from the CPU.
 */
export interface Capture {
  readonly dispatches: CapturedDispatch[];
  readonly allocated: Set<GPUBuffer>;
  readonly released: GPUBuffer[];
  readonly written: Set<GPUBuffer>;
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
  /** A contraction recorded late, so that an epilogue arriving next can be fused into it (see `defer`). */
  private deferred: { readonly program: Program; readonly output: Handle } | undefined;
  /** Dispatches, submits and bind groups so far, for statistics and tests. */
  dispatches = 0;
  submits = 0;
  bindGroups = 0;
  /** Pipelines made by `createComputePipelineAsync` ahead of a graph's first run. */
  pipelinesPrepared = 0;
  /** Set while a graph's run is captured (graph-executable.ts). */
  capture: Capture | undefined;
  /** Set while a graph runs only to find its pipelines: nothing is dispatched, pipelines are made asynchronously. */
  private preparing: Map<string, Promise<GPUComputePipeline>> | undefined;

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
    const buffer = this.pool.acquire(bytes, usage);
    this.capture?.allocated.add(buffer);
    return { storage: { buffer, dtype, elements, bytes, refs: 1 }, freed: false };
  }

  /** Gives a storage buffer back to the pool (held back while a capture runs: the capture decides). */
  release(buffer: GPUBuffer): void {
    if (this.capture !== undefined) this.capture.released.push(buffer);
    else this.pool.release(buffer);
  }

  /** Records one program; returns its output handle (a fresh one unless `into` is given). */
  run(program: Program, outputElements: number, into?: Handle): Handle {
    const output = into ?? this.allocate(outputElements, program.outputDType);
    this.record(program, [output]);
    return output;
  }

  /** Records a program with `program.outputDTypes` outputs of `outputElements` each; returns their fresh handles. */
  runMany(program: Program, outputElements: number): Handle[] {
    const outputs = program.outputDTypes!.map((dtype) => this.allocate(outputElements, dtype));
    this.record(program, outputs);
    return outputs;
  }

  /**
   * Like `run`, but the dispatch is recorded only when the next command is (or at a flush or read):
   * if that next command is an epilogue of this result, `takeDeferred` hands the program to it, and
   * the contraction and its epilogue become one dispatch. Nothing can observe the delay, since every
   * later command records it first, and buffers are reused only after a submit.
   */
  defer(program: Program, outputElements: number): Handle {
    this.materialize();
    const output = this.allocate(outputElements, program.outputDType);
    if (program.threads > 0) this.deferred = { program, output };
    return output;
  }

  /** The deferred program writing `storage`, if it is the one waiting. */
  peekDeferred(storage: Storage): Program | undefined {
    return this.deferred?.output.storage === storage ? this.deferred.program : undefined;
  }

  /** Takes the waiting program out: it will not be recorded unless the caller does so. */
  takeDeferred(storage: Storage): Program | undefined {
    const program = this.peekDeferred(storage);
    if (program !== undefined) this.deferred = undefined;
    return program;
  }

  /** Records the deferred contraction, if any. */
  materialize(): void {
    const deferred = this.deferred;
    if (deferred === undefined) return;
    this.deferred = undefined;
    this.record(deferred.program, [deferred.output]);
  }

  private record(program: Program, outputs: readonly Handle[]): void {
    this.materialize();
    if (program.threads === 0) return;
    if (program.params.length > MAX_PARAMS - RESERVED_PARAMS) {
      throw new RangeError(`webgpu: ${program.key} has ${program.params.length} parameters, more than ${MAX_PARAMS - RESERVED_PARAMS}`);
    }
    if (this.preparing !== undefined) {
      this.preparePipeline(program);
      return;
    }
    const pipeline = this.pipeline(program);
    const params = new Int32Array(MAX_PARAMS);
    params[0] = program.threads;
    params[1] = 0x7f800000;
    params.set(program.params, RESERVED_PARAMS);
    const uniform = this.pool.acquire(UNIFORM_BYTES, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.device.queue.writeBuffer(uniform, 0, params);
    const buffers = [uniform];
    const sizes = [UNIFORM_BYTES];
    for (const input of program.inputs) {
      buffers.push(input.handle.storage.buffer);
      sizes.push(input.handle.storage.bytes);
    }
    for (const output of outputs) {
      buffers.push(output.storage.buffer);
      sizes.push(output.storage.bytes);
    }
    const bindGroup = this.bindGroup(pipeline, buffers, sizes);
    const workgroups = program.workgroups ?? this.layout1d(program.threads, program.workgroupSize ?? 64);
    this.dispatch(pipeline, bindGroup, workgroups);
    // The uniform is used by this batch only: it may be reused once the batch is submitted. A
    // capture keeps it, with its parameters, for the dispatch's replays.
    if (this.capture !== undefined) this.capture.dispatches.push({ key: program.key, params, pipeline, buffers, sizes, workgroups });
    else this.pool.release(uniform);
  }

  /**
   * Records a captured dispatch again with new uniform words (a random op's fresh seed): a uniform
   * of its own for this batch, bound with `buffers` (whose first, the captured uniform, it replaces).
   */
  dispatchWithParams(pipeline: GPUComputePipeline, params: Int32Array<ArrayBuffer>, buffers: readonly GPUBuffer[], sizes: readonly number[], workgroups: readonly [number, number, number]): void {
    const uniform = this.pool.acquire(UNIFORM_BYTES, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.device.queue.writeBuffer(uniform, 0, params);
    this.dispatch(pipeline, this.bindGroup(pipeline, [uniform, ...buffers.slice(1)], sizes), workgroups);
    this.pool.release(uniform);
  }

  /** A bind group for `pipeline` with `buffers[k]` (its first `sizes[k]` bytes) at binding k. */
  bindGroup(pipeline: GPUComputePipeline, buffers: readonly GPUBuffer[], sizes: readonly number[]): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = buffers.map((buffer, k) => ({ binding: k, resource: { buffer, size: sizes[k] } }));
    this.bindGroups++;
    return this.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries });
  }

  /** Records one dispatch of a ready pipeline and bind group into the batch. */
  dispatch(pipeline: GPUComputePipeline, bindGroup: GPUBindGroup, workgroups: readonly [number, number, number]): void {
    this.materialize();
    const pass = this.computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups[0], workgroups[1], workgroups[2]);
    this.dispatches++;
    if (++this.recorded >= DISPATCHES_PER_SUBMIT) this.flush();
  }

  /**
   * Runs `body` with nothing dispatched, creating every pipeline it asks for with
   * `createComputePipelineAsync` (in parallel, off the main thread where the browser can); resolves
   * once they are all in the cache.
   */
  async preparePipelines(body: () => void): Promise<void> {
    if (this.preparing !== undefined) throw new Error('webgpu: pipelines are already being prepared');
    this.materialize();
    const preparing = new Map<string, Promise<GPUComputePipeline>>();
    this.preparing = preparing;
    try {
      body();
      this.materialize();
    } finally {
      this.preparing = undefined;
    }
    const keys = [...preparing.keys()];
    const made = await Promise.all(preparing.values());
    keys.forEach((key, k) => {
      if (!this.pipelines.has(key)) this.pipelines.set(key, made[k]);
    });
    this.pipelinesPrepared += made.length;
  }

  private preparePipeline(program: Program): void {
    const key = this.pipelineKey(program);
    if (this.pipelines.has(key) || this.preparing!.has(key)) return;
    const module = this.device.createShaderModule({ code: shaderSource(program, program.workgroupSize ?? 64), label: program.key });
    this.preparing!.set(key, this.device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: program.key }));
  }

  /** Submits whatever is recorded. */
  flush(): void {
    this.materialize();
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
    this.materialize();
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
    this.capture?.written.add(handle.storage.buffer);
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

  private pipelineKey(program: Program): string {
    const types = program.inputs.map((x) => WGSL_TYPE[x.dtype]).join(',');
    const outputTypes = (program.outputDTypes ?? [program.outputDType]).map((dtype) => WGSL_TYPE[dtype]).join(',');
    return `${program.key}|${types}->${outputTypes}|${program.workgroupSize ?? 64}`;
  }

  private pipeline(program: Program): GPUComputePipeline {
    const key = this.pipelineKey(program);
    let pipeline = this.pipelines.get(key);
    if (pipeline === undefined) {
      const module = this.device.createShaderModule({ code: shaderSource(program, program.workgroupSize ?? 64), label: program.key });
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
  if (program.outputDTypes === undefined) {
    bindings.push(`@group(0) @binding(${program.inputs.length + 1}) var<storage, read_write> y: array<${WGSL_TYPE[program.outputDType]}>;`);
  } else {
    program.outputDTypes.forEach((dtype, k) => {
      bindings.push(`@group(0) @binding(${program.inputs.length + 1 + k}) var<storage, read_write> y${k}: array<${WGSL_TYPE[dtype]}>;`);
    });
  }
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
