// The shared control block between the calling thread and the pool's workers: per worker, a header
// of Int32 flags (its own cache line), an error-message area, and an argument area of f64 words
// holding the calls of the current job. The worker source (worker-source.ts) reads the same layout.

/** Int32 words per worker header (64 bytes: one cache line, so workers never share one). */
export const HEADER_WORDS = 16;
/** Header word: the job sequence number the caller publishes (negative: stop). */
export const SEQUENCE = 0;
/** Header word: the last job sequence the worker finished. */
export const DONE = 1;
/** Header word: 0 when the last job succeeded, 1 when it threw (message in the message area). */
export const STATUS = 2;
/** UTF-16 code units of an error message. */
export const MESSAGE_UNITS = 256;
/** f64 words of a job: [call count, (function index, argument count, arguments...)...]. */
export const ARGUMENT_WORDS = 4096;

/** Byte layout of the control block for `workers` workers. */
export function controlLayout(workers: number) {
  const headerBytes = workers * HEADER_WORDS * 4;
  const messageBytes = workers * MESSAGE_UNITS * 2;
  const argumentsAt = Math.ceil((headerBytes + messageBytes) / 8) * 8;
  return {
    messagesAt: headerBytes,
    argumentsAt,
    bytes: argumentsAt + workers * ARGUMENT_WORDS * 8,
  };
}
