// `shapca bench extract`: end-to-end extraction (read, tokenize, decode images, encoders, fusion,
// CRF, write) of the synthetic dataset's test posts with an untrained tiny MNER model and one of
// BERT-base + ViT-B/16 sizes, in posts/s, at every precision this CPU has kernels for. The model's weights are random: this measures speed,
// not what it finds.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { readContexts } from '../data/contexts.js';
import { generateSyntheticDataset, SYNTHETIC_LAYOUT, syntheticSamples } from '../data/synthetic/generate.js';
import { SYNTHETIC_ENTITY_TYPES } from '../data/synthetic/vocabulary.js';
import { extractFile } from '../extract/file.js';
import { extractionModelOf } from '../extract/extractor.js';
import { createFromScratch } from '../tasks/io.js';
import { availablePrecisions } from '../precision.js';
import { setThreads } from '../runtime.js';
import type { BenchRunOptions } from './types.js';

/** The models measured: the tiny preset, and BERT-base + ViT-B/16 sizes (random weights alike). */
const MODELS = [
  { label: 'tiny MNER model', posts: 256, text: undefined, image: undefined },
  {
    label: 'BERT-base + ViT-B/16 sized MNER model', posts: 64,
    text: { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 },
    image: { model_type: 'vit', image_size: 224, patch_size: 16, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 },
  },
] as const;

export async function benchExtract(o: BenchRunOptions): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shapca-bench-extract-'));
  try {
    const data = join(dir, 'data');
    await generateSyntheticDataset({ outDir: data, seed: 1, sizes: { train: 64, dev: 8, test: 256 }, imageSize: 128 });
    const test = await readFile(join(data, SYNTHETIC_LAYOUT.ner.dir, SYNTHETIC_LAYOUT.ner.test), 'utf8');
    const contexts = await readContexts(join(data, SYNTHETIC_LAYOUT.contexts));
    const corpus = syntheticSamples(1, 'train', 64).flatMap((x) => [x.tokens.join(' '), x.caption]);
    for (const m of MODELS) {
      // The first m.posts posts of the test split (CoNLL blocks are separated by blank lines).
      const input = join(dir, `test-${m.posts}.txt`);
      await writeFile(input, `${test.split(/\n\s*\n/).filter((b) => b.trim()).slice(0, m.posts).join('\n\n')}\n`);
      const model = await createFromScratch({
        entityTypes: [...SYNTHETIC_ENTITY_TYPES], corpus, vocabSize: 1000, seed: 1, ...(m.text ? { text: m.text } : {}), ...(m.image ? { image: m.image } : {}),
      });
      const extractor = extractionModelOf(model);
      try {
        for (const threads of o.threads) {
          setThreads(threads);
          for (const p of availablePrecisions()) {
            o.onNote?.(`extract ${m.label} ${p} threads=${threads}`);
            model.backbone.precision = p;
            let best = 0;
            for (let rep = 0; rep < Math.max(2, Math.min(o.reps, 3)); rep++) {  // the first run also warms up
              const s = await extractFile(extractor, {
                input, format: 'conll', imagesDir: join(data, SYNTHETIC_LAYOUT.images), contexts, output: join(dir, 'out.jsonl'),
                overwrite: true, progress: false, batchSize: 32,
              });
              best = Math.max(best, s.recordsPerSecond);
            }
            o.onRow({ bench: 'extract', case: `${m.label}, ${m.posts} synthetic posts with images`, precision: p, threads, ms: 1000 / best, value: best, unit: 'posts/s' });
          }
        }
      } finally {
        model.parts.text.dispose();
        model.parts.image?.dispose();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
