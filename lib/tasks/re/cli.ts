// MRE behind `shapca train` and `shapca eval`.
import type { EvalOutcome, EvalRequest, TrainOutcome, TrainRequest } from '../definition.js';
import { labelLine, paddedPercent, percent, prfLine } from '../report.js';
import { refuseEmpty } from '../splits.js';
import type { TaskTrainOptions } from '../training.js';
import { loadReExamples } from './data.js';
import type { RelationModel } from './model.js';
import { evaluateRe, trainRe, writeRePredictions } from './run.js';

export async function trainReRequest(o: TaskTrainOptions, r: TrainRequest): Promise<TrainOutcome> {
  const res = await trainRe({ ...o, data: { ...r.data, ...(r.rel2id ? { rel2id: r.rel2id } : {}) } });
  return { summary: res.summary, extra: { data: res.reports, relations: res.labels } };
}

export function reTestLine(testMetrics: unknown): string {
  const t = testMetrics as { precision: number; recall: number; f1: number };
  return `test (selected on dev): P ${percent(t.precision)} R ${percent(t.recall)} F1 ${percent(t.f1)} (micro over non-None labels)`;
}

export async function evaluateReFile(model: RelationModel, q: EvalRequest): Promise<EvalOutcome> {
  const { examples, report } = await loadReExamples(
    { file: q.file, lenient: q.lenient, ...(q.contexts ? { contexts: q.contexts } : {}), ...(q.imagesDir ? { imagesDir: q.imagesDir } : {}) },
    q.recipe,
  );
  refuseEmpty(q.file, examples);
  const r = await evaluateRe(model, examples, q.batchSize);
  if (q.predictions) await writeRePredictions(q.predictions, examples, r.predictions);
  const lines = [
    `${report.instances} instances (${report.withContext} with context, ${report.withImage} with image); accuracy ${paddedPercent(r.scores.accuracy)}`,
    prfLine(`micro (non-${r.scores.none})`, r.scores.micro),
    ...Object.entries(r.scores.perLabel).map(([l, v]) => labelLine(l, 28, v, true)),
  ];
  return { json: { task: 're', data: report, ...r.scores }, text: `${lines.join('\n')}\n` };
}
