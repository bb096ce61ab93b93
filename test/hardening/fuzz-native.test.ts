// Random bad arguments for every exported native call (seeded, time-bounded; FUZZ_SEED and
// FUZZ_SECONDS override): wrong types, short, empty, resizable, aliased and NaN-filled arrays,
// sizes out of range, missing fields, and BERT configs with absurd sizes. Each call must end in a
// TypeError, RangeError or ShapcaError, or succeed; the child must not die of a signal, pass its
// time cap or its memory cap.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { describeEnd, rssBound, runCapped, sanitized } from './capped-child.js';
import { fuzzSeconds, fuzzSeed } from './rng.js';

const test = suite('fuzz: native calls');

test('random bad arguments: clear errors only, no signal, no hang, bounded memory', async () => {
  const seed = fuzzSeed();
  const seconds = fuzzSeconds(4);
  const r = await runCapped('test/hardening/fuzz-args-child.ts', [String(seed), String(seconds)], { timeoutMs: (seconds + 60) * 1000, memoryBytes: 8 * 2 ** 30 });
  assert.ok(r.status === 0 && r.signal === null && !r.timedOut, `seed ${seed}: ${describeEnd(r)}`);
  const findings = r.stdout.split('\n').filter((l) => l.startsWith('FINDING'));
  assert.equal(findings, [], `seed ${seed}`);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { cases: number; findings: number };
  // ASan slows every call several times over.
  assert.ok(summary.cases > (sanitized ? 50 : 500), `${summary.cases} cases in ${seconds} s`);
  assert.ok(r.maxRss !== undefined && r.maxRss < rssBound(2 * 2 ** 30), `peak RSS ${r.maxRss}`);
});

test.run();
