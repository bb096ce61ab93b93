// The synthetic multimodal dataset: the project's default data for `shapca demo` and for tests,
// since the benchmark images cannot be shipped. Every entity name is ambiguous and every template
// type-neutral; the entity's type (and so the relation between two entities) is drawn in the
// image, one panel per entity, and described by the image's caption (its context).
import { join } from 'node:path';

import sharp from 'sharp';

import { writeFileAtomic } from '../../util/atomic-write.js';
import { bioSpans, type EntitySpan, spansToBio } from '../bio.js';
import { formatContextLine } from '../contexts.js';
import { formatJmere } from '../jmere.js';
import { formatMnre } from '../mnre.js';
import { formatTwitterNer } from '../twitter-ner.js';
import { Rng } from './rng.js';
import { imageCaption, imageSvg, randomScene, type Scene } from './scenes.js';
import {
  AMBIGUOUS_NAMES, HASHTAGS, ONE_ENTITY_TEMPLATES, relationOf, SYNTHETIC_ENTITY_TYPES, type SyntheticEntityType,
  TWO_ENTITY_TEMPLATES, USERS,
} from './vocabulary.js';

export type SyntheticSplit = 'train' | 'dev' | 'test';

export interface SyntheticOptions {
  /** Folder to write into (created if needed; files of an earlier run are overwritten). */
  outDir: string;
  /** Default 1. The same seed and sizes give byte-identical files. */
  seed?: number;
  /** Sentences per split. Default 300 / 100 / 100. */
  sizes?: Partial<Record<SyntheticSplit, number>>;
  /** Side of the square images in pixels. Default 128. */
  imageSize?: number;
  /** Share of sentences with two entities (the rest have one). Default 0.6. */
  twoEntityShare?: number;
}

/** One synthetic post: its text, entities (with the type shown in the image) and caption. */
export interface SyntheticSample {
  id: string;
  split: SyntheticSplit;
  tokens: string[];
  /** In mention order; entity k is drawn in panel k (left to right). */
  entities: (EntitySpan & { name: string; type: SyntheticEntityType })[];
  scenes: Scene[];
  caption: string;
}

/** Where each file goes inside outDir. */
export const SYNTHETIC_LAYOUT = {
  images: 'images',
  ner: { dir: 'ner', train: 'train.txt', dev: 'valid.txt', test: 'test.txt' },
  mre: { dir: 'mre', train: 'ours_train.txt', dev: 'ours_val.txt', test: 'ours_test.txt' },
  jmere: { dir: 'jmere', train: 'train.json', dev: 'val.json', test: 'test.json' },
  contexts: 'contexts/captions.jsonl',
  manifest: 'manifest.json',
} as const;

export interface SyntheticManifest {
  generator: 'shapca-synthetic';
  version: 1;
  seed: number;
  imageSize: number;
  twoEntityShare: number;
  entityTypes: readonly string[];
  counts: Record<SyntheticSplit, { sentences: number; entities: number; mreInstances: number; jmereSentences: number }>;
  layout: typeof SYNTHETIC_LAYOUT;
}

const SPLITS: readonly SyntheticSplit[] = ['train', 'dev', 'test'];

/** The samples of one split, without drawing anything (sample i depends only on seed, split, i). */
export function syntheticSamples(seed: number, split: SyntheticSplit, count: number, twoEntityShare = 0.6): SyntheticSample[] {
  return Array.from({ length: count }, (_, i) => syntheticSample(seed, split, i, twoEntityShare));
}

function syntheticSample(seed: number, split: SyntheticSplit, index: number, twoEntityShare: number): SyntheticSample {
  const rng = Rng.forSample(seed, split, index);
  const two = rng.chance(twoEntityShare);
  const types = Array.from({ length: two ? 2 : 1 }, () => rng.pick(SYNTHETIC_ENTITY_TYPES));
  const names = [rng.pick(AMBIGUOUS_NAMES)];
  if (two) {
    let second = rng.pick(AMBIGUOUS_NAMES);
    while (second === names[0]) second = rng.pick(AMBIGUOUS_NAMES);
    names.push(second);
  }
  const template = rng.pick(two ? TWO_ENTITY_TEMPLATES : ONE_ENTITY_TEMPLATES);
  const tokens: string[] = [];
  const entities: SyntheticSample['entities'] = [];
  for (const word of template.split(' ')) {
    const slot = word === '{A}' ? 0 : word === '{B}' ? 1 : -1;
    if (slot >= 0) {
      const name = names[slot] as string;
      const start = tokens.length;
      tokens.push(...name.split(' '));
      entities.push({ name, type: types[slot] as SyntheticEntityType, start, end: tokens.length });
    } else {
      tokens.push(word.replace('{user}', rng.pick(USERS)).replace('{tag}', rng.pick(HASHTAGS)));
    }
  }
  const scenes = types.map((t) => randomScene(t, rng));
  const id = `syn_${split}_${String(index).padStart(5, '0')}`;
  return { id, split, tokens, entities, scenes, caption: imageCaption(scenes, rng) };
}

/** Writes the dataset (images, NER / MRE / JMERE files, contexts, manifest) and returns the manifest. */
export async function generateSyntheticDataset(options: SyntheticOptions): Promise<SyntheticManifest> {
  const seed = options.seed ?? 1;
  const imageSize = options.imageSize ?? 128;
  const twoEntityShare = options.twoEntityShare ?? 0.6;
  const sizes = { train: 300, dev: 100, test: 100, ...options.sizes };
  for (const [name, n] of Object.entries(sizes)) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`expected a non-negative integer size for ${name} but received ${n}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new RangeError(`expected seed to be an integer in [0, 4294967295] but received ${seed}`);
  if (!Number.isInteger(imageSize) || imageSize < 16 || imageSize > 1024) throw new RangeError(`expected imageSize in [16, 1024] but received ${imageSize}`);
  if (!(twoEntityShare >= 0 && twoEntityShare <= 1)) throw new RangeError(`expected twoEntityShare in [0, 1] but received ${twoEntityShare}`);

  const out = (...parts: string[]) => join(options.outDir, ...parts);
  const counts = {} as SyntheticManifest['counts'];
  let contexts = '';
  for (const split of SPLITS) {
    const samples = syntheticSamples(seed, split, sizes[split], twoEntityShare);
    await drawImages(samples, imageSize, out(SYNTHETIC_LAYOUT.images));

    const ner = samples.map((s) => ({ imageId: s.id, tokens: s.tokens, tags: spansToBio(s.tokens.length, s.entities) }));
    const pairs = samples.filter((s) => s.entities.length === 2);
    const mre = pairs.map((s) => {
      const [a, b] = s.entities as [SyntheticSample['entities'][0], SyntheticSample['entities'][0]];
      return { tokens: s.tokens, head: a, tail: b, imageId: `${s.id}.jpg`, relation: relationOf(a.type, b.type) };
    });
    const jmere = mre
      .filter((m) => m.relation !== 'None')
      .map((m) => ({
        tokens: m.tokens,
        imageId: m.imageId,
        triples: [{ head: { ...m.head, type: m.head.type.toLowerCase() }, tail: { ...m.tail, type: m.tail.type.toLowerCase() }, relation: m.relation.split('/')[3] as string }],
      }));
    await writeFileAtomic(out(SYNTHETIC_LAYOUT.ner.dir, SYNTHETIC_LAYOUT.ner[split]), formatTwitterNer(ner));
    await writeFileAtomic(out(SYNTHETIC_LAYOUT.mre.dir, SYNTHETIC_LAYOUT.mre[split]), formatMnre(mre));
    await writeFileAtomic(out(SYNTHETIC_LAYOUT.jmere.dir, SYNTHETIC_LAYOUT.jmere[split]), formatJmere(jmere));
    for (const s of samples) contexts += formatContextLine({ id: s.id, context: s.caption, model: 'synthetic/scene-caption', prompt: '' });
    counts[split] = {
      sentences: samples.length,
      entities: ner.reduce((n, r) => n + bioSpans(r.tags).length, 0),
      mreInstances: mre.length,
      jmereSentences: jmere.length,
    };
  }
  await writeFileAtomic(out(SYNTHETIC_LAYOUT.contexts), contexts);
  const manifest: SyntheticManifest = {
    generator: 'shapca-synthetic', version: 1, seed, imageSize, twoEntityShare, entityTypes: SYNTHETIC_ENTITY_TYPES, counts, layout: SYNTHETIC_LAYOUT,
  };
  await writeFileAtomic(out(SYNTHETIC_LAYOUT.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Renders the images (SVG → JPEG with sharp), a few at a time so memory stays flat. */
async function drawImages(samples: readonly SyntheticSample[], size: number, dir: string): Promise<void> {
  const batch = 16;
  for (let i = 0; i < samples.length; i += batch) {
    await Promise.all(
      samples.slice(i, i + batch).map(async (s) => {
        const jpeg = await sharp(Buffer.from(imageSvg(s.scenes, size))).jpeg({ quality: 90 }).toBuffer();
        await writeFileAtomic(join(dir, `${s.id}.jpg`), jpeg);
      }),
    );
  }
}
