/**
 * The allocator over the wasm linear memory. The AssemblyScript side has no runtime of its own
 * (stub runtime, no `new` in kernels): every byte it touches is a block handed out here.
 *
 * Blocks are aligned to 64 bytes (a cache line; v128 loads need only 16) and rounded up to a size
 * class, four classes per power of two, so a freed block is reused by any later request of the same
 * class with at most 25 % waste. Fresh blocks come from a bump pointer; the memory grows by
 * `memory.grow` when the bump pointer passes its end. When growth would pass the 4 GiB limit of
 * wasm32, the cached free blocks are merged with their neighbours and searched once more before
 * giving up with an error that names the sizes.
 */

export const ALIGNMENT = 64;
const PAGE_BYTES = 65536;
/** wasm32's hard ceiling: 65536 pages of 64 KiB. */
export const MAX_MEMORY_BYTES = 65536 * PAGE_BYTES;

/** The error raised when a tensor does not fit in what is left of the 4 GiB wasm memory. */
export class WasmMemoryError extends Error {
  override name = 'WasmMemoryError';
}

function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/** Rounds a request up to its size class: 4 steps per power of two, never below one alignment unit. */
export function sizeClass(bytes: number): number {
  if (bytes <= ALIGNMENT) return ALIGNMENT;
  // The largest power of two below `bytes` (clz32 is exact and cheap below 2^31; logarithms beyond).
  const power = bytes <= 2 ** 30 ? 2 ** (31 - Math.clz32(bytes - 1)) : 2 ** Math.floor(Math.log2(bytes - 1));
  const step = Math.max(power / 4, ALIGNMENT);
  return Math.ceil(bytes / step) * step;
}

/**
 * Blocks allocated while a graph run is recorded, for the recording to own: a block freed during
 * the run goes to `pool` instead of the free lists, and later allocations of its size class during
 * the run take it back, so the recording reuses memory as the run did and keeps every block its
 * steps touch.
 */
export interface HeapCapture {
  readonly born: Set<number>;
  /** Freed blocks by size class. */
  readonly pool: Map<number, number[]>;
}

export class WasmHeap {
  /** Set while a graph run is being recorded (graph-executable.ts). */
  capture?: HeapCapture;
  /** First byte the allocator owns; below it lie the module's static data and a scratch area. */
  private readonly base: number;
  private top: number;
  private readonly freeLists = new Map<number, number[]>();
  /** Block sizes by address, for the blocks handed out. */
  private readonly live = new Map<number, number>();
  private cachedBytes = 0;
  /** Bumped on every growth: typed-array views over the old buffer are detached and must be re-made. */
  generation = 0;

  constructor(
    readonly memory: WebAssembly.Memory,
    base: number,
    private readonly limit = MAX_MEMORY_BYTES,
  ) {
    this.base = Math.ceil(base / ALIGNMENT) * ALIGNMENT;
    this.top = this.base;
  }

  /** Bytes handed out and not yet freed (rounded to size classes). */
  get reservedBytes(): number {
    return this.top - this.base - this.cachedBytes;
  }

  /** Bytes held in free lists for reuse. */
  get freeBytes(): number {
    return this.cachedBytes;
  }

  get heapBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Returns the address of a block of at least `bytes` bytes, aligned to 64. */
  allocate(bytes: number): number {
    const size = sizeClass(bytes);
    if (this.capture !== undefined) {
      const pooled = this.capture.pool.get(size)?.pop();
      if (pooled !== undefined) return pooled;
      const address = this.allocateBlock(size, bytes);
      this.capture.born.add(address);
      return address;
    }
    return this.allocateBlock(size, bytes);
  }

  private allocateBlock(size: number, bytes: number): number {
    let address = this.takeCached(size);
    if (address === undefined) {
      if (this.top + size > this.limit) this.coalesce();
      address = this.takeCached(size) ?? this.splitLargerBlock(size);
    }
    if (address === undefined) {
      if (this.top + size > this.limit) {
        throw new WasmMemoryError(
          `wasm: cannot allocate ${formatBytes(bytes)}: ${formatBytes(this.reservedBytes)} are in use and ` +
            `${formatBytes(this.cachedBytes)} free in pieces too small, and wasm memory cannot grow past ` +
            `${formatBytes(this.limit)}; dispose tensors you no longer need (tidy, dispose) or use smaller batches`,
        );
      }
      address = this.top;
      // Grow first: if the engine refuses, nothing has been handed out.
      this.ensureCapacity(address + size);
      this.top = address + size;
    }
    this.live.set(address, size);
    return address;
  }

  /** A cached block of exactly this size class, if there is one. */
  private takeCached(size: number): number | undefined {
    const address = this.freeLists.get(size)?.pop();
    if (address !== undefined) this.cachedBytes -= size;
    return address;
  }

  free(address: number): void {
    const size = this.live.get(address);
    if (size === undefined) throw new Error(`wasm: free of an address that is not allocated (${address})`);
    if (this.capture?.born.has(address)) {
      let list = this.capture.pool.get(size);
      if (list === undefined) this.capture.pool.set(size, (list = []));
      list.push(address);
      return;
    }
    this.live.delete(address);
    if (address + size === this.top) {
      this.top = address;
      return;
    }
    this.cachedBytes += size;
    let list = this.freeLists.get(size);
    if (list === undefined) this.freeLists.set(size, (list = []));
    list.push(address);
  }

  private ensureCapacity(end: number): void {
    const current = this.memory.buffer.byteLength;
    if (end <= current) return;
    // Grow by at least half of what we have, so that a sequence of growing tensors costs O(log n) grows.
    const wanted = Math.min(Math.max(end, current + current / 2), this.limit);
    const pages = Math.ceil((wanted - current) / PAGE_BYTES);
    try {
      this.memory.grow(pages);
    } catch {
      const minimal = Math.ceil((end - current) / PAGE_BYTES);
      try {
        this.memory.grow(minimal);
      } catch {
        throw new WasmMemoryError(
          `wasm: the engine refused to grow wasm memory from ${formatBytes(current)} to ${formatBytes(end)} ` +
            `(${formatBytes(this.reservedBytes)} in use)`,
        );
      }
    }
    this.generation++;
  }

  /**
   * Merges adjacent cached blocks and gives the run at the top back to the bump pointer. Only called
   * when memory is nearly exhausted, so its O(n log n) cost does not matter.
   */
  private coalesce(): void {
    const blocks: [number, number][] = [];
    for (const [size, list] of this.freeLists) for (const address of list) blocks.push([address, size]);
    if (blocks.length === 0) return;
    blocks.sort((a, b) => a[0] - b[0]);
    this.freeLists.clear();
    this.cachedBytes = 0;
    const merged: [number, number][] = [];
    for (const [address, size] of blocks) {
      const last = merged[merged.length - 1];
      if (last !== undefined && last[0] + last[1] === address) last[1] += size;
      else merged.push([address, size]);
    }
    const last = merged[merged.length - 1];
    if (last[0] + last[1] === this.top) {
      this.top = last[0];
      merged.pop();
    }
    for (const [address, size] of merged) this.cacheRange(address, size);
  }

  /** Puts a free range back as blocks of whole size classes (the largest that fit, aligned pieces). */
  private cacheRange(address: number, size: number): void {
    while (size >= ALIGNMENT) {
      let piece = sizeClass(size);
      if (piece > size) piece = sizeClass(Math.floor((size * 4) / 5));
      while (piece > size) piece -= ALIGNMENT;
      this.cachedBytes += piece;
      let list = this.freeLists.get(piece);
      if (list === undefined) this.freeLists.set(piece, (list = []));
      list.push(address);
      address += piece;
      size -= piece;
    }
  }

  /** Takes a cached block larger than `size`, splitting off the rest back into the cache. */
  private splitLargerBlock(size: number): number | undefined {
    let best: number | undefined;
    for (const [blockSize, list] of this.freeLists) {
      if (blockSize >= size && list.length > 0 && (best === undefined || blockSize < best)) best = blockSize;
    }
    if (best === undefined) return undefined;
    const address = this.freeLists.get(best)!.pop()!;
    this.cachedBytes -= best;
    if (best > size) this.cacheRange(address + size, best - size);
    return address;
  }
}
