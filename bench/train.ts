// Training throughput of the whole MNER model (encoders, fusion, alignment, CRF, AdamW): samples/s
// of one optimizer step for the tiny preset and a BERT-base-sized text encoder, on synthetic
// posts. It has no peer: no other implementation trains this model; the encoder kernels' peer is
// bench/encoders.ts (PyTorch), run on the same machine.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { generateSyntheticDataset, readContexts } from '../lib/data/index.js';
import { createFromScratch, type ShapCAOptions } from '../lib/model/index.js';
import { loadNerExamples } from '../lib/tasks/ner/data.js';
import * as runtime from '../lib/runtime.js';
import { AdamW } from '../lib/train/optimizer.js';
import { report, timeMedian, type BenchOptions } from './harness.js';

interface Case {
  name: string;
  text: Record<string, number>;
  options: Partial<ShapCAOptions>;
  reps: number;
}

const CASES: Case[] = [
  { name: 'tiny (BERT 4x256 + ViT 4x192@96, fusion, Shap-CA)', text: {}, options: {}, reps: 7 },
  { name: 'tiny text+context, Shap-CA (no image)', text: {}, options: { useImage: false }, reps: 7 },
  {
    name: 'base-sized (BERT 12x768) text+context, Shap-CA (no image)',
    text: { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072 },
    options: { useImage: false }, reps: 3,
  },
];

export async function run(opts: BenchOptions & { threads?: number[] }): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'shapca-bench-train-'));
  try {
    await generateSyntheticDataset({ outDir: dir, seed: 3, sizes: { train: 64, dev: 1, test: 1 }, imageSize: 96 });
    const contexts = await readContexts(join(dir, 'contexts', 'captions.jsonl'));
    const { examples } = await loadNerExamples(
      { file: join(dir, 'ner', 'train.txt'), contexts, imagesDir: join(dir, 'images'), entityTypes: ['PER', 'LOC', 'ORG'] },
      { size: 96, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
    );
    const batchSize = 16;
    for (const threads of opts.threads ?? [runtime.info().threads]) {
      runtime.setThreads(threads);
      for (const c of CASES) {
        const model = await createFromScratch({
          entityTypes: ['PER', 'LOC', 'ORG'], corpus: examples.flatMap((e) => [e.tokens.join(' '), e.context ?? '']),
          vocabSize: 2000, seed: 1, text: c.text, options: { ...c.options, maxLength: 64 },
        });
        const optimizer = new AdamW(model.paramGroups(), { encoderLr: 1e-4, headLr: 1e-3 });
        const batches = [0, 1, 2, 3].map((i) => model.encode(examples.slice(i * batchSize, (i + 1) * batchSize)));
        let step = 0;
        const ms = await timeMedian(async () => {
          model.zeroGrad();
          const r = await model.trainStep(batches[step % 4]!, { seed: 1, epoch: 0, batch: step, step });
          if (!Number.isFinite(r.loss)) throw new Error(`${c.name}: loss is ${r.loss}`);
          await optimizer.step(1);
          step++;
        }, c.reps, 1);
        report({
          bench: 'train', shape: `${c.name}, batch ${batchSize}, ≤64 tokens, threads=${threads}`, ours_ms: ms,
          peer: 'none', peer_ms: null, ratio: null, unit: 'samples/s', value: batchSize / (ms / 1e3), threads,
        }, opts);
        model.parts.text.dispose();
        model.parts.image?.dispose();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    runtime.setThreads(0);
  }
}
