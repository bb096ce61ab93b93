// MNER behind `shapca train` and `shapca eval`.
import type { EvalOutcome, EvalRequest, TrainOutcome, TrainRequest } from '../definition.js';
import { labelLine, percent, prfLine } from '../report.js';
import { refuseEmpty } from '../splits.js';
import type { TaskTrainOptions } from '../training.js';
import { loadNerExamples } from './data.js';
import { inferEntityTypes } from './entity-types.js';
import type { NerModel } from './model.js';
import { evaluateNer, trainNer, writePredictions } from './run.js';

export async function trainNerRequest(o: TaskTrainOptions, r: TrainRequest): Promise<TrainOutcome> {
  const res = await trainNer({ ...o, data: { ...r.data, entityTypes: r.entityTypes ?? (await inferEntityTypes(r.data.dataDir)) } });
  return { summary: res.summary, extra: { data: res.reports } };
}

export function nerTestLine(testMetrics: unknown): string {
  const t = testMetrics as { conlleval: { f1: number; precision: number; recall: number }; strict: { f1: number } };
  const pct = percent;
  return `test (selected on dev): P ${pct(t.conlleval.precision)} R ${pct(t.conlleval.recall)} F1 ${pct(t.conlleval.f1)} (strict F1 ${pct(t.strict.f1)})`;
}

export async function evaluateNerFile(model: NerModel, q: EvalRequest): Promise<EvalOutcome> {
  const { examples, report } = await loadNerExamples(
    {
      file: q.file, entityTypes: model.config.entityTypes, lenient: q.lenient,
      ...(q.contexts ? { contexts: q.contexts } : {}), ...(q.imagesDir ? { imagesDir: q.imagesDir } : {}),
    },
    q.recipe,
  );
  refuseEmpty(q.file, examples);
  const r = await evaluateNer(model, examples, q.batchSize);
  if (q.predictions) await writePredictions(q.predictions, examples, r.predictions);
  const lines = [`${report.sentences} sentences (${report.withContext} with context, ${report.withImage} with image)`];
  for (const s of [r.conlleval, r.strict]) {
    lines.push(prfLine(s.scheme.padEnd(9), s.micro));
    for (const [t, v] of Object.entries(s.perType)) lines.push(labelLine(t, 7, v, false));
  }
  return { json: { task: 'ner', data: report, conlleval: r.conlleval, strict: r.strict }, text: `${lines.join('\n')}\n` };
}
