// `shapca baseline --task ner|re|joint`: the linear baselines (a softmax tagger over word, shape,
// affix and window features; a bag-of-words relation classifier), trained with dev selection and
// scored once on test through the same readers and metrics as `train`.
import { type Command, Option } from 'commander';

import { runBaseline, type BaselineSummary, type BaselineTask } from '../../baselines/run.js';
import { printJson } from '../output.js';
import { nonNegativeInt, positiveInt, positiveNumber, typeList } from '../parse.js';

interface BaselineFlags {
  task: BaselineTask;
  data: string;
  out: string;
  types?: string[];
  relations?: string;
  maxEntities: number;
  epochs: number;
  lr: number;
  seed: number;
  lenient?: boolean;
  resume?: boolean;
  progress: boolean;
  json?: boolean;
}

const HELP = `
The floor every results table is read against: no neural network, no contexts, no images.
  ner    a softmax over each word's BIO tag from sparse features: the word, its shape, prefixes and
         suffixes (up to 4 characters), orthographic flags and the words in a ±2 window.
  re     a softmax over the relation labels from the words of the sentence, of the head, of the
         tail and between the two, their order and distance.
  joint  the tagger for the entities, then the relation classifier over every ordered pair of
         predicted entities (trained on the pairs of gold entities, unrelated ones as None).
Data folders and scores are those of \`shapca train\` (conlleval F1, micro F1 over non-None labels,
quintuple F1). Each epoch is scored on dev; the best dev epoch is scored once on test.
Output (--out DIR): summary.json and test-predictions.jsonl, in the formats \`train\` writes.

Example:
  shapca baseline --task ner --data ../shared/data/twitter2015 --out runs/t15-linear
`;

const pct = (x: number) => (x * 100).toFixed(2);

export function register(program: Command): void {
  program
    .command('baseline')
    .description('Train and score the linear baselines (softmax tagger, bag-of-words relation classifier)')
    .addOption(new Option('--task <task>', 'ner, re or joint').choices(['ner', 're', 'joint']).default('ner'))
    .requiredOption('--data <dir>', 'dataset folder with train/valid/test files')
    .requiredOption('--out <dir>', 'run folder')
    .option('--types <list>', 'ner, joint: entity types, comma-separated (default: those in the training data)', typeList)
    .option('--relations <file>', "re: a rel2id JSON file (default: the folder's ours_rel2id.json, else the training labels)")
    .option('--max-entities <n>', 'joint: predicted entities per sentence that are paired', positiveInt('--max-entities'), 12)
    .option('--epochs <n>', 'epochs (the best dev epoch is kept)', positiveInt('--epochs'), 10)
    .option('--lr <lr>', 'AdaGrad step size', positiveNumber('--lr'), 0.05)
    .option('--seed <n>', 'seed of the training order', nonNegativeInt('--seed'), 42)
    .option('--lenient', 'skip malformed dataset lines (and report them) instead of failing')
    .option('--resume', 'print the summary of a finished run in --out instead of training again')
    .option('--no-progress', 'no per-epoch lines on stderr')
    .option('--json', 'print the summary as one JSON object')
    .addHelpText('after', HELP)
    .action(async (f: BaselineFlags) => {
      if (f.relations && f.task !== 're') throw new Error('--relations applies to --task re only');
      const s: BaselineSummary = await runBaseline({
        task: f.task, dataDir: f.data, outDir: f.out, epochs: f.epochs, lr: f.lr, seed: f.seed, lenient: f.lenient ?? false,
        maxEntities: f.maxEntities, resume: f.resume ?? false,
        ...(f.types ? { entityTypes: f.types } : {}), ...(f.relations ? { rel2id: f.relations } : {}),
        ...(f.progress ? { onEpoch: (e) => process.stderr.write(`epoch ${e.epoch + 1}/${f.epochs}: loss ${e.loss.toFixed(4)}, dev F1 ${pct(e.devScore)}\n`) } : {}),
      });
      if (f.json) return printJson(s);
      const t = (f.task === 'ner' ? (s.testMetrics as { conlleval: object }).conlleval : s.testMetrics) as { precision: number; recall: number; f1: number };
      process.stdout.write(
        `best epoch ${s.bestEpoch + 1}/${s.epochs}: dev F1 ${pct(s.devScore)}\n` +
          `test (selected on dev): P ${pct(t.precision)} R ${pct(t.recall)} F1 ${pct(t.f1)}\n${s.wallSeconds.toFixed(1)} s; run in ${s.outDir}\n`,
      );
    });
}
