import { setBackend } from '@tessera/core';
import { checkCase, conformanceCases } from '@tessera/core/testing';
import { beforeAll, describe, it } from 'vitest';
import '../src/index.js';

// CONFORMANCE_OPS=matMul,conv2d narrows a development run to some ops; CI runs every case.
const only = process.env.CONFORMANCE_OPS?.split(',');
const cases = only === undefined ? conformanceCases : conformanceCases.filter((c) => only.includes(c.op));

describe('conformance on webgpu', () => {
  beforeAll(async () => {
    await setBackend('webgpu');
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    await checkCase(c, 'webgpu');
  });
});
