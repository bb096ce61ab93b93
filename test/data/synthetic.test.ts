// The synthetic dataset: same seed → identical files; every file reads back through the
// dataset readers; and entity types can be told from the image but not from the text (a
// text-only classifier stays near chance while a pixel nearest-centroid one does not).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

import { data } from '../../lib/index.js';

const test = suite('synthetic dataset');
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'shapca-syn-'));
  dirs.push(d);
  return d;
};
test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)],
  );
}

test('same seed → byte-identical files; another seed → different data', async () => {
  const sizes = { train: 12, dev: 4, test: 4 };
  const [a, b, c] = [tempDir(), tempDir(), tempDir()];
  await data.generateSyntheticDataset({ outDir: a, seed: 42, sizes, imageSize: 64 });
  await data.generateSyntheticDataset({ outDir: b, seed: 42, sizes, imageSize: 64 });
  await data.generateSyntheticDataset({ outDir: c, seed: 43, sizes, imageSize: 64 });
  const files = listFiles(a).sort();
  assert.equal(listFiles(b).sort(), files);
  assert.is(files.filter((f) => f.endsWith('.jpg')).length, 20);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), f);
  assert.not.ok(readFileSync(join(a, 'ner', 'train.txt')).equals(readFileSync(join(c, 'ner', 'train.txt'))));
  // Sample i depends on (seed, split, i) only, so growing a split keeps its first samples.
  assert.equal(data.syntheticSamples(42, 'train', 5), data.syntheticSamples(42, 'train', 9).slice(0, 5));
});

test('every file reads back through the readers and agrees with the manifest', async () => {
  const dir = tempDir();
  const manifest = await data.generateSyntheticDataset({ outDir: dir, seed: 3, sizes: { train: 40, dev: 10, test: 10 }, imageSize: 64 });
  assert.equal(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), JSON.parse(JSON.stringify(manifest)));
  const contexts = await data.readContexts(join(dir, data.SYNTHETIC_LAYOUT.contexts));
  const images = new data.ImageResolver(join(dir, data.SYNTHETIC_LAYOUT.images));
  for (const split of ['train', 'dev', 'test'] as const) {
    const ner = await data.readTwitterNer(await data.findSplitFile('twitter', join(dir, 'ner'), split), { entityTypes: data.SYNTHETIC_ENTITY_TYPES });
    const mre = await data.readMnre(await data.findSplitFile('mnre', join(dir, 'mre'), split));
    const jmere = await data.readJmere(await data.findSplitFile('jmere', join(dir, 'jmere'), split));
    const counts = manifest.counts[split];
    assert.equal(
      [ner.records.length, ner.records.reduce((n, r) => n + data.bioSpans(r.tags).length, 0), mre.records.length, jmere.records.length],
      [counts.sentences, counts.entities, counts.mreInstances, counts.jmereSentences],
      split,
    );
    assert.is(contexts.coverage(ner.records.map((r) => r.imageId)).ratio, 1);
    assert.equal(await images.missing([...ner.records.map((r) => r.imageId), ...mre.records.map((r) => r.imageId)]), []);
    // The relation follows from the entity types in the NER file.
    const byId = new Map(ner.records.map((r) => [`${r.imageId}.jpg`, data.bioSpans(r.tags)]));
    for (const m of mre.records) {
      const spans = byId.get(m.imageId)!;
      assert.is(m.relation, data.relationOf(spans[0]!.type as 'PER', spans[1]!.type as 'PER'));
    }
    for (const j of jmere.records) assert.is.not(j.triples[0]?.relation, undefined);
  }
  const meta = await sharp(images.path('syn_train_00000')).metadata();
  assert.equal([meta.format, meta.width, meta.height], ['jpeg', 64, 64]);
});

test('options are checked', async () => {
  const outDir = tempDir();
  await data.generateSyntheticDataset({ outDir, sizes: { train: -1 } }).then(
    () => assert.unreachable('accepted a negative size'),
    (err: Error) => assert.match(err.message, /expected a non-negative integer size for train but received -1/),
  );
  await data.generateSyntheticDataset({ outDir, seed: 1.5 }).catch((err: Error) => assert.match(err.message, /expected seed to be an integer/));
});

type Example = { features: string[]; pixels: Float32Array; type: string };

/** One example per entity: its text features and the 4×8 block-averaged RGB pixels of its panel. */
async function examples(dir: string, split: 'train' | 'test', count: number): Promise<Example[]> {
  const out: Example[] = [];
  for (const s of data.syntheticSamples(5, split, count)) {
    const { data: rgb, info } = await sharp(join(dir, 'images', `${s.id}.jpg`)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const panel = Math.floor(info.width / s.entities.length);
    for (const [k, e] of s.entities.entries()) {
      // Average each of 4×8 blocks of the panel (columns × rows), per channel.
      const pixels = new Float32Array(4 * 8 * 3);
      for (let y = 0; y < info.height; y++) {
        for (let x = 0; x < panel; x++) {
          const cell = (Math.floor((y * 8) / info.height) * 4 + Math.floor((x * 4) / panel)) * 3;
          for (let ch = 0; ch < 3; ch++) pixels[cell + ch]! += rgb[(y * info.width + k * panel + x) * 3 + ch]! / 255 / ((panel * info.height) / 32);
        }
      }
      const words = s.tokens.map((t) => `w=${t.toLowerCase()}`);
      out.push({ features: [...words, `name=${e.name}`, `slot=${k}`, `n=${s.entities.length}`], pixels, type: e.type });
    }
  }
  return out;
}

/** Multinomial naive Bayes over text features, add-one smoothing. */
function textOnlyAccuracy(train: Example[], testSet: Example[]): number {
  const types = [...new Set(train.map((e) => e.type))];
  const counts = new Map(types.map((t) => [t, new Map<string, number>()]));
  const totals = new Map(types.map((t) => [t, 0]));
  const vocab = new Set<string>();
  for (const e of train) {
    for (const f of e.features) {
      counts.get(e.type)!.set(f, (counts.get(e.type)!.get(f) ?? 0) + 1);
      totals.set(e.type, totals.get(e.type)! + 1);
      vocab.add(f);
    }
  }
  const prior = (t: string) => Math.log(train.filter((e) => e.type === t).length / train.length);
  let right = 0;
  for (const e of testSet) {
    const score = (t: string) => prior(t) + e.features.reduce((s, f) => s + Math.log(((counts.get(t)!.get(f) ?? 0) + 1) / (totals.get(t)! + vocab.size)), 0);
    const best = types.reduce((a, b) => (score(b) > score(a) ? b : a));
    if (best === e.type) right++;
  }
  return right / testSet.length;
}

/** Nearest class centroid over panel pixels. */
function imageAccuracy(train: Example[], testSet: Example[]): number {
  const types = [...new Set(train.map((e) => e.type))];
  const centroids = types.map((t) => {
    const members = train.filter((e) => e.type === t);
    const c = new Float32Array(members[0]!.pixels.length);
    for (const m of members) m.pixels.forEach((v, i) => (c[i]! += v / members.length));
    return c;
  });
  const dist = (a: Float32Array, b: Float32Array) => a.reduce((s, v, i) => s + (v - b[i]!) ** 2, 0);
  let right = 0;
  for (const e of testSet) {
    const best = centroids.reduce((bi, c, i) => (dist(e.pixels, c) < dist(e.pixels, centroids[bi]!) ? i : bi), 0);
    if (types[best] === e.type) right++;
  }
  return right / testSet.length;
}

test('entity types are recoverable from the image, not from the text', async () => {
  const dir = tempDir();
  await data.generateSyntheticDataset({ outDir: dir, seed: 5, sizes: { train: 240, dev: 0, test: 120 }, imageSize: 48 });
  const train = await examples(dir, 'train', 240);
  const testSet = await examples(dir, 'test', 120);
  const text = textOnlyAccuracy(train, testSet);
  const image = imageAccuracy(train, testSet);
  console.log(`  (entity type accuracy on ${testSet.length} test entities: text-only ${text.toFixed(3)}, image ${image.toFixed(3)}, chance 0.333)`);
  assert.ok(text < 0.45, `text-only baseline separates types: ${text}`);
  assert.ok(image > 0.9, `image baseline cannot separate types: ${image}`);
});

test.run();
