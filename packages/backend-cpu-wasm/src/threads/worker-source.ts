import { ARGUMENT_WORDS, DONE, HEADER_WORDS, MESSAGE_UNITS, SEQUENCE, STATUS } from './protocol.js';

/**
 * The pool worker's program, as source text: workers start from it through `eval` (Node) or a Blob
 * URL (browsers), so no separate file has to be found after bundling. It instantiates the kernels
 * over the shared memory, then loops: sleep on its sequence word, run the calls of the job, publish
 * completion. The import object matches module.ts's `imports`.
 */
export function workerSource(): string {
  return `'use strict';
const HEADER_WORDS = ${HEADER_WORDS}, SEQUENCE = ${SEQUENCE}, DONE = ${DONE}, STATUS = ${STATUS};
const MESSAGE_UNITS = ${MESSAGE_UNITS}, ARGUMENT_WORDS = ${ARGUMENT_WORDS};
const SPIN = 2000;

function start({ module, memory, control, messagesAt, argumentsAt, lane, names }) {
  const instance = new WebAssembly.Instance(module, { env: { memory, mathLog: Math.log, mathCos: Math.cos } });
  const functions = names.map((name) => instance.exports[name]);
  const flags = new Int32Array(control);
  const message = new Uint16Array(control, messagesAt + lane * MESSAGE_UNITS * 2, MESSAGE_UNITS);
  const args = new Float64Array(control, argumentsAt + lane * ARGUMENT_WORDS * 8, ARGUMENT_WORDS);
  const base = lane * HEADER_WORDS;
  let seen = Atomics.load(flags, base + SEQUENCE);
  return { loop() {
    for (;;) {
      let sequence = Atomics.load(flags, base + SEQUENCE);
      for (let spin = 0; sequence === seen && spin < SPIN; spin++) sequence = Atomics.load(flags, base + SEQUENCE);
      if (sequence === seen) {
        Atomics.wait(flags, base + SEQUENCE, seen);
        continue;
      }
      if (sequence < 0) return;
      seen = sequence;
      let status = 0;
      try {
        const calls = args[0];
        let at = 1;
        for (let c = 0; c < calls; c++) {
          const fn = functions[args[at]];
          const count = args[at + 1];
          fn.apply(null, args.subarray(at + 2, at + 2 + count));
          at += 2 + count;
        }
      } catch (error) {
        const text = String(error && error.message || error).slice(0, MESSAGE_UNITS - 1);
        for (let i = 0; i < text.length; i++) message[i] = text.charCodeAt(i);
        message[text.length] = 0;
        status = 1;
      }
      Atomics.store(flags, base + STATUS, status);
      Atomics.store(flags, base + DONE, sequence);
      Atomics.notify(flags, base + DONE);
    }
  } };
}

if (typeof process === 'object' && process.versions && process.versions.node && typeof require === 'function') {
  const { parentPort, workerData } = require('node:worker_threads');
  const worker = start(workerData);
  parentPort.postMessage('ready');
  worker.loop();
} else {
  self.onmessage = (event) => {
    const worker = start(event.data);
    self.postMessage('ready');
    worker.loop();
  };
}
`;
}
