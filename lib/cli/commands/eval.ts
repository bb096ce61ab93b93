// `shapca eval`: score a saved model on a dataset file — NER: entity P/R/F1 (conlleval and strict);
// RE: micro and per-label P/R/F1 over non-None labels; joint: quintuple, entity and pair P/R/F1.
import { type Command, Option } from 'commander';

import type { ContextFormat } from '../../data/context-importers.js';
import type { DeviceRequest } from '../../device.js';
import type { Precision } from '../../precision.js';
import type { ContextSet } from '../../data/contexts.js';
import type { PRF } from '../../metrics/f1.js';
import type { ImageRecipe } from '../../model/image-loader.js';
import { loadModel, type TaskModel } from '../../model/io.js';
import { loadJointExamples } from '../../model/joint-data.js';
import type { JointModel } from '../../model/joint-model.js';
import { loadNerExamples } from '../../model/ner-data.js';
import type { ShapCAModel } from '../../model/ner-model.js';
import { loadReExamples } from '../../model/re-data.js';
import type { RelationModel } from '../../model/re-model.js';
import { setThreads } from '../../runtime.js';
import { evaluateJoint, writeJointPredictions } from '../../tasks/joint.js';
import { evaluateNer, readContextFiles, writePredictions } from '../../tasks/ner.js';
import { evaluateRe, writeRePredictions } from '../../tasks/re.js';
import { addDeviceFlag, DEVICE_HELP, deviceOf } from '../device-flag.js';
import { addPrecisionFlag, PRECISION_HELP, precisionOf } from '../precision-flag.js';
import { printJson } from '../output.js';
import { positiveInt } from '../parse.js';

interface EvalFlags {
  task?: 'ner' | 're' | 'joint';
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

interface Inputs {
  contexts?: ContextSet;
  imagesDir?: string;
  recipe: ImageRecipe | null;
}

function pct(x: number): string {
  return (x * 100).toFixed(2).padStart(6);
}

function line(name: string, s: PRF): string {
  return `${name}  precision ${pct(s.precision)}  recall ${pct(s.recall)}  F1 ${pct(s.f1)}   (${s.correct} correct, ${s.predicted} predicted, ${s.gold} gold)`;
}

async function evalNer(model: ShapCAModel, f: EvalFlags, io: Inputs): Promise<void> {
  const { examples, report } = await loadNerExamples(
    { file: f.data, entityTypes: model.config.entityTypes, lenient: f.lenient ?? false, ...(io.contexts ? { contexts: io.contexts } : {}), ...(io.imagesDir ? { imagesDir: io.imagesDir } : {}) },
    io.recipe,
  );
  const r = await evaluateNer(model, examples, f.batchSize);
  if (f.predictions) await writePredictions(f.predictions, examples, r.predictions);
  if (f.json) return printJson({ task: 'ner', data: report, conlleval: r.conlleval, strict: r.strict });
  const lines = [`${report.sentences} sentences (${report.withContext} with context, ${report.withImage} with image)`];
  for (const s of [r.conlleval, r.strict]) {
    lines.push(line(s.scheme.padEnd(9), s.micro));
    for (const [t, v] of Object.entries(s.perType)) lines.push(`  ${t.padEnd(7)}  precision ${pct(v.precision)}  recall ${pct(v.recall)}  F1 ${pct(v.f1)}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function evalRe(model: RelationModel, f: EvalFlags, io: Inputs): Promise<void> {
  const { examples, report } = await loadReExamples(
    { file: f.data, lenient: f.lenient ?? false, ...(io.contexts ? { contexts: io.contexts } : {}), ...(io.imagesDir ? { imagesDir: io.imagesDir } : {}) },
    io.recipe,
  );
  const r = await evaluateRe(model, examples, f.batchSize);
  if (f.predictions) await writeRePredictions(f.predictions, examples, r.predictions);
  if (f.json) return printJson({ task: 're', data: report, ...r.scores });
  const lines = [
    `${report.instances} instances (${report.withContext} with context, ${report.withImage} with image); accuracy ${pct(r.scores.accuracy)}`,
    line(`micro (non-${r.scores.none})`, r.scores.micro),
    ...Object.entries(r.scores.perLabel).map(([l, v]) => `  ${l.padEnd(28)}  precision ${pct(v.precision)}  recall ${pct(v.recall)}  F1 ${pct(v.f1)}  (${v.gold} gold)`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function evalJoint(model: JointModel, f: EvalFlags, io: Inputs): Promise<void> {
  const { examples, report } = await loadJointExamples(
    {
      file: f.data, lenient: f.lenient ?? false, entityTypes: model.config.entityTypes,
      ...(io.contexts ? { contexts: io.contexts } : {}), ...(io.imagesDir ? { imagesDir: io.imagesDir } : {}),
    },
    io.recipe,
  );
  const r = await evaluateJoint(model, examples, f.batchSize);
  if (f.predictions) await writeJointPredictions(f.predictions, examples, r.predictions);
  if (f.json) return printJson({ task: 'joint', data: report, ...r.scores });
  const lines = [
    `${report.sentences} sentences, ${report.triples} triples (${report.withContext} with context, ${report.withImage} with image)`,
    line('quintuple', r.scores.quintuple),
    line('entity   ', r.scores.entity),
    line('pair     ', r.scores.pair),
    ...Object.entries(r.scores.perRelation).map(([l, v]) => `  ${l.padEnd(20)}  precision ${pct(v.precision)}  recall ${pct(v.recall)}  F1 ${pct(v.f1)}  (${v.gold} gold)`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('Score a trained model on a dataset file: entities (ner), relations (re) or quintuples (joint)')
    .addOption(new Option('--task <task>', "the model's task (default: what the model folder holds)").choices(['ner', 're', 'joint']))
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
      const model: TaskModel = await loadModel(f.model, f.task ?? 'any', { device: deviceOf(f.device), precision: precisionOf(f.precision) });
      const cfg = model.config;
      const io: Inputs = {
        recipe: f.images && cfg.imageSize ? { size: cfg.imageSize, mean: cfg.imageMean, std: cfg.imageStd } : null,
        ...(f.contexts ? { contexts: await readContextFiles(f.contexts, f.contextsFormat) } : {}), ...(f.images ? { imagesDir: f.images } : {}),
      };
      if (cfg.task === 'ner') await evalNer(model as ShapCAModel, f, io);
      else if (cfg.task === 're') await evalRe(model as RelationModel, f, io);
      else await evalJoint(model as JointModel, f, io);
    });
}
