import { KERNELS_WASM_BASE64 } from './generated/kernels-wasm.js';

/** The kernels the wasm module exports: plain functions of addresses and sizes. */
export type KernelExports = Record<string, (...args: number[]) => number | void>;

function decodeBase64(text: string): Uint8Array {
  // atob exists in browsers and in Node 16+; the binary is decoded once per backend.
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

let compiled: WebAssembly.Module | undefined;
let compiling: Promise<WebAssembly.Module> | undefined;

/** What the module imports: the memory the JS allocator owns, and the host's log and cos. */
function imports(memory: WebAssembly.Memory): WebAssembly.Imports {
  // Box-Muller in assembly/random.ts uses the host's log and cos, so that samples match core's reference bit for bit.
  return { env: { memory, mathLog: Math.log, mathCos: Math.cos } };
}

function kernelsOf(instance: WebAssembly.Instance): { exports: KernelExports; heapBase: number } {
  const exports = instance.exports as unknown as KernelExports;
  return { exports, heapBase: exports.heapBase() as number };
}

/**
 * Instantiates the kernels over `memory`. Plain `WebAssembly.instantiate` rather than
 * `@assemblyscript/loader`: the module is built with the stub runtime and exchanges only numbers
 * (addresses, sizes), so the loader's helpers for managed strings and arrays have nothing to do.
 */
export async function instantiateKernels(memory: WebAssembly.Memory): Promise<{ exports: KernelExports; heapBase: number }> {
  if (compiled === undefined) {
    compiling ??= WebAssembly.compile(decodeBase64(KERNELS_WASM_BASE64) as Uint8Array<ArrayBuffer>);
    compiled = await compiling;
  }
  return kernelsOf(await WebAssembly.instantiate(compiled, imports(memory)));
}

/**
 * The same, synchronously. Node and workers allow it; a browser's main thread refuses to compile a
 * module this size synchronously (a RangeError), and the caller falls back to `instantiateKernels`.
 */
export function instantiateKernelsSync(memory: WebAssembly.Memory): { exports: KernelExports; heapBase: number } {
  compiled ??= new WebAssembly.Module(decodeBase64(KERNELS_WASM_BASE64) as Uint8Array<ArrayBuffer>);
  return kernelsOf(new WebAssembly.Instance(compiled, imports(memory)));
}
