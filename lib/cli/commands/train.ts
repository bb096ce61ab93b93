// `shapca train --task ner|re|joint`: train a Shap-CA model with dev selection and one test evaluation.
import { type Command, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import type { DeviceRequest } from '../../device.js';
import type { ShapCATask } from '../../model/config.js';
import { setThreads } from '../../runtime.js';
import type { TrainData } from '../../tasks/definition.js';
import { TASK_NAMES, taskDefinition } from '../../tasks/registry.js';
import type { StartPoint, TaskTrainOptions } from '../../tasks/training.js';
import type { TrainSummary } from '../../train/trainer.js';
import { addDeviceFlag, DEVICE_HELP, deviceOf } from '../device-flag.js';
import { addHubFlags, HUB_HELP, type HubFlags, modelFolder } from '../hub-flags.js';
import { addModelFlags, type ModelFlags, modelOptions } from '../model-flags.js';
import { printJson } from '../output.js';
import { trainIdentity } from '../train-identity.js';
import { nonNegativeInt, positiveInt, positiveNumber, ratio, typeList } from '../parse.js';

interface TrainFlags extends ModelFlags, HubFlags {
  task: ShapCATask;
  data: string;
  contexts?: string[];
  contextsFormat: ContextFormat;
  images?: string;
  types?: string[];
  relations?: string;
  negativeRatio: number;
  maxEntities: number;
  out: string;
  preset?: 'tiny';
  model?: string;
  imageModel?: string;
  vocabSize: number;
  cased?: boolean;
  epochs: number;
  batchSize: number;
  lrEncoder: number;
  lrHead?: number;
  lrFeatures?: number;
  warmup: number;
  maxGradNorm: number;
  weightDecay: number;
  freezeEncoders?: boolean;
  classBalance: boolean;
  seed: number;
  resume?: boolean;
  threads?: number;
  lenient?: boolean;
  progress: boolean;
  json?: boolean;
  device: DeviceRequest;
}

const CONTEXT_FORMATS: ContextFormat[] = ['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm'];

const HELP = `
Tasks and data (--data DIR):
  ner    train.txt, valid.txt (or dev.txt), test.txt in the Twitter-2015/2017 CoNLL format (IMGID lines).
  re     MNRE: ours_train.txt, ours_val.txt (or "mnre_val .txt"), ours_test.txt, one Python-literal
         dict per line. MNRE v2 is ../shared/data/mnre (its ours_rel2id.json gives the 23 labels).
         MNRE v1 ships zipped (Version-1/mnre_txt_org.zip): extract it and pass its txt/ folder,
         e.g. unzip mnre_txt_org.zip -d /tmp/mnre1 && --data /tmp/mnre1/txt; its labels (none +
         30 relations, 28 of which occur in train) come from the training split, or from --relations FILE
         (a rel2id JSON). v1 also needs --lenient: some lines have a numeric img_id or an entity
         name that differs from its token span (#AQAST vs "# AQAST"), and the reader skips them
         (638 of 7824 train, 68 of 975 val, 119 of 1282 test lines).
  joint  JMERE: train.json, val.json, test.json (../shared/data/jmere/v1 or jmere/merged).
         Entity types and relations come from the training triples (or --types).
  Contexts come from --contexts: our JSONL (see \`shapca context\`) or, with --contexts-format, a
  published set: pgim-aligned (PGIM's ChatGPT knowledge), blip2, riveg, camim (CAMIM's MNRE
  captions: pass caption_train.txt caption_val.txt caption_test.txt together), kecpm. Images come
  from --images. Samples without a context or image are kept: their terms are masked.

Starting point:
  --preset tiny          BERT 4×256 (+ ViT 4×192 at 96×96 with --images), from scratch, with a
                         WordPiece vocabulary learned from the training split (the default).
  --model DIR|ID         a HF BERT checkpoint (config.json, model.safetensors, tokenizer.json or
                         vocab.txt) or its Hub repo id; add --image-model DIR|ID for a ViT or CLIP
                         vision checkpoint (--revision, --image-revision, --offline: see below).
                         For re the markers [E1] [/E1] [E2] [/E2] are added to its vocabulary.

Output (--out DIR): last/ and best/ checkpoints (written atomically; --resume continues from last/),
  log.jsonl (every step's losses, every evaluation), curves.svg, summary.json, test-predictions.jsonl.
  Selection uses dev only (ner: conlleval F1; re: micro F1 over non-None labels; joint: quintuple
  F1); test is scored once, for the selected checkpoint.

Examples:
  shapca train --task ner --data ../shared/data/twitter2017 --contexts pgim.jsonl --out runs/t17 --epochs 5
  shapca train --task re --data ../shared/data/mnre --contexts-format camim \\
    --contexts ../shared/data/contexts/camim_mnre_captions/caption/caption_{train,val,test}.txt --out runs/mnre
  shapca train --task joint --data ../shared/data/jmere/v1 --contexts-format camim \\
    --contexts ../shared/data/contexts/camim_mnre_captions/caption/caption_{train,val,test}.txt --out runs/jmere
`;

const pct = (x: number) => (x * 100).toFixed(2);

function report(task: ShapCATask, s: TrainSummary): string {
  const head = `best epoch ${s.bestEpoch + 1}/${s.epochs}: dev F1 ${pct(s.devScore)}\n`;
  const tail = `${s.samplesPerSec.toFixed(1)} samples/s, ${s.wallSeconds.toFixed(0)} s; run in ${s.outDir}\n`;
  return `${head}${taskDefinition(task).testLine(s.testMetrics)}\n${tail}`;
}

export function register(program: Command): void {
  const cmd = program
    .command('train')
    .description('Train a Shap-CA model (MNER, MRE or MJERE) with dev-based selection and one test evaluation')
    .addOption(new Option('--task <task>', 'ner (entities), re (relation of a given pair), joint (entities and relations)').choices(TASK_NAMES).default('ner'))
    .requiredOption('--data <dir>', 'dataset folder with train/valid/test files')
    .option('--contexts <files...>', 'image contexts (one or more files, merged)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(CONTEXT_FORMATS).default('jsonl'))
    .option('--images <dir>', 'images folder (<id>.jpg)')
    .option('--types <list>', 'ner, joint: entity types, comma-separated (default: those in the training data)', typeList)
    .option('--relations <file>', "re: a rel2id JSON file (default: the folder's ours_rel2id.json, else the training labels)")
    .option('--negative-ratio <r>', 'joint: unrelated entity pairs sampled per related pair in training', Number, 2)
    .option('--max-entities <n>', 'joint: predicted entities per sentence that are paired', positiveInt('--max-entities'), 12)
    .requiredOption('--out <dir>', 'run folder')
    .addOption(new Option('--preset <name>', 'train from scratch with this preset').choices(['tiny']))
    .option('--model <dir|id>', 'pretrained BERT checkpoint: a folder (HF layout) or a Hub repo id')
    .option('--image-model <dir|id>', 'pretrained ViT / CLIP vision checkpoint: a folder or a Hub repo id')
    .option('--vocab-size <n>', 'WordPiece vocabulary learned for --preset tiny', positiveInt('--vocab-size'), 8000)
    .option('--cased', '--preset tiny: learn a cased vocabulary (keeps capitalisation, which names carry; default uncased)')
    .option('--epochs <n>', 'epochs', positiveInt('--epochs'), 5)
    .option('--batch-size <n>', 'samples per step', positiveInt('--batch-size'), 16)
    .option('--lr-encoder <lr>', 'learning rate of pretrained encoders', positiveNumber('--lr-encoder'), 5e-5)
    .option('--lr-head <lr>', 'learning rate of new layers (default 1e-3 from scratch, 1e-4 pretrained)', positiveNumber('--lr-head'))
    .option('--lr-features <lr>', 'learning rate of the --word-features table (default 1e-2; sparse: each row learns only when its feature occurs)', positiveNumber('--lr-features'))
    .option('--warmup <ratio>', 'linear warm-up, as a share of all steps', ratio('--warmup'), 0.1)
    .option('--max-grad-norm <n>', 'global gradient-norm clipping', positiveNumber('--max-grad-norm'), 1)
    .option('--weight-decay <w>', 'decoupled weight decay (not on biases and LayerNorm)', Number, 0.01)
    .option('--freeze-encoders', 'do not update pretrained encoders')
    .option('--no-class-balance', 're: plain cross-entropy (default: weighted by label frequency, so that the head does not collapse to None)')
    .option('--seed <n>', 'seed: data order, initialisation, permutations, negative pairs', nonNegativeInt('--seed'), 42)
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--threads <n>', 'native threads (default: one per core)', positiveInt('--threads'))
    .option('--lenient', 'skip malformed dataset lines (and report them) instead of failing')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary as one JSON object');
  addHubFlags(addModelFlags(addDeviceFlag(cmd)))
    .addHelpText('after', HELP + DEVICE_HELP + HUB_HELP)
    .action(async (f: TrainFlags) => {
      if (f.preset && f.model) throw new Error('--preset and --model exclude each other');
      if (f.cased && f.model) throw new Error('--cased applies to --preset tiny (a pretrained model keeps its own tokenizer)');
      if (f.relations && f.task !== 're') throw new Error('--relations applies to --task re only');
      if (!(f.negativeRatio >= 0)) throw new Error(`expected a non-negative number for --negative-ratio but received ${f.negativeRatio}`);
      if (f.threads) setThreads(f.threads);
      const device = deviceOf(f.device);
      const start: StartPoint = f.model
        ? { textDir: await modelFolder(f.model, 'bert', f), ...(f.imageModel ? { imageDir: await modelFolder(f.imageModel, 'vit', f, true) } : {}) }
        : { preset: 'tiny', vocabSize: f.vocabSize, ...(f.cased ? { cased: true } : {}) };
      // What this run is, kept in --out/run.json: a --resume with other data or options is refused.
      const identity = await trainIdentity(f as unknown as Parameters<typeof trainIdentity>[0], { ...modelOptions(f) },
        'textDir' in start ? [start.textDir, ...(start.imageDir ? [start.imageDir] : [])] : []);
      const common: TaskTrainOptions = {
        outDir: f.out, start, options: modelOptions(f), identity,
        epochs: f.epochs, batchSize: f.batchSize, encoderLr: f.lrEncoder, ...(f.lrHead ? { headLr: f.lrHead } : {}), ...(f.lrFeatures ? { featureLr: f.lrFeatures } : {}),
        warmup: f.warmup, maxGradNorm: f.maxGradNorm, weightDecay: f.weightDecay, freezePretrained: f.freezeEncoders ?? false,
        seed: f.seed, resume: f.resume ?? false, progress: f.progress, meta: { argv: process.argv.slice(2), task: f.task }, device,
      };
      const data: TrainData = {
        dataDir: f.data, lenient: f.lenient ?? false,
        ...(f.contexts ? { contexts: f.contexts, contextsFormat: f.contextsFormat } : {}), ...(f.images && f.image ? { imagesDir: f.images } : {}),
      };
      const { summary, extra } = await taskDefinition(f.task).train(common, {
        data, ...(f.types ? { entityTypes: f.types } : {}), ...(f.relations ? { rel2id: f.relations } : {}), classBalance: f.classBalance,
        pairs: { negativeRatio: f.negativeRatio, maxEntities: f.maxEntities },
      });
      if (f.json) printJson({ ...summary, ...extra });
      else process.stdout.write(report(f.task, summary));
    });
}
