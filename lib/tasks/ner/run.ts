// MNER end to end: load a dataset (text, contexts, images), build or load a model, train with dev
// selection and one test evaluation, evaluate a saved model, write predictions.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import type { ImageRecipe } from '../../model/image-loader.js';
import type { TrainSummary } from '../../train/trainer.js';
import { writeFileAtomic } from '../../util/atomic-write.js';
import { loadTaskSplits, type SplitDataOptions, type Splits } from '../splits.js';
import { imageRecipeFor, predictInBatches, type TaskTrainOptions, trainTask } from '../training.js';
import type { NerExample } from './batch.js';
import { loadNerExamples, type NerLoadReport } from './data.js';
import { scoreNer, type NerScores } from './metric.js';
import { type NerModel, nerModelSpec, type NerPrediction } from './model.js';

export interface NerDataOptions extends SplitDataOptions {
  /** Folder with train/valid(dev)/test files in Twitter CoNLL format. */
  dataDir: string;
  /** Images folder (`<id>.jpg`); absent: no images. */
  imagesDir?: string;
  entityTypes: string[];
}

export type NerSplits = Splits<NerExample, NerLoadReport>;

export async function loadNerSplits(o: NerDataOptions, image: ImageRecipe | null): Promise<NerSplits> {
  return loadTaskSplits('twitter', o, (src) => loadNerExamples({ ...src, entityTypes: o.entityTypes }, image));
}

/** Predictions for examples, in order, batchSize at a time. */
export async function predictNer(model: NerModel, examples: readonly NerExample[], batchSize = 32): Promise<NerPrediction[]> {
  return predictInBatches(model, examples, batchSize, (e) => e);
}

export interface NerEvaluation {
  conlleval: NerScores;
  strict: NerScores;
  predictions: NerPrediction[];
}

export async function evaluateNer(model: NerModel, examples: readonly NerExample[], batchSize = 32): Promise<NerEvaluation> {
  const predictions = await predictNer(model, examples, batchSize);
  const gold = examples.map((e) => e.tags ?? []);
  const pred = predictions.map((p) => p.tags);
  return { conlleval: scoreNer(gold, pred, 'conlleval'), strict: scoreNer(gold, pred, 'strict'), predictions };
}

export interface TrainNerOptions extends TaskTrainOptions {
  data: NerDataOptions;
}

export interface TrainNerResult {
  summary: TrainSummary;
  reports: NerSplits['reports'];
}

/** Trains, selects on dev (conlleval micro F1), evaluates the selected checkpoint once on test. */
export async function trainNer(o: TrainNerOptions): Promise<TrainNerResult> {
  const useImage = (o.options?.useImage ?? true) && o.data.imagesDir !== undefined;
  const splits = await loadNerSplits(o.data, await imageRecipeFor(o.start, useImage));
  const summary = await trainTask(o, useImage, {
    model: nerModelSpec, labels: { task: 'ner', entityTypes: o.data.entityTypes }, splits,
    evaluate: evaluateNer,
    result: (r) => ({ score: r.conlleval.micro.f1, metrics: { conlleval: summarise(r.conlleval), strict: summarise(r.strict) } }),
    writePredictions: (path, examples, r) => writePredictions(path, examples, r.predictions),
    meta: { data: splits.reports },
  });
  return { summary, reports: splits.reports };
}

function summarise(s: NerScores) {
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return {
    precision: round(s.micro.precision), recall: round(s.micro.recall), f1: round(s.micro.f1),
    perType: Object.fromEntries(Object.entries(s.perType).map(([t, v]) => [t, { precision: round(v.precision), recall: round(v.recall), f1: round(v.f1) }])),
  };
}

export async function writePredictions(path: string, examples: readonly NerExample[], predictions: readonly NerPrediction[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const lines = predictions.map((p, i) => JSON.stringify({ id: p.id, tokens: examples[i]!.tokens, gold: examples[i]!.tags, pred: p.tags, gate: p.gate }));
  await writeFileAtomic(path, lines.join('\n') + '\n');
}
