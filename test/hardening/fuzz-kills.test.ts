// Random kills of the long jobs (train, extract, context), each resumed until it finishes
// (seeded kill points; FUZZ_SEED, FUZZ_KILLS override): the end result must be what an
// uninterrupted run gives — the same training trajectory and test score, the same extraction
// bytes, every context once — and no child may end by any signal but our SIGKILL, pass its time
// cap or its memory cap.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { extract } from '../../lib/index.js';
import * as train from '../../lib/train/index.js';
import { startFakeServer } from '../lmm/fake-server.js';
import { tiny } from '../extract/tiny.js';
import { ToyModel, toyOptions } from '../train/toy.js';
import { describeEnd, rssBound, runCapped } from './capped-child.js';
import { fuzzSeed, Rng } from './rng.js';

const test = suite('fuzz: killed and resumed');
const rng = new Rng(fuzzSeed());
const KILLS = Number(process.env.FUZZ_KILLS ?? 1);
let root = '';
test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'shapca-kills-'));
});
test.after(() => rm(root, { recursive: true, force: true }));

/**
 * Runs the child job until it prints 'finished': the first KILLS runs are killed once they have
 * printed `units` lines (units drawn from the seed), the last runs to its end.
 */
async function killAndResume(job: string[], maxUnits: number): Promise<number[]> {
  const killedAt: number[] = [];
  for (let run = 0; ; run++) {
    const killAfter = run < KILLS ? 1 + rng.int(maxUnits) : Infinity;
    let units = 0;
    const r = await runCapped('test/hardening/kill-children.ts', job, {
      timeoutMs: 60_000, memoryBytes: 8 * 2 ** 30,
      onStdout: (chunk, kill) => {
        units += chunk.split('\n').filter((l) => l && l !== 'finished').length;
        if (units >= killAfter) kill();
      },
    });
    assert.not.ok(r.timedOut, `${job[0]} run ${run}: ${describeEnd(r)}`);
    assert.ok(r.maxRss === undefined || r.maxRss < rssBound(2 * 2 ** 30), `${job[0]} run ${run}: ${describeEnd(r)}`);
    if (r.signal === 'SIGKILL' && run < KILLS) {
      killedAt.push(units);
      continue;
    }
    assert.ok(r.status === 0 && r.signal === null && r.stdout.includes('finished'), `${job[0]} run ${run} (killed before at ${killedAt}): ${describeEnd(r)}`);
    return killedAt;
  }
}

test('train: killed at random steps (often inside a checkpoint write), resumed: the same trajectory', async () => {
  const refDir = join(root, 'train-ref');
  const ref = new ToyModel(3);
  const refSummary = await train.train(ref, toyOptions(ref, refDir, { epochs: 4, checkpointEvery: 1 }));
  const dir = join(root, 'train');
  const kills = await killAndResume(['train', dir], 24);
  const steps = async (d: string) => (await train.readLog(join(d, 'log.jsonl'))).filter((r) => r.type === 'step').map((r) => [r.step, r.loss]);
  assert.equal(await steps(dir), await steps(refDir), `killed at ${kills}`);
  const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as train.TrainSummary;
  assert.is(summary.testScore, refSummary.testScore);
});

test('extract: killed at random batches, resumed: byte-identical to an uninterrupted run', async () => {
  const t = await tiny();
  const input = join(root, 'posts.jsonl');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(input, `${Array.from({ length: 48 }, (_, i) => JSON.stringify({ id: `p${i}`, tokens: t.train[i % t.train.length]!.tokens, image: `${t.train[i % t.train.length]!.id.split('#')[0]}.jpg` })).join('\n')}\n`);
  const images = join(t.data, 'images');
  const ref = join(root, 'ref.jsonl');
  await extract.extractFile(extract.nerExtractionModel(t.model), { input, output: ref, imagesDir: images, batchSize: 4, window: 8, overwrite: true });
  const out = join(root, 'out.jsonl');
  const kills = await killAndResume(['extract', t.modelDir, input, out, images], 12);
  assert.ok(readFileSync(out).equals(readFileSync(ref)), `killed at ${kills}`);
});

test('context: killed at random answers, resumed: every image described once, nothing asked twice after its answer was kept', async () => {
  const t = await tiny();
  const server = await startFakeServer((req) => ({ content: `about ${req.image.length}`, delayMs: 20 }));
  try {
    const out = join(root, 'contexts.jsonl');
    const kills = await killAndResume(['context', server.origin, join(t.data, 'images'), out, join(root, 'cache')], 30);
    const ids = readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    assert.is(new Set(ids).size, ids.length, `no id twice (killed at ${kills})`);
    const { readdirSync } = await import('node:fs');
    assert.is(ids.length, readdirSync(join(t.data, 'images')).length);
  } finally {
    await server.close();
  }
});

test.run();
