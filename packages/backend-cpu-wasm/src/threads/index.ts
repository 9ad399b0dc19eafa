import { ArgumentError } from '@tessera/core';
import type { WasmContext } from '../context.js';
import type { Lanes } from './lanes.js';
import { SerialLanes, provideLanes } from './lanes.js';
import type { WorkerHandles } from './pool.js';
import { WorkerPool, stopWorkers, workersAvailable } from './pool.js';

/** The thread count asked for with `setThreads` (1 until then). */
let requested = 1;

/** Every backend's thread host, weakly: a dropped backend's pool goes with it. */
const hosts = new Set<WeakRef<ThreadHost>>();

/** Each backend's host, by its kernels' context. */
const hostOf = new WeakMap<WasmContext, ThreadHost>();

/** Stops the workers of a host that was garbage-collected with its backend. */
const orphans = new FinalizationRegistry<{ handles?: WorkerHandles }>((held) => held.handles && stopWorkers(held.handles));

/** Owns one backend's worker pool, if its memory is shared, and answers its kernels' lanes. */
class ThreadHost {
  private readonly serial: SerialLanes;
  private pool?: WorkerPool;
  private closed = false;
  /** The pool's workers, held apart from the host (and its backend) for the finalizer. */
  readonly held: { handles?: WorkerHandles } = {};

  constructor(
    private readonly context: WasmContext,
    private readonly module: WebAssembly.Module,
    private readonly shared: boolean,
  ) {
    this.serial = new SerialLanes(context);
  }

  get possible(): boolean {
    return this.shared && workersAvailable();
  }

  lanes(): Lanes {
    return this.pool ?? this.serial;
  }

  /** Stops the workers for good: the backend is being disposed. */
  close(): void {
    this.closed = true;
    this.pool?.close();
    this.pool = undefined;
    this.held.handles = undefined;
  }

  /** Makes the pool `threads - 1` workers large (the calling thread is the first thread). */
  resize(threads: number): Promise<void> {
    const workers = this.possible && !this.closed ? threads - 1 : 0;
    if ((this.pool === undefined && workers === 0) || this.pool?.size === workers) return this.pool?.started ?? Promise.resolve();
    this.pool?.close();
    this.pool = workers > 0 ? new WorkerPool(this.context, this.serial, this.module, workers) : undefined;
    this.held.handles = this.pool?.handles;
    return this.pool?.started ?? Promise.resolve();
  }
}

/**
 * Gives a backend's kernels their lanes: a worker pool of the requested size where its memory is
 * shared (module built for shared memory), the calling thread alone otherwise.
 */
export function attachThreads(context: WasmContext, module: WebAssembly.Module, shared: boolean): void {
  const host = new ThreadHost(context, module, shared);
  provideLanes(context, () => host.lanes());
  hosts.add(new WeakRef(host));
  hostOf.set(context, host);
  orphans.register(host, host.held);
  if (requested > 1) void host.resize(requested).catch(() => host.resize(1));
}

/** Stops a backend's workers (its `dispose`); its kernels run on the calling thread from then on. */
export function detachThreads(context: WasmContext): void {
  hostOf.get(context)?.close();
}

/**
 * Sets how many threads the wasm backend's matMul and convolutions use (the calling thread plus
 * `count - 1` workers over the shared wasm memory), for every wasm backend now and later. Where
 * threads are unavailable (no SharedArrayBuffer; a browser page that is not cross-origin isolated)
 * it keeps one thread, with no error. Resolves, with the count now in effect, once the workers have
 * started; kernels run before that use the workers already up. Results do not depend on the count:
 * each output element is computed by one thread, in the same order. Like TensorFlow.js's
 * `setThreadsCount`.
 *
 * @example
 * import { setThreads } from '@tessera/backend-cpu-wasm';
 * await setThreads(4);
 */
export async function setThreads(count: number): Promise<number> {
  if (!Number.isInteger(count) || count < 1 || count > 64) {
    throw new ArgumentError(`setThreads: count must be an integer from 1 to 64, got ${String(count)}`);
  }
  requested = count;
  let effective = count;
  const waits: Promise<void>[] = [];
  for (const ref of hosts) {
    const host = ref.deref();
    if (host === undefined) {
      hosts.delete(ref);
      continue;
    }
    if (!host.possible) effective = 1;
    waits.push(host.resize(count));
  }
  if (!workersAvailable()) effective = 1;
  await Promise.all(waits);
  return effective;
}

/** The thread count last asked for with `setThreads` (1 by default). */
export function getThreads(): number {
  return requested;
}
