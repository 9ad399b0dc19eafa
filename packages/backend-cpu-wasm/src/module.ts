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

/**
 * Whether this environment can share a wasm memory between threads: SharedArrayBuffer exists and,
 * in a browser, the page is cross-origin isolated (Node is always allowed).
 */
export function sharedMemoryAvailable(): boolean {
  if (typeof SharedArrayBuffer === 'undefined') return false;
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
  if (isolated === false) return false;
  try {
    return new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

/**
 * The binary with its memory import declared shared. `asc --sharedMemory` differs from the default
 * build in exactly this flag, and the kernels use no atomics, so one embedded binary serves both a
 * plain memory and a shared one (for the worker pool) with this byte set.
 */
function withSharedMemoryImport(bytes: Uint8Array): Uint8Array {
  const out = bytes.slice();
  let at = 8;
  while (at < out.length) {
    const id = out[at];
    const [size, body] = readLeb(out, at + 1);
    if (id === 2) {
      let [count, p] = readLeb(out, body);
      while (count-- > 0) {
        const [moduleLength, afterModule] = readLeb(out, p);
        const [fieldLength, afterField] = readLeb(out, afterModule + moduleLength);
        p = afterField + fieldLength;
        const kind = out[p++];
        if (kind === 2) {
          // Memory limits: flags (bit 0 has-maximum, bit 1 shared), then the sizes.
          out[p] |= 0x02;
          return out;
        }
        // Function imports carry a type index, tables a type and limits, globals a type and mutability.
        if (kind === 0) p = readLeb(out, p)[1];
        else if (kind === 1) p = skipLimits(out, p + 1);
        else p += 2;
      }
    }
    at = body + size;
  }
  throw new Error('wasm: the kernels module imports no memory');
}

function skipLimits(bytes: Uint8Array, at: number): number {
  const flags = bytes[at];
  let p = readLeb(bytes, at + 1)[1];
  if (flags & 1) p = readLeb(bytes, p)[1];
  return p;
}

const compiled = new Map<boolean, WebAssembly.Module>();
const compiling = new Map<boolean, Promise<WebAssembly.Module>>();

function binary(shared: boolean): Uint8Array<ArrayBuffer> {
  const bytes = decodeBase64(KERNELS_WASM_BASE64);
  return (shared ? withSharedMemoryImport(bytes) : bytes) as Uint8Array<ArrayBuffer>;
}

/** The compiled kernels for a plain (`shared` false) or shared memory, compiled once per process. */
export async function compileKernels(shared: boolean): Promise<WebAssembly.Module> {
  const done = compiled.get(shared);
  if (done !== undefined) return done;
  let pending = compiling.get(shared);
  if (pending === undefined) compiling.set(shared, (pending = WebAssembly.compile(binary(shared))));
  const module = await pending;
  compiled.set(shared, module);
  return module;
}

/**
 * The same, synchronously. Node and workers allow it; a browser's main thread refuses to compile a
 * module this size synchronously (a RangeError), and the caller falls back to `compileKernels`.
 */
export function compileKernelsSync(shared: boolean): WebAssembly.Module {
  let module = compiled.get(shared);
  if (module === undefined) compiled.set(shared, (module = new WebAssembly.Module(binary(shared))));
  return module;
}

/**
 * What the module imports: the memory the JS allocator owns, and the host's log and cos. The
 * worker source (threads/worker-source.ts) builds the same object; keep the two in step.
 */
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
export async function instantiateKernels(
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
): Promise<{ exports: KernelExports; heapBase: number }> {
  return kernelsOf(await WebAssembly.instantiate(module, imports(memory)));
}

export function instantiateKernelsSync(module: WebAssembly.Module, memory: WebAssembly.Memory): { exports: KernelExports; heapBase: number } {
  return kernelsOf(new WebAssembly.Instance(module, imports(memory)));
}
