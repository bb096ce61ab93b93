// `shapca train --task ner`: train a Shap-CA model with dev selection and one test evaluation.
import { type Command, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import { setThreads } from '../../runtime.js';
import { inferEntityTypes } from '../../tasks/entity-types.js';
import { trainNer } from '../../tasks/ner.js';
import { addModelFlags, type ModelFlags, modelOptions } from '../model-flags.js';
import { printJson } from '../output.js';
import { nonNegativeInt, positiveInt, positiveNumber, ratio, typeList } from '../parse.js';

interface TrainFlags extends ModelFlags {
  task: 'ner';
  data: string;
  contexts?: string[];
  contextsFormat: ContextFormat;
  images?: string;
  types?: string[];
  out: string;
  preset?: 'tiny';
  model?: string;
  imageModel?: string;
  vocabSize: number;
  epochs: number;
  batchSize: number;
  lrEncoder: number;
  lrHead?: number;
  warmup: number;
  maxGradNorm: number;
  weightDecay: number;
  freezeEncoders?: boolean;
  seed: number;
  resume?: boolean;
  threads?: number;
  lenient?: boolean;
  progress: boolean;
  json?: boolean;
}

const CONTEXT_FORMATS: ContextFormat[] = ['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm'];

const HELP = `
Data:
  --data DIR holds train.txt, valid.txt (or dev.txt) and test.txt in the Twitter-2015/2017 CoNLL
  format (IMGID lines). Contexts come from --contexts: our JSONL (see \`shapca context\`) or, with
  --contexts-format, a published set: pgim-aligned (PGIM's ChatGPT knowledge, the
  aligned_by_imgid/*.jsonl files), blip2 (BLIP2_15/17.txt), riveg, camim, kecpm. Images come from
  --images (\`<id>.jpg\`). Samples without a context or image are kept: their terms are masked.

Starting point:
  --preset tiny          BERT 4×256 (+ ViT 4×192 at 96×96 with --images), from scratch, with a
                         WordPiece vocabulary learned from the training split (the default).
  --model DIR            a HF BERT checkpoint (config.json, model.safetensors, tokenizer.json or
                         vocab.txt); add --image-model DIR for a ViT or CLIP vision checkpoint.

Output (--out DIR): last/ and best/ checkpoints (written atomically; --resume continues from last/),
  log.jsonl (every step's losses, every evaluation), curves.svg, summary.json, test-predictions.jsonl.
  Selection uses dev only; test is scored once, for the selected checkpoint.

Example:
  shapca train --task ner --data ../shared/data/twitter2017 --contexts pgim.jsonl --out runs/t17 --epochs 5
`;

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('Train a Shap-CA model (MNER) with dev-based selection and one test evaluation')
    .addOption(new Option('--task <task>', 'task').choices(['ner']).default('ner'))
    .requiredOption('--data <dir>', 'dataset folder with train/valid/test files')
    .option('--contexts <files...>', 'image contexts (one or more files, merged)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(CONTEXT_FORMATS).default('jsonl'))
    .option('--images <dir>', 'images folder (<id>.jpg)')
    .option('--types <list>', 'entity types, comma-separated (default: those in the training tags)', typeList)
    .requiredOption('--out <dir>', 'run folder')
    .addOption(new Option('--preset <name>', 'train from scratch with this preset').choices(['tiny']))
    .option('--model <dir>', 'pretrained BERT checkpoint (HF layout)')
    .option('--image-model <dir>', 'pretrained ViT / CLIP vision checkpoint (HF layout)')
    .option('--vocab-size <n>', 'WordPiece vocabulary learned for --preset tiny', positiveInt('--vocab-size'), 8000)
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), 5)
    .option('--batch-size <n>', 'samples per step', positiveInt('--batch-size'), 16)
    .option('--lr-encoder <lr>', 'learning rate of pretrained encoders', positiveNumber('--lr-encoder'), 5e-5)
    .option('--lr-head <lr>', 'learning rate of new layers (default 1e-3 from scratch, 1e-4 pretrained)', positiveNumber('--lr-head'))
    .option('--warmup <ratio>', 'linear warm-up, as a share of all steps', ratio('--warmup'), 0.1)
    .option('--max-grad-norm <n>', 'global gradient-norm clipping', positiveNumber('--max-grad-norm'), 1)
    .option('--weight-decay <w>', 'decoupled weight decay (not on biases and LayerNorm)', Number, 0.01)
    .option('--freeze-encoders', 'do not update pretrained encoders')
    .option('--seed <n>', 'seed: data order, initialisation, permutations', nonNegativeInt('--seed'), 42)
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--threads <n>', 'native threads (default: one per core)', positiveInt('--threads'))
    .option('--lenient', 'skip malformed dataset lines (and report them) instead of failing')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary as one JSON object');
  addModelFlags(cmd)
    .addHelpText('after', HELP)
    .action(async (f: TrainFlags) => {
      if (f.preset && f.model) throw new Error('--preset and --model exclude each other');
      if (f.threads) setThreads(f.threads);
      const entityTypes = f.types ?? (await inferEntityTypes(f.data));
      const { summary, reports } = await trainNer({
        data: {
          dataDir: f.data, entityTypes, lenient: f.lenient ?? false,
          ...(f.contexts ? { contexts: f.contexts, contextsFormat: f.contextsFormat } : {}), ...(f.images && f.image ? { imagesDir: f.images } : {}),
        },
        outDir: f.out,
        start: f.model ? { textDir: f.model, ...(f.imageModel ? { imageDir: f.imageModel } : {}) } : { preset: 'tiny', vocabSize: f.vocabSize },
        options: modelOptions(f),
        epochs: f.epochs, batchSize: f.batchSize, encoderLr: f.lrEncoder, ...(f.lrHead ? { headLr: f.lrHead } : {}),
        warmup: f.warmup, maxGradNorm: f.maxGradNorm, weightDecay: f.weightDecay, freezePretrained: f.freezeEncoders ?? false,
        seed: f.seed, resume: f.resume ?? false, progress: f.progress,
        meta: { argv: process.argv.slice(2) },
      });
      if (f.json) {
        printJson({ ...summary, data: reports });
        return;
      }
      const test = summary.testMetrics as { conlleval: { f1: number; precision: number; recall: number }; strict: { f1: number } };
      process.stdout.write(
        `best epoch ${summary.bestEpoch + 1}/${summary.epochs}: dev F1 ${(summary.devScore * 100).toFixed(2)}\n` +
          `test (selected on dev): P ${(test.conlleval.precision * 100).toFixed(2)} R ${(test.conlleval.recall * 100).toFixed(2)} ` +
          `F1 ${(test.conlleval.f1 * 100).toFixed(2)} (strict F1 ${(test.strict.f1 * 100).toFixed(2)})\n` +
          `${summary.samplesPerSec.toFixed(1)} samples/s, ${summary.wallSeconds.toFixed(0)} s; run in ${summary.outDir}\n`,
      );
    });
}
