// The linear baselines: the tagger learns entity types that the context words give away (names
// never seen in training), the bag-of-words classifier learns relations that the words between
// the names give away, and `runBaseline` trains, selects on dev and writes the same files as
// `train` for all three tasks of the synthetic dataset; a finished run is returned, not redone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { BowRelationClassifier, LinearTagger, runBaseline, wordShape } from '../lib/baselines/index.js';
import { generateSyntheticDataset } from '../lib/data/index.js';
import { Rng } from '../lib/data/synthetic/rng.js';
import { bioTags } from '../lib/data/bio.js';
import { scoreNer } from '../lib/tasks/ner/metric.js';
import { scoreRelations } from '../lib/tasks/re/metric.js';
import { TEXT_RELATIONS, textRelationExamples } from './re-text-data.js';

const test = suite('baselines (linear tagger, bag-of-words relations)');
let dir = '';

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shapca-baselines-'));
  await generateSyntheticDataset({ outDir: join(dir, 'data'), seed: 6, sizes: { train: 60, dev: 12, test: 16 }, imageSize: 32 });
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Sentences whose entity type follows from the words around the name. */
function typedSentences(seed: number, split: string, count: number, names: string[]) {
  const templates: Array<[string, string, string]> = [
    ['PER', 'we met', 'yesterday'], ['PER', 'interview with', 'tonight'], ['LOC', 'flying to', 'today'],
    ['LOC', 'the weather in', 'is nice'], ['ORG', 'fans of', 'cheer loudly'], ['ORG', 'shares of', 'fell'],
  ];
  return Array.from({ length: count }, (_, i) => {
    const r = Rng.forSample(seed, split, i);
    const [type, before, after] = r.pick(templates);
    const name = r.pick(names);
    const pre = before.split(' ');
    const post = after.split(' ');
    return { tokens: [...pre, name, ...post], tags: [...pre.map(() => 'O'), `B-${type}`, ...post.map(() => 'O')] };
  });
}

test('word shapes collapse character classes', () => {
  assert.is(wordShape('Barack'), 'Xx');
  assert.is(wordShape('2015'), 'd');
  assert.is(wordShape('@user_1'), '@x_d');
  assert.is(wordShape('NBA'), 'X');
});

test('the tagger types unseen names from their context words', () => {
  const seen = ['Arlo', 'Bexley', 'Corin', 'Dace', 'Elko', 'Fenn', 'Galt', 'Hale'];
  const unseen = ['Ivor', 'Jex', 'Kolt', 'Lune', 'Mace', 'Nox'];
  const tagger = new LinearTagger(bioTags(['PER', 'LOC', 'ORG']), typedSentences(1, 'train', 120, seen));
  for (let epoch = 0; epoch < 5; epoch++) tagger.trainEpoch({ seed: 3, epoch });
  const held = typedSentences(1, 'test', 60, unseen);
  const f1 = scoreNer(held.map((s) => s.tags), held.map((s) => tagger.predict(s.tokens))).micro.f1;
  assert.ok(f1 > 0.9, `test F1 ${f1}`);
});

test('the bag-of-words classifier learns relations from the words between the names', () => {
  const clf = new BowRelationClassifier(TEXT_RELATIONS, textRelationExamples(2, 'train', 300));
  for (let epoch = 0; epoch < 5; epoch++) clf.trainEpoch({ seed: 3, epoch });
  const held = textRelationExamples(2, 'test', 100);
  const pred = held.map((x) => clf.predict(x).relation);
  const scores = scoreRelations(held.map((x) => x.relation!), pred, 'None');
  assert.ok(scores.micro.f1 > 0.9, `micro F1 ${scores.micro.f1}`);
  assert.ok(new Set(pred).size === TEXT_RELATIONS.length, `predicted labels ${[...new Set(pred)].join(', ')}`);
});

test('the same example order and weights for the same seed; another seed differs', () => {
  const data = textRelationExamples(3, 'train', 80);
  const weights = (seed: number) => {
    const clf = new BowRelationClassifier(TEXT_RELATIONS, data);
    clf.trainEpoch({ seed, epoch: 0 });
    return clf.model.weights;
  };
  assert.equal(weights(5), weights(5));
  assert.not.equal(weights(5), weights(6));
});

for (const [task, folder] of [['ner', 'ner'], ['re', 'mre'], ['joint', 'jmere']] as const) {
  test(`runBaseline --task ${task}: dev selection, one test evaluation, train's prediction file; resume returns the finished run`, async () => {
    const outDir = join(dir, `run-${task}`);
    const epochs: number[] = [];
    const s = await runBaseline({ task, dataDir: join(dir, 'data', folder), outDir, epochs: 3, seed: 1, onEpoch: (e) => epochs.push(e.devScore) });
    assert.is(s.devScores.length, 3);
    assert.equal(s.devScores, epochs);
    assert.is(s.devScore, Math.max(...s.devScores));
    assert.is(s.bestEpoch, s.devScores.indexOf(s.devScore));
    assert.ok(s.testScore >= 0 && s.testScore <= 1);
    assert.equal(JSON.parse(readFileSync(join(outDir, 'summary.json'), 'utf8')), JSON.parse(JSON.stringify(s)));
    const lines = readFileSync(join(outDir, 'test-predictions.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.ok(lines.length > 0 && lines.every((l) => 'pred' in l && 'gold' in l));
    if (task === 'ner') {
      const f1 = scoreNer(lines.map((l) => l.gold), lines.map((l) => l.pred)).micro.f1;
      assert.is(f1, s.testScore);
    }
    const again = await runBaseline({ task, dataDir: join(dir, 'data', folder), outDir, epochs: 3, seed: 1, resume: true, onEpoch: () => assert.unreachable('retrained') });
    assert.equal(again, JSON.parse(JSON.stringify(s)));
  });
}

test.run();
