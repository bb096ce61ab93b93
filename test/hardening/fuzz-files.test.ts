// Random byte corruption of a saved model (every one of its files) and of dataset files (Twitter
// CoNLL, MNRE, JMERE, contexts), seeded and time-bounded (FUZZ_SEED, FUZZ_SECONDS): each load or
// parse succeeds or fails with a one-line error naming what is wrong, in a child under a memory
// and a time cap that must end normally.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { describeEnd, rssBound, runCapped } from './capped-child.js';
import { fuzzSeconds, fuzzSeed } from './rng.js';

const test = suite('fuzz: corrupted checkpoints and datasets');

test('corrupted files: clear errors only, no signal, no hang, bounded memory', async () => {
  const seed = fuzzSeed();
  const seconds = fuzzSeconds(4);
  const r = await runCapped('test/hardening/fuzz-files-child.ts', [String(seed), String(seconds)], { timeoutMs: (seconds + 90) * 1000, memoryBytes: 8 * 2 ** 30 });
  assert.ok(r.status === 0 && r.signal === null && !r.timedOut, `seed ${seed}: ${describeEnd(r)}`);
  const findings = r.stdout.split('\n').filter((l) => l.startsWith('FINDING'));
  assert.equal(findings, [], `seed ${seed}`);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as { cases: number; outcomes: Record<string, number> };
  assert.ok(summary.cases >= 20, `${summary.cases} cases`);
  assert.ok((summary.outcomes.CheckpointError ?? 0) > 0 && (summary.outcomes.DataFormatError ?? 0) > 0, JSON.stringify(summary.outcomes));
  assert.ok(r.maxRss !== undefined && r.maxRss < rssBound(2 * 2 ** 30), `peak RSS ${r.maxRss}`);
});

test.run();
