/**
 * Output checking. Every contender returns the workload's output for the same inputs; two outputs
 * agree when every element satisfies |a - b| <= atol + rtol * |b| (and both are finite where either
 * is). A contender passes when it agrees with at least half of the others, so one wrong contender
 * among three or more is named; with only two that disagree, both are marked, since nothing says
 * which one is right.
 */
export interface Tolerance {
  rtol: number;
  atol: number;
}

export interface Mismatch {
  index: number;
  a: number;
  b: number;
}

/** The first element where `a` and `b` differ beyond the tolerance, or null when they agree. */
export function firstMismatch(a: Float32Array, b: Float32Array, tol: Tolerance): Mismatch | null {
  if (a.length !== b.length) return { index: -1, a: a.length, b: b.length };
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      return { index: i, a: x, b: y };
    }
    if (Math.abs(x - y) > tol.atol + tol.rtol * Math.max(Math.abs(x), Math.abs(y))) return { index: i, a: x, b: y };
  }
  return null;
}

export interface CheckVerdict {
  ok: boolean;
  /** Contenders this one agrees with. */
  agreesWith: string[];
  /** A sentence for the table when `ok` is false. */
  detail?: string;
}

function describe(name: string, other: string, m: Mismatch): string {
  if (m.index < 0) return `${name} returned ${m.a} values, ${other} ${m.b}`;
  return `${name}[${m.index}] = ${m.a} but ${other} gives ${m.b}`;
}

/** Cross-checks every contender's output against every other's. */
export function crossCheck(outputs: ReadonlyMap<string, Float32Array>, tol: Tolerance): Map<string, CheckVerdict> {
  const names = [...outputs.keys()];
  const verdicts = new Map<string, CheckVerdict>();
  if (names.length === 1) {
    verdicts.set(names[0], { ok: true, agreesWith: [], detail: 'no other contender to compare with' });
    return verdicts;
  }
  const mismatch = new Map<string, Mismatch | null>();
  for (const a of names) {
    for (const b of names) {
      if (a < b) mismatch.set(`${a}\u0000${b}`, firstMismatch(outputs.get(a)!, outputs.get(b)!, tol));
    }
  }
  const pair = (a: string, b: string) => mismatch.get(a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`) ?? null;
  for (const name of names) {
    const others = names.filter((n) => n !== name);
    const agreesWith = others.filter((o) => pair(name, o) === null);
    const ok = agreesWith.length * 2 >= others.length && agreesWith.length > 0;
    const verdict: CheckVerdict = { ok, agreesWith };
    if (!ok) {
      const against = others.find((o) => pair(name, o) !== null)!;
      const m = firstMismatch(outputs.get(name)!, outputs.get(against)!, tol)!;
      verdict.detail = `disagrees with ${others.length - agreesWith.length} of ${others.length}: ${describe(name, against, m)}`;
    }
    verdicts.set(name, verdict);
  }
  return verdicts;
}
