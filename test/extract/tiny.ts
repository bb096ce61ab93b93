// A tiny untrained MNER model (BERT 1×32, ViT 1×24 at 32×32) over a small synthetic dataset, saved
// once per process and shared by the extraction and explanation tests.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type ContextSet, generateSyntheticDataset, readContexts } from '../../lib/data/index.js';
import { createFromScratch, type NerExample, type ShapCAModel, type ShapCAOptions } from '../../lib/model/index.js';
import { loadNerExamples } from '../../lib/tasks/ner/data.js';

export const TYPES = ['PER', 'LOC', 'ORG'];
export const IMAGE = { size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };

export interface Tiny {
  /** Root of the temporary files (removed at exit). */
  dir: string;
  /** The synthetic dataset: ner/{train,valid,test}.txt, images/, contexts/captions.jsonl. */
  data: string;
  contexts: ContextSet;
  train: NerExample[];
  /** The model with an image encoder, saved in modelDir. */
  model: ShapCAModel;
  modelDir: string;
}

export function tinyModel(train: NerExample[], options: Partial<ShapCAOptions> = {}, seed = 3): Promise<ShapCAModel> {
  return createFromScratch({
    entityTypes: TYPES, corpus: train.flatMap((e) => [e.tokens.join(' '), e.context ?? '']), vocabSize: 300, seed,
    text: { hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64 },
    image: { image_size: 32, patch_size: 16, hidden_size: 24, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 48 },
    options: { alignDim: 16, fusionHeads: 2, maxLength: 48, ...options },
  });
}

let shared: Promise<Tiny> | null = null;

export function tiny(): Promise<Tiny> {
  shared ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shapca-extract-'));
    // shared by several suites, so removed when the test process ends
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const data = join(dir, 'data');
    await generateSyntheticDataset({ outDir: data, seed: 2, sizes: { train: 24, dev: 4, test: 24 }, imageSize: 32 });
    const contexts = await readContexts(join(data, 'contexts', 'captions.jsonl'));
    const train = (await loadNerExamples({ file: join(data, 'ner', 'train.txt'), contexts, imagesDir: join(data, 'images'), entityTypes: TYPES }, IMAGE)).examples;
    const model = await tinyModel(train);
    const modelDir = join(dir, 'model');
    await model.save(modelDir);
    return { dir, data, contexts, train, model, modelDir };
  })();
  return shared;
}
