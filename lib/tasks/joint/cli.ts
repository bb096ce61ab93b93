// MJERE behind `shapca train` and `shapca eval`.
import type { EvalOutcome, EvalRequest, TrainOutcome, TrainRequest } from '../definition.js';
import { labelLine, percent, prfLine } from '../report.js';
import { refuseEmpty } from '../splits.js';
import type { TaskTrainOptions } from '../training.js';
import { loadJointExamples } from './data.js';
import type { JointModel } from './model.js';
import { evaluateJoint, trainJoint, writeJointPredictions } from './run.js';

export async function trainJointRequest(o: TaskTrainOptions, r: TrainRequest): Promise<TrainOutcome> {
  const res = await trainJoint({ ...o, data: { ...r.data, ...(r.entityTypes ? { entityTypes: r.entityTypes } : {}) }, ...(r.pairs ? { pairs: r.pairs } : {}) });
  return { summary: res.summary, extra: { data: res.reports, entityTypes: res.entityTypes, relations: res.labels } };
}

export function jointTestLine(testMetrics: unknown): string {
  const t = testMetrics as { precision: number; recall: number; f1: number; entity: { f1: number }; pair: { f1: number } };
  const what = `quintuples; entity F1 ${percent(t.entity.f1)}, pair F1 ${percent(t.pair.f1)}`;
  return `test (selected on dev): P ${percent(t.precision)} R ${percent(t.recall)} F1 ${percent(t.f1)} (${what})`;
}

export async function evaluateJointFile(model: JointModel, q: EvalRequest): Promise<EvalOutcome> {
  const { examples, report } = await loadJointExamples(
    {
      file: q.file, lenient: q.lenient, entityTypes: model.config.entityTypes,
      ...(q.contexts ? { contexts: q.contexts } : {}), ...(q.imagesDir ? { imagesDir: q.imagesDir } : {}),
    },
    q.recipe,
  );
  refuseEmpty(q.file, examples);
  const r = await evaluateJoint(model, examples, q.batchSize);
  if (q.predictions) await writeJointPredictions(q.predictions, examples, r.predictions);
  const lines = [
    `${report.sentences} sentences, ${report.triples} triples (${report.withContext} with context, ${report.withImage} with image)`,
    prfLine('quintuple', r.scores.quintuple),
    prfLine('entity   ', r.scores.entity),
    prfLine('pair     ', r.scores.pair),
    ...Object.entries(r.scores.perRelation).map(([l, v]) => labelLine(l, 20, v, true)),
  ];
  return { json: { task: 'joint', data: report, ...r.scores }, text: `${lines.join('\n')}\n` };
}
