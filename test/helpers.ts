import * as assert from 'uvu/assert';

type Numeric = ArrayLike<number>;

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| element-wise, listing the first
 * mismatches (index, actual, expected) when it fails.
 */
export function assertClose(actual: Numeric, expected: Numeric, atol: number, rtol: number, label = 'values'): void {
  assert.is(actual.length, expected.length, `${label}: length`);
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i] as number;
    const e = expected[i] as number;
    const ok = Math.abs(a - e) <= atol + rtol * Math.abs(e);
    if (!ok || Number.isNaN(a) !== Number.isNaN(e)) {
      count++;
      if (bad.length < 5) bad.push(`[${i}] ${a} vs ${e}`);
    }
  }
  if (count > 0) {
    assert.unreachable(`${label}: ${count} of ${expected.length} outside atol=${atol} rtol=${rtol}: ${bad.join(', ')}`);
  }
}

/** Deterministic pseudo-random floats in [-scale, scale) (mulberry32). */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale;
  }
  return out;
}

/** Asserts that a promise rejects with an error of the class, whose message matches. */
export async function rejects(
  promise: Promise<unknown> | (() => Promise<unknown>),
  ctor: new (...args: never[]) => Error,
  message: RegExp,
): Promise<Error> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (err) {
    assert.instance(err, ctor);
    assert.match((err as Error).message, message);
    return err as Error;
  }
  assert.unreachable(`expected a ${ctor.name} matching ${message}`);
  throw new Error('unreachable');
}
