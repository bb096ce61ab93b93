// `shapca eval --task ner`: score a saved model on a dataset file (conlleval and strict P/R/F1).
import { type Command, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import { loadModel } from '../../model/io.js';
import { loadNerExamples } from '../../model/ner-data.js';
import { setThreads } from '../../runtime.js';
import { evaluateNer, readContextFiles, writePredictions } from '../../tasks/ner.js';
import { printJson } from '../output.js';
import { positiveInt } from '../parse.js';

interface EvalFlags {
  task: 'ner';
  model: string;
  data: string;
  contexts?: string[];
  contextsFormat: ContextFormat;
  images?: string;
  predictions?: string;
  batchSize: number;
  threads?: number;
  lenient?: boolean;
  json?: boolean;
}

function pct(x: number): string {
  return (x * 100).toFixed(2).padStart(6);
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('Score a trained model on a dataset file: entity-level P/R/F1 (conlleval chunking and strict)')
    .addOption(new Option('--task <task>', 'task').choices(['ner']).default('ner'))
    .requiredOption('--model <dir>', 'a model folder written by `shapca train` (e.g. runs/x/best)')
    .requiredOption('--data <file>', 'a Twitter-style CoNLL file with gold tags')
    .option('--contexts <files...>', 'image contexts (one or more files, merged)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm']).default('jsonl'))
    .option('--images <dir>', 'images folder (<id>.jpg)')
    .option('--predictions <file>', 'also write one JSON line per sentence: tokens, gold, pred, gate')
    .option('--batch-size <n>', 'sentences per batch', positiveInt('--batch-size'), 32)
    .option('--threads <n>', 'native threads', positiveInt('--threads'))
    .option('--lenient', 'skip malformed lines instead of failing')
    .option('--json', 'print one JSON object')
    .addHelpText('after', `
Metrics: micro and per-type precision / recall / F1 over entities. "conlleval" chunks as the CoNLL
script does (an orphan I-X starts an entity), "strict" only counts entities that start with B-X.
`)
    .action(async (f: EvalFlags) => {
      if (f.threads) setThreads(f.threads);
      const model = await loadModel(f.model);
      const cfg = model.config;
      const recipe = f.images && cfg.imageSize ? { size: cfg.imageSize, mean: cfg.imageMean, std: cfg.imageStd } : null;
      const { examples, report } = await loadNerExamples(
        {
          file: f.data, entityTypes: cfg.entityTypes, lenient: f.lenient ?? false,
          ...(f.contexts ? { contexts: await readContextFiles(f.contexts, f.contextsFormat) } : {}), ...(f.images ? { imagesDir: f.images } : {}),
        },
        recipe,
      );
      const r = await evaluateNer(model, examples, f.batchSize);
      if (f.predictions) await writePredictions(f.predictions, examples, r.predictions);
      if (f.json) {
        printJson({ data: report, conlleval: r.conlleval, strict: r.strict });
        return;
      }
      const lines = [`${report.sentences} sentences (${report.withContext} with context, ${report.withImage} with image)`];
      for (const s of [r.conlleval, r.strict]) {
        lines.push(`${s.scheme.padEnd(9)}  precision ${pct(s.micro.precision)}  recall ${pct(s.micro.recall)}  F1 ${pct(s.micro.f1)}   (${s.micro.correct} correct, ${s.micro.predicted} predicted, ${s.micro.gold} gold)`);
        for (const [t, v] of Object.entries(s.perType)) lines.push(`  ${t.padEnd(7)}  precision ${pct(v.precision)}  recall ${pct(v.recall)}  F1 ${pct(v.f1)}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
