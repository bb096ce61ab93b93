// `shapca pretrain`: masked-language-model pretraining of the text encoder on in-domain text, from
// scratch (tiny preset, vocabulary learned from the corpus) or continued from an HF BERT folder.
import { type Command, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import { fileCorpus, type CorpusDocument, type CorpusSource } from '../../pretrain/corpus.js';
import { datasetCorpus } from '../../pretrain/datasets.js';
import { pretrain, type PretrainStart } from '../../pretrain/run.js';
import { setThreads } from '../../runtime.js';
import { readContextFiles } from '../../data/context-files.js';
import { printJson } from '../output.js';
import { nonNegativeInt, positiveInt, positiveNumber, ratio } from '../parse.js';

interface PretrainFlags {
  out: string;
  corpus?: string[];
  fromDatasets?: string[];
  contexts?: string[];
  contextsFormat: ContextFormat;
  preset?: 'tiny';
  model?: string;
  vocabSize: number;
  cased?: boolean;
  epochs: number;
  batchSize: number;
  lr?: number;
  warmup: number;
  weightDecay: number;
  maxGradNorm: number;
  maxLength: number;
  maskShare: number;
  heldOut: number;
  seed: number;
  resume?: boolean;
  threads?: number;
  progress: boolean;
  json?: boolean;
}

const CONTEXT_FORMATS: ContextFormat[] = ['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm'];

const HELP = `
Corpus (one or both):
  --corpus FILES         plain text (one document per line) or JSONL (.jsonl / .json: one object per
                         line, {"text": "..."} or {"tokens": [...]}, with an optional "context" that
                         becomes the second segment). Files are read line by line, never whole.
  --from-datasets DIRS   the TRAINING splits of the datasets in these folders (Twitter train.txt,
                         MNRE ours_train.txt, JMERE train.json; a folder, or its sub-folders two
                         levels down). Dev and test files are never opened. With --contexts, each
                         post gets its training image's context as the second segment.

Masking: whole words (every sub-token of a chosen word), --mask-share of the words (0.15); of the
chosen tokens 80 % become [MASK], 10 % a random token and 10 % stay.

Starting point:
  --preset tiny          BERT 4×256 from scratch, WordPiece vocabulary (--vocab-size) learned from
                         the corpus (the default).
  --model DIR            continue an HF BERT checkpoint; its MLM head (cls.predictions.*) is loaded
                         when present.

Output (--out DIR): best/ is the model to fine-tune (\`shapca train --model DIR/best\`): config.json,
  model.safetensors with HF BertForMaskedLM names (bert.*, cls.predictions.*), tokenizer.json,
  vocab.txt. Also last/ (--resume continues from it), log.jsonl, curves.svg, summary.json. The score
  is the MLM loss on held-out documents (--held-out of them, evenly spaced); the best epoch is kept.

Example:
  shapca pretrain --from-datasets ../shared/data/twitter2015 --contexts-format pgim-aligned \\
    --contexts ../shared/data/contexts/pgim_chatgpt_aux/aligned_by_imgid/twitter2015_train.jsonl --out runs/pt15
  shapca train --data ../shared/data/twitter2015 --model runs/pt15/best --out runs/t15
`;

function concat(sources: CorpusSource[]): CorpusSource {
  return {
    describe: sources.map((s) => s.describe).join(' + '),
    *documents(): Generator<CorpusDocument> {
      for (const s of sources) yield* s.documents();
    },
  };
}

export function register(program: Command): void {
  program
    .command('pretrain')
    .description('Masked-language-model pretraining of the text encoder on in-domain text (whole-word masking)')
    .requiredOption('--out <dir>', 'run folder')
    .option('--corpus <files...>', 'text or JSONL files')
    .option('--from-datasets <dirs...>', 'the training splits of the datasets in these folders')
    .option('--contexts <files...>', '--from-datasets: image contexts (only those of training images are used)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(CONTEXT_FORMATS).default('jsonl'))
    .addOption(new Option('--preset <name>', 'pretrain from scratch with this preset').choices(['tiny']))
    .option('--model <dir>', 'continue pretraining an HF BERT checkpoint')
    .option('--vocab-size <n>', 'WordPiece vocabulary learned for --preset tiny', positiveInt('--vocab-size'), 8000)
    .option('--cased', '--preset tiny: learn a cased vocabulary (keeps capitalisation; default uncased)')
    .option('--epochs <n>', 'epochs over the corpus', positiveInt('--epochs'), 10)
    .option('--batch-size <n>', 'documents per step', positiveInt('--batch-size'), 32)
    .option('--lr <lr>', 'peak learning rate (default 5e-4 from scratch, 5e-5 from --model)', positiveNumber('--lr'))
    .option('--warmup <ratio>', 'linear warm-up, as a share of all steps', ratio('--warmup'), 0.06)
    .option('--weight-decay <w>', 'decoupled weight decay (not on biases and LayerNorm)', Number, 0.01)
    .option('--max-grad-norm <n>', 'global gradient-norm clipping', positiveNumber('--max-grad-norm'), 1)
    .option('--max-length <n>', 'tokens per document, [CLS] text [SEP] context [SEP]', positiveInt('--max-length'), 128)
    .option('--mask-share <r>', 'share of the words masked', ratio('--mask-share'), 0.15)
    .option('--held-out <r>', 'share of the documents held out for the score', ratio('--held-out'), 0.05)
    .option('--seed <n>', 'seed: initialisation, order, masking', nonNegativeInt('--seed'), 42)
    .option('--resume', 'continue the run in --out from its last checkpoint')
    .option('--threads <n>', 'native threads (default: one per core)', positiveInt('--threads'))
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print the summary as one JSON object')
    .addHelpText('after', HELP)
    .action(async (f: PretrainFlags) => {
      if (f.preset && f.model) throw new Error('--preset and --model exclude each other');
      if (f.cased && f.model) throw new Error('--cased applies to --preset tiny (a pretrained model keeps its own tokenizer)');
      if (!f.corpus && !f.fromDatasets) throw new Error('give a corpus: --corpus FILES and/or --from-datasets DIRS');
      if (f.contexts && !f.fromDatasets) throw new Error('--contexts applies to --from-datasets (a JSONL corpus carries its own "context")');
      if (!(f.maskShare > 0)) throw new Error('expected a --mask-share above 0');
      if (f.threads) setThreads(f.threads);
      const sources: CorpusSource[] = [];
      let datasets: unknown;
      if (f.fromDatasets) {
        const contexts = f.contexts ? await readContextFiles(f.contexts, f.contextsFormat) : undefined;
        const r = await datasetCorpus(f.fromDatasets, contexts);
        sources.push(r.source);
        datasets = r.report;
      }
      if (f.corpus) sources.push(fileCorpus(f.corpus));
      const start: PretrainStart = f.model ? { textDir: f.model } : { preset: 'tiny', vocabSize: f.vocabSize, ...(f.cased ? { cased: true } : {}) };
      const s = await pretrain({
        corpus: sources.length === 1 ? sources[0]! : concat(sources), outDir: f.out, start,
        epochs: f.epochs, batchSize: f.batchSize, ...(f.lr ? { lr: f.lr } : {}), warmup: f.warmup, weightDecay: f.weightDecay,
        maxGradNorm: f.maxGradNorm, maxLength: f.maxLength, masking: { wordShare: f.maskShare }, heldOutShare: f.heldOut,
        seed: f.seed, resume: f.resume ?? false, progress: f.progress, meta: { argv: process.argv.slice(2), ...(datasets ? { datasets } : {}) },
      });
      if (f.json) return printJson(s);
      const m = s.devMetrics as { loss: number; accuracy: number; perplexity: number };
      process.stdout.write(
        `best epoch ${s.bestEpoch + 1}/${s.epochs}: held-out MLM loss ${m.loss.toFixed(4)} (perplexity ${m.perplexity.toFixed(1)}, ` +
          `accuracy ${(m.accuracy * 100).toFixed(2)} %)\n${s.samplesPerSec.toFixed(1)} documents/s, ${s.wallSeconds.toFixed(0)} s; model in ${s.bestDir}\n`,
      );
    });
}
