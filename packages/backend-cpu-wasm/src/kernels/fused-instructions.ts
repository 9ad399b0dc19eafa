import type { DataId, FusedProgram, Kernel, KernelInput, KernelTable, TensorInfo } from '@tessera/core';
import { ArgumentError, BackendError, getPrimitive, isUnsupported } from '@tessera/core';
import type { WasmContext } from '../context.js';

/**
 * The program one instruction at a time on the kernels, each temporary freed after its last read,
 * outputs broadcast to the region's shape where a register is smaller.
 */
export function runInstructions(
  kernels: KernelTable,
  context: WasmContext,
  program: FusedProgram,
  inputs: readonly KernelInput[],
  outputs: readonly TensorInfo[],
): DataId[] {
  const kernel = (op: string): Kernel => {
    const k = (kernels as unknown as Record<string, Kernel | { unsupported: string }>)[op];
    if (k === undefined || isUnsupported(k)) throw new BackendError(`fused: the wasm backend has no kernel for '${op}'`);
    return k;
  };
  const registers: KernelInput[] = [...inputs];
  const lastUse = new Map<number, number>();
  program.instructions.forEach(({ args }, k) => args.forEach((r) => lastUse.set(r, k)));
  const kept = new Set(program.outputs);
  const temporaries = new Set<number>();
  const handedOut = new Set<number>();
  const results: DataId[] = [];
  try {
    program.instructions.forEach(({ op, args, attrs }, k) => {
      const primitive = getPrimitive(op);
      if (primitive === undefined) throw new ArgumentError(`fused: unknown instruction '${op}'`);
      const argInputs = args.map((r) => registers[r]);
      const [info] = primitive.infer(argInputs, attrs as never);
      const [id] = kernel(op)(argInputs, attrs, [info]);
      temporaries.add(registers.length);
      registers.push({ id, shape: info.shape, dtype: info.dtype });
      for (const r of new Set(args)) {
        if (lastUse.get(r) === k && temporaries.has(r) && !kept.has(r)) {
          context.storage.free(registers[r].id);
          temporaries.delete(r);
        }
      }
    });
    program.outputs.forEach((r, o) => {
      const register = registers[r];
      const target = outputs[o];
      if (register.shape.length !== target.shape.length || register.shape.some((d, i) => d !== target.shape[i])) {
        results.push(kernel('broadcastTo')([register], { shape: target.shape }, [target])[0]);
      } else if (temporaries.has(r) && !handedOut.has(r)) {
        handedOut.add(r);
        results.push(register.id);
      } else {
        results.push(context.storage.share(register.id));
      }
    });
    return results;
  } catch (error) {
    const handed = new Set([...handedOut].map((r) => registers[r].id));
    for (const id of results) if (!handed.has(id)) context.storage.free(id);
    handedOut.clear();
    throw error;
  } finally {
    for (const r of temporaries) if (!handedOut.has(r)) context.storage.free(registers[r].id);
  }
}
