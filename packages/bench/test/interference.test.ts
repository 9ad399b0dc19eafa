import { describe, expect, it } from 'vitest';
import { repetitionLoad, sampleCpu } from '../src/interference.js';

const at = (wallMs: number, ownMs: number, machineBusyMs: number) => ({ wallMs, ownMs, machineBusyMs });

describe('repetitionLoad', () => {
  it('flags a repetition during which other processes kept most of a core busy', () => {
    // 200 ms wall; we used 200 ms of CPU; the machine was busy 360 ms: others took 160 ms = 0.8 core.
    const load = repetitionLoad(at(1000, 50, 10_000), at(1200, 250, 10_360));
    expect(load.wallMs).toBe(200);
    expect(load.ownCores).toBeCloseTo(1, 12);
    expect(load.otherCores).toBeCloseTo(0.8, 12);
    expect(load.flagged).toBe(true);
  });
  it('does not flag a quiet repetition (others below the threshold)', () => {
    const load = repetitionLoad(at(0, 0, 0), at(100, 100, 120));
    expect(load.otherCores).toBeCloseTo(0.2, 12);
    expect(load.flagged).toBe(false);
  });
  it('counts a multi-threaded contender as its own load, not interference', () => {
    // Two threads busy for 100 ms: 200 ms of our CPU, 200 ms of machine busy time.
    const load = repetitionLoad(at(0, 0, 0), at(100, 200, 200));
    expect(load.ownCores).toBeCloseTo(2, 12);
    expect(load.otherCores).toBe(0);
    expect(load.flagged).toBe(false);
  });
  it('clamps tick rounding that makes the machine look less busy than we were', () => {
    const load = repetitionLoad(at(0, 0, 0), at(100, 100, 90));
    expect(load.otherCores).toBe(0);
  });
  it('honours a custom threshold', () => {
    expect(repetitionLoad(at(0, 0, 0), at(100, 100, 120), 0.1).flagged).toBe(true);
  });
  it('refuses a repetition with no wall time', () => {
    expect(() => repetitionLoad(at(5, 0, 0), at(5, 1, 1))).toThrow('wall time must be positive, got 0 ms');
  });
  it('samples real clocks that move forward', () => {
    const a = sampleCpu();
    let x = 0;
    for (let i = 0; i < 2e6; i++) x += Math.sqrt(i);
    const b = sampleCpu();
    expect(x).toBeGreaterThan(0);
    expect(b.wallMs).toBeGreaterThan(a.wallMs);
    expect(b.ownMs).toBeGreaterThanOrEqual(a.ownMs);
    expect(b.machineBusyMs).toBeGreaterThanOrEqual(a.machineBusyMs);
  });
});
