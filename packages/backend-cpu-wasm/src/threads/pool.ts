import type { WasmContext } from '../context.js';
import type { KernelCall, Lanes } from './lanes.js';
import { SerialLanes } from './lanes.js';
import { ARGUMENT_WORDS, DONE, HEADER_WORDS, MESSAGE_UNITS, SEQUENCE, STATUS, controlLayout } from './protocol.js';
import { workerSource } from './worker-source.js';

/** The little of a worker this pool uses, in Node and in browsers alike. */
export interface PoolWorker {
  postMessage(message: unknown): void;
  terminate(): unknown;
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true; workerData: unknown }) => PoolWorker & {
    once(event: 'message' | 'error', listener: (value: unknown) => void): void;
    unref(): void;
  };
}

/** Node's worker_threads, without an import a browser bundler would try to resolve. */
function nodeWorkerThreads(): NodeWorkerThreads | undefined {
  const node = globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (name: string) => unknown } };
  if (node.process?.versions?.node === undefined) return undefined;
  return node.process.getBuiltinModule?.('node:worker_threads') as NodeWorkerThreads | undefined;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** What stopping a pool's workers needs, and nothing else (no reference to the backend). */
export interface WorkerHandles {
  readonly workers: PoolWorker[];
  readonly flags: Int32Array;
}

/** Tells each worker to leave its loop and terminates it. */
export function stopWorkers({ workers, flags }: WorkerHandles): void {
  for (let worker = 0; worker < workers.length; worker++) {
    Atomics.store(flags, worker * HEADER_WORDS + SEQUENCE, -1);
    Atomics.notify(flags, worker * HEADER_WORDS + SEQUENCE);
    void workers[worker].terminate();
  }
  workers.length = 0;
}

/** Whether worker threads can be started here at all. */
export function workersAvailable(): boolean {
  return nodeWorkerThreads() !== undefined || (typeof Worker !== 'undefined' && typeof Blob !== 'undefined' && typeof URL !== 'undefined');
}

/**
 * A fixed set of workers over a context's shared memory. Lane 0 is the calling thread; lane i runs
 * on the i-th worker that has reported ready (a browser starts workers only after the page's
 * script yields, so the pool grows into its size rather than blocking for it).
 */
export class WorkerPool implements Lanes {
  private readonly workers: PoolWorker[] = [];
  private readonly ready: number[] = [];
  private readonly flags: Int32Array;
  private readonly messages: Uint16Array[] = [];
  private readonly argumentAreas: Float64Array[] = [];
  private readonly sequences: number[] = [];
  private readonly workBuffers: number[] = [];
  private readonly functionIndex = new Map<string, number>();
  private readonly canBlock = mayBlock();
  private closed = false;
  /** Resolves when every worker has reported ready. */
  readonly started: Promise<void>;

  get handles(): WorkerHandles {
    return { workers: this.workers, flags: this.flags };
  }

  constructor(
    private readonly context: WasmContext,
    private readonly serial: SerialLanes,
    module: WebAssembly.Module,
    readonly size: number,
  ) {
    const layout = controlLayout(size);
    const control = new SharedArrayBuffer(layout.bytes);
    this.flags = new Int32Array(control);
    const names = Object.keys(context.exports).filter((name) => typeof context.exports[name] === 'function').sort();
    names.forEach((name, index) => this.functionIndex.set(name, index));
    const source = workerSource();
    const node = nodeWorkerThreads();
    const url = node === undefined ? URL.createObjectURL(new Blob([source], { type: 'text/javascript' })) : undefined;
    const starting: Promise<void>[] = [];
    for (let lane = 0; lane < size; lane++) {
      this.messages.push(new Uint16Array(control, layout.messagesAt + lane * MESSAGE_UNITS * 2, MESSAGE_UNITS));
      this.argumentAreas.push(new Float64Array(control, layout.argumentsAt + lane * ARGUMENT_WORDS * 8, ARGUMENT_WORDS));
      this.sequences.push(0);
      this.workBuffers.push(context.heap.allocate(context.exports.gemm_work_bytes() as number));
      const init = { module, memory: context.heap.memory, control, messagesAt: layout.messagesAt, argumentsAt: layout.argumentsAt, lane, names };
      if (node !== undefined) {
        const worker = new node.Worker(source, { eval: true, workerData: init });
        this.workers.push(worker);
        starting.push(
          new Promise<void>((resolve, reject) => {
            worker.once('message', () => {
              // Referenced until ready, so that `await setThreads(n)` keeps Node alive; then not, so
              // that idle workers never hold a finished program open.
              worker.unref();
              this.markReady(lane);
              resolve();
            });
            worker.once('error', reject);
          }),
        );
      } else {
        const worker = new Worker(url!);
        this.workers.push(worker);
        starting.push(
          new Promise<void>((resolve, reject) => {
            worker.addEventListener('message', () => (this.markReady(lane), resolve()), { once: true });
            worker.addEventListener('error', (event) => reject(new Error(`wasm: a worker failed to start: ${event.message}`)), { once: true });
          }),
        );
        worker.postMessage(init);
      }
    }
    this.started = Promise.all(starting).then(() => undefined);
  }

  private markReady(lane: number): void {
    if (!this.closed) this.ready.push(lane);
  }

  get count(): number {
    return 1 + this.ready.length;
  }

  workBuffer(lane: number): number {
    return lane === 0 ? this.serial.workBuffer() : this.workBuffers[this.ready[lane - 1]];
  }

  run(work: readonly (readonly KernelCall[])[]): void {
    if (work.length > this.count) throw new Error(`wasm: ${work.length} lanes of work for ${this.count} threads`);
    this.context.recordLanes(work, (calls) => this.runLanes(calls));
  }

  private runLanes(work: readonly (readonly KernelCall[])[]): void {
    const cursors = work.map(() => 0);
    let first = true;
    while (first || cursors.some((at, lane) => at < work[lane].length)) {
      const dispatched: number[] = [];
      for (let lane = 1; lane < work.length; lane++) {
        const calls = work[lane];
        if (cursors[lane] >= calls.length) continue;
        cursors[lane] = this.encode(this.ready[lane - 1], calls, cursors[lane]);
        dispatched.push(this.ready[lane - 1]);
      }
      for (const worker of dispatched) this.publish(worker);
      let failure: unknown;
      if (first && work.length > 0) {
        try {
          this.serial.run([work[0]]);
        } catch (error) {
          failure = error;
        }
        cursors[0] = work[0].length;
      }
      for (const worker of dispatched) {
        const error = this.await(worker);
        failure ??= error;
      }
      if (failure !== undefined) throw failure;
      first = false;
    }
  }

  /** Writes as many calls from `from` as fit into a worker's argument area; returns where it stopped. */
  private encode(worker: number, calls: readonly KernelCall[], from: number): number {
    const area = this.argumentAreas[worker];
    let at = 1;
    let index = from;
    for (; index < calls.length; index++) {
      const { name, args } = calls[index];
      if (at + 2 + args.length > ARGUMENT_WORDS) break;
      const fn = this.functionIndex.get(name);
      if (fn === undefined) throw new Error(`wasm: the module has no kernel '${name}'`);
      area[at] = fn;
      area[at + 1] = args.length;
      area.set(args, at + 2);
      at += 2 + args.length;
    }
    if (index === from) throw new Error(`wasm: the call '${calls[from].name}' has too many arguments for a worker`);
    area[0] = index - from;
    return index;
  }

  private publish(worker: number): void {
    const sequence = ++this.sequences[worker];
    Atomics.store(this.flags, worker * HEADER_WORDS + SEQUENCE, sequence);
    Atomics.notify(this.flags, worker * HEADER_WORDS + SEQUENCE);
  }

  /** Waits for a worker's current job; returns its error, if it threw. */
  private await(worker: number): Error | undefined {
    const base = worker * HEADER_WORDS;
    const sequence = this.sequences[worker];
    let done = Atomics.load(this.flags, base + DONE);
    for (let spin = 0; done !== sequence && spin < 4000; spin++) done = Atomics.load(this.flags, base + DONE);
    while (done !== sequence) {
      // A browser's main thread may not block: it spins instead.
      if (this.canBlock) Atomics.wait(this.flags, base + DONE, done, 100);
      done = Atomics.load(this.flags, base + DONE);
    }
    if (Atomics.load(this.flags, base + STATUS) === 0) return undefined;
    const units = this.messages[worker];
    let text = '';
    for (let i = 0; i < units.length && units[i] !== 0; i++) text += String.fromCharCode(units[i]);
    return new Error(`wasm: a worker thread failed: ${text}`);
  }

  /** Stops the workers and returns their scratch memory. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ready.length = 0;
    stopWorkers(this.handles);
    for (const address of this.workBuffers) this.context.heap.free(address);
    this.workBuffers.length = 0;
  }
}
