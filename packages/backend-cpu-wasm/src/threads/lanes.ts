import type { WasmContext } from '../context.js';

/** One wasm export call: the kernel's name and its numeric arguments. */
export interface KernelCall {
  readonly name: string;
  readonly args: readonly number[];
}

/**
 * Where a kernel's parallel work runs. Lane 0 is the calling thread; lanes 1.. are pool workers
 * sharing the wasm memory. Each lane owns a scratch block for GEMM packing.
 */
export interface Lanes {
  /** Lanes usable now (1 without threads). */
  readonly count: number;
  /** The GEMM packing block of a lane (gemm_work_bytes() bytes). */
  workBuffer(lane: number): number;
  /**
   * Runs `work[i]` (a list of calls, in order) on lane i, all lanes at once, and returns when every
   * lane is done. An error in any lane is thrown here.
   */
  run(work: readonly (readonly KernelCall[])[]): void;
}

/** Splits [0, total) into at most `parts` ranges whose starts are multiples of `align`. */
export function splitRange(total: number, parts: number, align: number): [number, number][] {
  const chunk = Math.max(align, Math.ceil(total / parts / align) * align);
  const ranges: [number, number][] = [];
  for (let start = 0; start < total; start += chunk) ranges.push([start, Math.min(start + chunk, total)]);
  return ranges;
}

/** The lanes of a context with no worker pool: everything on the calling thread. */
export class SerialLanes implements Lanes {
  readonly count = 1;
  private work = 0;

  constructor(private readonly context: WasmContext) {}

  workBuffer(): number {
    if (this.work === 0) this.work = this.context.heap.allocate(this.context.exports.gemm_work_bytes() as number);
    return this.work;
  }

  run(work: readonly (readonly KernelCall[])[]): void {
    for (const calls of work) for (const { name, args } of calls) this.context.call(name, ...args);
  }
}

const lanesByContext = new WeakMap<WasmContext, () => Lanes>();

/** Installs where a context's parallel kernels find their lanes (the backend does, at creation). */
export function provideLanes(context: WasmContext, lanes: () => Lanes): void {
  lanesByContext.set(context, lanes);
}

/** The lanes a context's kernels run on now. */
export function lanesOf(context: WasmContext): Lanes {
  let lanes = lanesByContext.get(context);
  if (lanes === undefined) {
    const serial = new SerialLanes(context);
    lanes = () => serial;
    lanesByContext.set(context, lanes);
  }
  return lanes();
}
