// `shapca demo`: on a fresh machine, with no downloads — generate the synthetic multimodal dataset,
// train the tiny model from scratch, evaluate it, and show a few extractions with what the image
// and the context contributed.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { Command } from 'commander';

import type { DeviceRequest } from '../../device.js';
import { generateSyntheticDataset, SYNTHETIC_LAYOUT } from '../../data/synthetic/generate.js';
import { SYNTHETIC_ENTITY_TYPES } from '../../data/synthetic/vocabulary.js';
import { chunksOf } from '../../data/bio.js';
import type { NerExample } from '../../tasks/ner/batch.js';
import { loadModel } from '../../tasks/io.js';
import type { NerModel } from '../../tasks/ner/model.js';
import { setThreads } from '../../runtime.js';
import { loadNerSplits, trainNer } from '../../tasks/ner/run.js';
import { addDeviceFlag, DEVICE_HELP, deviceOf } from '../device-flag.js';
import { printJson } from '../output.js';
import { nonNegativeInt, positiveInt } from '../parse.js';

interface DemoFlags {
  out: string;
  seed: number;
  epochs: number;
  trainSize: number;
  show: number;
  fresh?: boolean;
  threads?: number;
  progress: boolean;
  json?: boolean;
  device: DeviceRequest;
}

function entities(tokens: string[], tags: string[]): string {
  const found = chunksOf(tags).map((c) => `${tokens.slice(c.start, c.end).join(' ')} (${c.type})`);
  return found.length ? found.join(', ') : '—';
}

async function tagsOf(model: NerModel, ex: NerExample): Promise<{ tags: string[]; gate: number }> {
  const [p] = await model.predict(model.encode([ex]));
  return { tags: p!.tags, gate: p!.gate };
}

export function register(program: Command): void {
  const cmd = program
    .command('demo')
    .description('Generate the synthetic multimodal dataset, train the tiny model (on the CPU unless --device says otherwise), evaluate, and show extractions')
    .option('--out <dir>', 'where the data and the run go', 'shapca-demo')
    .option('--seed <n>', 'seed of the data and the run', nonNegativeInt('--seed'), 1)
    .option('--epochs <n>', 'training epochs', positiveInt('--epochs'), 8)
    .option('--train-size <n>', 'training sentences (dev and test get a quarter each)', positiveInt('--train-size'), 600)
    .option('--show <n>', 'test sentences to show', nonNegativeInt('--show'), 5)
    .option('--fresh', 'discard an earlier demo run in --out instead of continuing it')
    .option('--threads <n>', 'native threads', positiveInt('--threads'))
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary and the examples as one JSON object');
  addDeviceFlag(cmd)
    .addHelpText('after', `
The synthetic posts use ambiguous names ("Camden", "Dakota") in neutral sentences; whether each
name is a person, a place or a team is only visible in the drawn image and said in its caption
(the context). The run goes to --out/run (rerunning continues it; --fresh starts over); the model
is at --out/run/best, usable with \`shapca eval --model\`.
${DEVICE_HELP}`)
    .action(async (f: DemoFlags) => {
      if (f.threads) setThreads(f.threads);
      const device = deviceOf(f.device);
      const dataDir = join(f.out, 'data');
      const runDir = join(f.out, 'run');
      const side = Math.max(1, Math.round(f.trainSize / 4));
      const log = (s: string) => !f.json && process.stderr.write(`${s}\n`);
      log(`generating ${f.trainSize}/${side}/${side} synthetic posts with images and captions in ${dataDir}`);
      await generateSyntheticDataset({ outDir: dataDir, seed: f.seed, sizes: { train: f.trainSize, dev: side, test: side }, imageSize: 96 });
      if (f.fresh) await rm(runDir, { recursive: true, force: true });
      const data = {
        dataDir: join(dataDir, SYNTHETIC_LAYOUT.ner.dir), contexts: [join(dataDir, SYNTHETIC_LAYOUT.contexts)],
        imagesDir: join(dataDir, SYNTHETIC_LAYOUT.images), entityTypes: [...SYNTHETIC_ENTITY_TYPES],
      };
      log(`training the tiny model (BERT 4×256 + ViT 4×192 at 96×96) from scratch for ${f.epochs} epochs`);
      const { summary } = await trainNer({
        data, outDir: runDir, start: { preset: 'tiny', vocabSize: 2000 }, epochs: f.epochs, batchSize: 16,
        seed: f.seed, resume: true, progress: f.progress, meta: { demo: true }, device,
      });
      const model = await loadModel(summary.bestDir, 'ner', { device });
      const splits = await loadNerSplits(data, { size: model.config.imageSize, mean: model.config.imageMean, std: model.config.imageStd });
      const shown = [];
      for (const ex of splits.test.slice(0, f.show)) {
        const full = await tagsOf(model, ex);
        const noImage = await tagsOf(model, { ...ex, pixels: null });
        const noContext = await tagsOf(model, { id: ex.id, tokens: ex.tokens, tags: ex.tags!, pixels: ex.pixels ?? null });
        shown.push({
          text: ex.tokens.join(' '), context: ex.context, gold: entities(ex.tokens, ex.tags!), predicted: entities(ex.tokens, full.tags),
          withoutImage: entities(ex.tokens, noImage.tags), withoutContext: entities(ex.tokens, noContext.tags), gate: full.gate,
        });
      }
      const test = summary.testMetrics as { conlleval: { precision: number; recall: number; f1: number } };
      if (f.json) {
        printJson({ summary, examples: shown });
        return;
      }
      const pct = (x: number) => (x * 100).toFixed(1);
      const lines = [
        `test entity F1 ${pct(test.conlleval.f1)} (P ${pct(test.conlleval.precision)}, R ${pct(test.conlleval.recall)}), ` +
          `selected on dev (epoch ${summary.bestEpoch + 1}, dev F1 ${pct(summary.devScore)}); ${summary.samplesPerSec.toFixed(1)} samples/s`,
        '',
      ];
      for (const s of shown) {
        lines.push(`  "${s.text}"`, `    context:          ${s.context}`, `    gold:             ${s.gold}`,
          `    predicted:        ${s.predicted}   (image gate ${s.gate.toFixed(2)})`,
          `    without image:    ${s.withoutImage}`, `    without context:  ${s.withoutContext}`, '');
      }
      lines.push(`model: ${summary.bestDir}   curves: ${join(runDir, 'curves.svg')}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
