import type { DataId, DType, FusedProgram, Kernel, KernelInput, TensorInfo } from '@tessera/core';
import { BackendError, getPrimitive, sizeOf } from '@tessera/core';
import type { WebGPUBackend } from '../backend.js';
import type { Handle, Program } from '../runtime.js';
import { MAX_OP_PARAMS } from '../runtime.js';
import { MAX_RANK, input } from './common.js';
import type { Expr } from './elementwise.js';
import { broadcastIndexing, elementwiseExpr } from './elementwise.js';
import { MATH_WGSL } from './math-wgsl.js';


/** One shader for a fused region, or why the region has none (then it runs op by op). */
type Generated = { readonly program: Program } | { readonly unsupported: string };

/**
 * Runs a fused elementwise region (core's `Backend.runFused`): one generated shader computes every
 * instruction of `program` per output element and writes all its outputs, so the chain crosses
 * memory once. Each instruction is the WGSL expression of its single-op kernel (elementwise.ts), so
 * results, NaN and ±Infinity included, are the kernels' own. A region this backend cannot generate
 * (an instruction without an expression, more bindings than the device has, a rank above
 * MAX_RANK) runs one instruction at a time on the kernels instead, which either computes it or
 * raises the kernel's own error; never a different answer.
 */
export function runFused(backend: WebGPUBackend, program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
  backend.check('fused');
  if (inputs.length !== program.numInputs) {
    throw new BackendError(`fused: the program takes ${program.numInputs} inputs, got ${inputs.length}`);
  }
  if (outputs.length !== program.outputs.length) {
    throw new BackendError(`fused: the program writes ${program.outputs.length} outputs, got ${outputs.length} output shapes`);
  }
  inputs.forEach((x, k) => backend.handle(x.id, `fused input ${k}`));
  const intoContraction = fuseIntoContraction(backend, program, inputs, outputs);
  if (intoContraction !== undefined) return intoContraction;
  const generated = generate(backend, program, inputs, outputs);
  if ('unsupported' in generated) return runByInstruction(backend, program, inputs, outputs);
  const elements = sizeOf(outputs[0].shape);
  return backend.runtime.runMany(generated.program, elements).map((handle) => backend.track(handle));
}

/** The pipeline cache key of a program apart from shapes: instructions, register dtypes, outputs. */
function programKey(program: FusedProgram, inputDTypes: readonly DType[]): string {
  const instructions = program.instructions.map((ins) => {
    const cast = ins.op === 'cast' ? `>${String(ins.attrs.dtype)}` : '';
    return `${ins.op}${cast}(${ins.args.join(',')})${ins.dtype}`;
  });
  return `${inputDTypes.join(',')}|${instructions.join(';')}|${program.outputs.join(',')}`;
}

/** WGSL `let` lines defining every register, or why an instruction has no expression here. */
function registerLines(program: FusedProgram, sources: readonly string[], inputDTypes: readonly DType[]): { lines: string[]; dtypes: DType[] } | { unsupported: string } {
  const dtypes: DType[] = [...inputDTypes];
  const lines: string[] = sources.map((source, k) => `let r${k} = ${source};`);
  for (const ins of program.instructions) {
    const register = dtypes.length;
    if (ins.args.some((r) => !Number.isInteger(r) || r < 0 || r >= register)) {
      throw new BackendError(`fused: instruction ${register - program.numInputs} (${ins.op}) reads a register not defined before it: [${ins.args.join(', ')}]`);
    }
    const expr: Expr | undefined = elementwiseExpr(
      ins.op,
      ins.args.map((r) => dtypes[r]),
      ins.attrs,
    );
    if (expr === undefined) return { unsupported: `no WGSL expression for ${ins.op}` };
    const [a, b, c] = ins.args.map((r) => `r${r}`);
    lines.push(`let r${register} = ${expr(a, b ?? '', c ?? '')};`);
    dtypes.push(ins.dtype);
  }
  return { lines, dtypes };
}

/** Checks the outputs: one shape for all, each of its register's dtype. */
function sameShapeOutputs(program: FusedProgram, dtypes: readonly DType[], outputs: readonly TensorInfo[]): boolean {
  program.outputs.forEach((r, k) => {
    if (!Number.isInteger(r) || r < 0 || r >= dtypes.length) throw new BackendError(`fused: output ${k} names register ${r}, which the program does not define`);
    if (dtypes[r] !== outputs[k].dtype) throw new BackendError(`fused: output ${k} is register ${r} of dtype ${dtypes[r]}, but a ${outputs[k].dtype} output was asked for`);
  });
  const shape = outputs[0].shape;
  return outputs.every((o) => sameShape(o.shape, shape));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, k) => d === b[k]);
}

function generate(backend: WebGPUBackend, program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): Generated {
  const shape = outputs[0].shape;
  if (shape.length > MAX_RANK || inputs.some((x) => x.shape.length > MAX_RANK)) return { unsupported: `rank above ${MAX_RANK}` };
  const bindings = inputs.length + outputs.length;
  if (bindings > backend.runtime.device.limits.maxStorageBuffersPerShaderStage) return { unsupported: `${bindings} storage bindings` };
  const registers = registerLines(program, inputs.map((_, k) => `x${k}[o${k}]`), inputs.map((x) => x.dtype));
  if ('unsupported' in registers) return registers;
  const { lines, dtypes } = registers;
  if (!sameShapeOutputs(program, dtypes, outputs)) return { unsupported: 'outputs of different shapes' };
  const { layout, index, params } = broadcastIndexing(inputs, shape);
  if (params.length > MAX_OP_PARAMS) return { unsupported: `${params.length} parameters` };
  return {
    program: {
      key: `fused:${layout}:${programKey(program, dtypes.slice(0, inputs.length))}`,
      inputs: inputs.map((x) => input(backend, x, 'fused')),
      outputDType: outputs[0].dtype,
      outputDTypes: outputs.map((o) => o.dtype),
      params,
      helpers: MATH_WGSL,
      body: `if (i >= n) { return; }
  ${index}
  ${lines.join('\n  ')}
  ${program.outputs.map((r, k) => `y${k}[i] = r${r};`).join('\n  ')}`,
      threads: sizeOf(shape),
    },
  };
}

/**
 * An epilogue fused into the contraction that produced register 0 (matMul or conv2d, whose dispatch
 * is still waiting: GpuRuntime.defer): the GEMM applies the program to each result in registers and
 * stores the outputs, so the raw result never goes through memory. The raw result's storage keeps
 * the plain contraction (and its inputs) pending, in case anything reads it later.
 */
function fuseIntoContraction(backend: WebGPUBackend, program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] | undefined {
  if (inputs.length === 0) return undefined;
  const result = inputs[0].id as Handle;
  const contraction = backend.runtime.peekDeferred(result.storage);
  if (contraction?.withEpilogue === undefined) return undefined;
  const extras = inputs.slice(1);
  // The raw result is not in memory: no other input may be it, and the contraction's inputs must still be alive to keep.
  if (extras.some((x) => (x.id as Handle).storage === result.storage)) return undefined;
  if (contraction.inputs.some((x) => x.handle.storage.refs === 0)) return undefined;
  const shape = inputs[0].shape;
  if (!outputs.every((o) => sameShape(o.shape, shape)) || shape.length > MAX_RANK || extras.some((x) => x.shape.length > MAX_RANK)) return undefined;
  const bindings = contraction.inputs.length + extras.length + outputs.length;
  if (bindings > backend.runtime.device.limits.maxStorageBuffersPerShaderStage) return undefined;
  const first = contraction.inputs.length;
  const sources = ['value', ...extras.map((_, k) => `x${first + k}[o${first + k}]`)];
  const registers = registerLines(program, sources, inputs.map((x) => x.dtype));
  if ('unsupported' in registers) return undefined;
  if (!sameShapeOutputs(program, registers.dtypes, outputs)) return undefined;
  const layout = broadcastIndexing(extras, shape).layout;
  const fused = contraction.withEpilogue({
    key: `${layout}:${programKey(program, inputs.map((x) => x.dtype))}`,
    inputs: extras.map((x) => input(backend, x, 'fused')),
    outputDTypes: outputs.map((o) => o.dtype),
    helpers: MATH_WGSL,
    code: (base, firstInput) => {
      const { index, params } = broadcastIndexing(extras, shape, base, firstInput);
      const writes = program.outputs.map((r, k) => `y${k}[i] = r${r};`);
      return { store: [index, ...registers.lines, ...writes].join('\n  '), params };
    },
  });
  if (fused === undefined) return undefined;
  backend.runtime.takeDeferred(result.storage);
  // Keep the contraction's inputs alive while its raw result may still be asked for.
  const kept = contraction.inputs.map(({ handle }) => {
    handle.storage.refs++;
    return { storage: handle.storage, freed: false } as Handle;
  });
  const release = () => kept.forEach((h) => backend.free(h));
  result.storage.pending = {
    run: () => {
      backend.runtime.run(contraction, result.storage.elements, result);
      release();
    },
    drop: release,
  };
  return backend.runtime.runMany(fused, sizeOf(shape)).map((handle) => backend.track(handle));
}

/**
 * The region one instruction at a time on the kernels (what the tracer's executor does without
 * `runFused`): each temporary freed after its last use, outputs broadcast to the region's shape.
 */
function runByInstruction(backend: WebGPUBackend, program: FusedProgram, inputs: readonly KernelInput[], outputs: readonly TensorInfo[]): DataId[] {
  const registers: KernelInput[] = [...inputs];
  const owned = new Set<number>();
  const lastUse = new Map<number, number>();
  program.instructions.forEach((ins, k) => ins.args.forEach((r) => lastUse.set(r, k)));
  program.outputs.forEach((r) => lastUse.set(r, Infinity));
  const results: DataId[] = [];
  try {
    program.instructions.forEach((ins, k) => {
      const primitive = getPrimitive(ins.op);
      if (primitive === undefined) throw new BackendError(`fused: unknown instruction '${ins.op}'`);
      const args = ins.args.map((r) => registers[r]);
      const [info] = primitive.infer(args, ins.attrs as never);
      const [id] = kernelOf(backend, ins.op)(args, ins.attrs, [info]);
      owned.add(registers.length);
      registers.push({ id, shape: info.shape, dtype: info.dtype });
      for (const r of new Set(ins.args)) {
        if (lastUse.get(r) === k && owned.delete(r)) backend.free(registers[r].id);
      }
    });
    program.outputs.forEach((r, k) => {
      const register = registers[r];
      const target = outputs[k];
      const same = register.shape.length === target.shape.length && register.shape.every((d, j) => d === target.shape[j]);
      results.push(same ? backend.share(register.id) : kernelOf(backend, 'broadcastTo')([register], { shape: target.shape }, [target])[0]);
    });
    return results;
  } catch (error) {
    results.forEach((id) => backend.free(id));
    throw error;
  } finally {
    for (const r of owned) backend.free(registers[r].id);
  }
}

/** This backend's kernel for an op; every primitive has one here (the table is typed over all of them). */
function kernelOf(backend: WebGPUBackend, op: string): Kernel {
  const kernel = (backend.kernels as unknown as Record<string, Kernel | undefined>)[op];
  if (typeof kernel !== 'function') throw new BackendError(`fused: instruction '${op}' has no kernel on the webgpu backend`);
  return kernel;
}
