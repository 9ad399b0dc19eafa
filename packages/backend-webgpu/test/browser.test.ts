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
      `browser traced: ${report.traced.checks} checks, ${report.traced.failures.length} failures; a warm call made ${report.traced.warmBindGroups} bind groups for ${report.traced.warmDispatches} dispatches; ${report.traced.pipelinesPrepared} pipelines prepared ahead`,
    );
    console.log(
      `browser conformance: ${report.passed}/${report.total} passed in ${(report.milliseconds / 1000).toFixed(1)} s ` +
        `(${report.adapter}; ${report.userAgent})`,
    );
    expect(report.backend).toBe('webgpu');
    expect(report.adapter).toMatch(/swiftshader/i);
    expect(report.failures).toEqual([]);
    expect(report.total).toBe(conformanceCases.length);
    expect(report.passed).toBe(conformanceCases.length);
    // Traced functions in the browser: equal to eager over five calls, pipelines made ahead by
    // warmup, and a replayed call builds bind groups only for the dispatches that bind its new
    // input or output buffers, not for all of them.
    expect(report.traced.failures).toEqual([]);
    expect(report.traced.checks).toBe(6);
    expect(report.traced.pipelinesPrepared).toBeGreaterThan(0);
    expect(report.traced.warmDispatches).toBeGreaterThan(5);
    expect(report.traced.warmBindGroups).toBeLessThan(report.traced.warmDispatches);
  });
});
