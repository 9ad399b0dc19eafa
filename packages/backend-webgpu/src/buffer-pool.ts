/** What the pool reports: how many buffers it made, holds, lends, and how often it reused one. */
export interface PoolStats {
  /** GPU buffers created over the pool's life. */
  readonly created: number;
  /** Buffers lent out and not yet given back (live tensors, in-flight uniforms, staging). */
  readonly inUse: number;
  /** Buffers given back after their work was submitted, ready for reuse. */
  readonly pooled: number;
  /** Buffers given back whose work is not submitted yet; they join the pool at the next submit. */
  readonly awaitingSubmit: number;
  /** Bytes of every buffer the pool owns (in use, pooled or waiting). */
  readonly bytesAllocated: number;
  /** Requests served from the pool instead of a new buffer. */
  readonly reused: number;
}

/**
 * Rounds a request up to its size class: powers of two up to 64 KiB, then multiples of 1/8 of the
 * power of two below, so a reused buffer wastes at most a quarter of itself past 64 KiB.
 */
export function sizeClass(bytes: number): number {
  const size = Math.max(16, Math.ceil(bytes / 4) * 4);
  const power = 2 ** Math.ceil(Math.log2(size));
  if (power <= 65536) return power;
  const step = power / 16;
  return Math.ceil(size / step) * step;
}

/**
 * GPU buffers keyed by (usage, size class). A released buffer waits until the commands that use it
 * are submitted before it can be lent again: `queue.writeBuffer` runs ahead of unsubmitted
 * commands, so handing it out earlier could overwrite data they have yet to read.
 */
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private awaiting: { key: string; buffer: GPUBuffer }[] = [];
  private created = 0;
  private inUse = 0;
  private reused = 0;
  private bytesAllocated = 0;
  private pooledCount = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number, usage: number): GPUBuffer {
    const size = sizeClass(bytes);
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    this.inUse++;
    const reusable = list?.pop();
    if (reusable !== undefined) {
      this.pooledCount--;
      this.reused++;
      return reusable;
    }
    this.created++;
    this.bytesAllocated += size;
    return this.device.createBuffer({ size, usage });
  }

  /** Gives a buffer back; it is reusable after the next `submitted()`. */
  release(buffer: GPUBuffer): void {
    this.inUse--;
    this.awaiting.push({ key: `${buffer.usage}:${buffer.size}`, buffer });
  }

  /** Gives back a buffer whose work has already completed (a staging buffer after its map): reusable at once. */
  recycle(buffer: GPUBuffer): void {
    this.inUse--;
    this.addFree(`${buffer.usage}:${buffer.size}`, buffer);
  }

  /** Called after every queue submit: released buffers become reusable. */
  submitted(): void {
    for (const { key, buffer } of this.awaiting) this.addFree(key, buffer);
    this.awaiting = [];
  }

  private addFree(key: string, buffer: GPUBuffer): void {
    let list = this.free.get(key);
    if (list === undefined) this.free.set(key, (list = []));
    list.push(buffer);
    this.pooledCount++;
  }

  stats(): PoolStats {
    return {
      created: this.created,
      inUse: this.inUse,
      pooled: this.pooledCount,
      awaitingSubmit: this.awaiting.length,
      bytesAllocated: this.bytesAllocated,
      reused: this.reused,
    };
  }

  /** Destroys every pooled buffer (buffers in use belong to their tensors until then). */
  destroy(): void {
    for (const list of this.free.values()) list.forEach((b) => b.destroy());
    this.awaiting.forEach(({ buffer }) => buffer.destroy());
    this.free.clear();
    this.awaiting = [];
  }
}
