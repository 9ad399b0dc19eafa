import type { Backend, DataId } from '@tessera/core';

const answers = new WeakMap<Backend, boolean>();

/**
 * Whether the backend's `readSync` works (WebGPU's does not: GPU reads are asynchronous). Asked once
 * per backend with a one-element probe written, read and freed.
 */
export function readsSynchronously(backend: Backend): boolean {
  const known = answers.get(backend);
  if (known !== undefined) return known;
  let probe: DataId | undefined;
  let answer: boolean;
  try {
    probe = backend.write(new Float32Array(1), [1], 'float32');
    backend.readSync(probe);
    answer = true;
  } catch {
    answer = false;
  } finally {
    if (probe !== undefined) backend.free(probe);
  }
  answers.set(backend, answer);
  return answer;
}
