import { conformanceCases } from '@tessera/core/testing';
import { describe, expect, it } from 'vitest';
import { bundlePage, findChromium, runInChromium } from './browser/harness.js';

describe('conformance in headless Chromium (navigator.gpu on SwiftShader)', () => {
  it('passes every case in the browser', async () => {
    const chromium = findChromium();
    if (chromium === undefined) {
      throw new Error('Chromium not found: install it (`apt-get install -y chromium`) or set CHROMIUM_PATH');
    }
    const script = await bundlePage();
    const report = await runInChromium(chromium, script, 540_000);
    expect(report.error).toBeUndefined();
    console.log(
      `browser conformance: ${report.passed}/${report.total} passed in ${(report.milliseconds / 1000).toFixed(1)} s ` +
        `(${report.adapter}; ${report.userAgent})`,
    );
    expect(report.backend).toBe('webgpu');
    expect(report.adapter).toMatch(/swiftshader/i);
    expect(report.failures).toEqual([]);
    expect(report.total).toBe(conformanceCases.length);
    expect(report.passed).toBe(conformanceCases.length);
  });
});
