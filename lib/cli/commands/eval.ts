// `shapca eval`: score a saved model on a dataset file — NER: entity P/R/F1 (conlleval and strict);
// RE: micro and per-label P/R/F1 over non-None labels; joint: quintuple, entity and pair P/R/F1.
import { type Command, Option } from 'commander';

import { readContextFiles } from '../../data/context-files.js';
import type { ContextFormat } from '../../data/context-importers.js';
import type { DeviceRequest } from '../../device.js';
import type { ShapCATask } from '../../model/config.js';
import type { Precision } from '../../precision.js';
import { setThreads } from '../../runtime.js';
import { loadModel } from '../../tasks/io.js';
import { TASK_NAMES, taskDefinition } from '../../tasks/registry.js';
import { filesUnder } from '../../util/identity.js';
import { assertOutputsAreNotInputs } from '../../util/same-file.js';
import { addDeviceFlag, DEVICE_HELP, deviceOf } from '../device-flag.js';
import { addPrecisionFlag, PRECISION_HELP, precisionOf } from '../precision-flag.js';
import { printJson } from '../output.js';
import { positiveInt } from '../parse.js';

interface EvalFlags {
  task?: ShapCATask;
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
  device: DeviceRequest;
  precision: Precision;
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('Score a trained model on a dataset file: entities (ner), relations (re) or quintuples (joint)')
    .addOption(new Option('--task <task>', "the model's task (default: what the model folder holds)").choices(TASK_NAMES))
    .requiredOption('--model <dir>', 'a model folder written by `shapca train` (e.g. runs/x/best)')
    .requiredOption('--data <file>', 'a file with gold labels: Twitter CoNLL (ner), MNRE ours_*.txt (re), JMERE *.json (joint)')
    .option('--contexts <files...>', 'image contexts (one or more files, merged)')
    .addOption(new Option('--contexts-format <fmt>', 'format of the context files').choices(['jsonl', 'pgim-aligned', 'blip2', 'riveg', 'camim', 'kecpm']).default('jsonl'))
    .option('--images <dir>', 'images folder (<id>.jpg)')
    .option('--predictions <file>', 'also write one JSON line per sample: tokens, gold, pred, gate')
    .option('--batch-size <n>', 'samples per batch', positiveInt('--batch-size'), 32)
    .option('--threads <n>', 'native threads', positiveInt('--threads'))
    .option('--lenient', 'skip malformed lines instead of failing')
    .option('--json', 'print one JSON object');
  addPrecisionFlag(addDeviceFlag(cmd))
    .addHelpText('after', `
Metrics:
  ner    micro and per-type precision / recall / F1 over entities. "conlleval" chunks as the CoNLL
         script does (an orphan I-X starts an entity), "strict" only counts entities that start with B-X.
  re     micro P/R/F1 over the labels other than None (a prediction is correct when it equals the
         gold label and is not None), per label, and accuracy. MNRE v1 (extracted from its zip)
         scores the same way with its own "none".
  joint  exact quintuples (head span + type, tail span + type, relation): micro and per relation;
         entity F1 (span + type) and pair F1 (both typed spans, relation ignored) beside it. JMERE
         annotates only entities that take part in a relation, so entity F1 is not a full NER score.
${DEVICE_HELP}${PRECISION_HELP}`)
    .action(async (f: EvalFlags) => {
      if (f.threads) setThreads(f.threads);
      // --predictions must not replace the gold file, a context file or one of the model's files.
      if (f.predictions) assertOutputsAreNotInputs([f.predictions], [f.data, ...(f.contexts ?? []), ...(await filesUnder(f.model))]);
      const model = await loadModel(f.model, f.task ?? 'any', { device: deviceOf(f.device), precision: precisionOf(f.precision) });
      const cfg = model.config;
      const r = await taskDefinition(cfg.task).evaluateFile(model, {
        file: f.data, lenient: f.lenient ?? false, batchSize: f.batchSize,
        recipe: f.images && cfg.imageSize ? { size: cfg.imageSize, mean: cfg.imageMean, std: cfg.imageStd } : null,
        ...(f.contexts ? { contexts: await readContextFiles(f.contexts, f.contextsFormat) } : {}), ...(f.images ? { imagesDir: f.images } : {}),
        ...(f.predictions ? { predictions: f.predictions } : {}),
      });
      if (f.json) printJson(r.json);
      else process.stdout.write(r.text);
    });
}
