// MRE end to end: load MNRE splits (instances, contexts, images), build or load a model, train
// with dev selection and one test evaluation, evaluate a saved model, write predictions.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { writeFileAtomic } from '../../util/atomic-write.js';
import { type RelationScores, scoreRelations } from './metric.js';
import type { ImageRecipe } from '../../model/image-loader.js';
import type { ReExample } from './batch.js';
import { loadReExamples, type ReLoadReport } from './data.js';
import { type RelationModel, type RePrediction, reModelSpec } from './model.js';
import type { TrainSummary } from '../../train/trainer.js';
import { mreLabels, type RelationLabelSet } from '../relation-labels.js';
import { loadTaskSplits, type SplitDataOptions, type Splits } from '../splits.js';
import { imageRecipeFor, predictInBatches, prfSummary, type TaskTrainOptions, trainTask } from '../training.js';

export interface ReDataOptions extends SplitDataOptions {
  /** Folder with ours_{train,val,test}.txt (MNRE v2, or v1 once its zip is extracted). */
  dataDir: string;
  /** Images folder (img_id names the file); absent: no images. */
  imagesDir?: string;
  /** A rel2id JSON file; default: the folder's ours_rel2id.json, else the training labels. */
  rel2id?: string;
}

export interface ReSplits extends Splits<ReExample, ReLoadReport> {
  labels: RelationLabelSet;
}

export async function loadReSplits(o: ReDataOptions, image: ImageRecipe | null): Promise<ReSplits> {
  const splits = await loadTaskSplits('mnre', o, (src) => loadReExamples(src, image));
  const labels = await mreLabels(o.dataDir, splits.train.map((e) => e.relation!), o.rel2id);
  const known = new Set(labels.relations);
  const unknown = splits.train.find((e) => !known.has(e.relation!));
  if (unknown) throw new Error(`training instance ${unknown.id} has relation ${JSON.stringify(unknown.relation)}, not one of the ${known.size} labels of ${labels.source}`);
  return { ...splits, labels };
}

/** Predictions for examples, in order, batchSize at a time (gold labels are not needed). */
export async function predictRe(model: RelationModel, examples: readonly ReExample[], batchSize = 32): Promise<RePrediction[]> {
  return predictInBatches(model, examples, batchSize, ({ relation: _, ...e }) => e);
}

export interface ReEvaluation {
  scores: RelationScores;
  predictions: RePrediction[];
}

export async function evaluateRe(model: RelationModel, examples: readonly ReExample[], batchSize = 32): Promise<ReEvaluation> {
  const predictions = await predictRe(model, examples, batchSize);
  return { scores: scoreRelations(examples.map((e) => e.relation ?? model.noneLabel), predictions.map((p) => p.relation), model.noneLabel), predictions };
}

/** Scores for a summary: micro and per-label P/R/F1 (4 decimals), accuracy. */
export function summariseRe(s: RelationScores) {
  return {
    ...prfSummary(s.micro), accuracy: Math.round(s.accuracy * 1e4) / 1e4,
    perLabel: Object.fromEntries(Object.entries(s.perLabel).map(([l, v]) => [l, prfSummary(v)])),
  };
}

export interface TrainReOptions extends TaskTrainOptions {
  data: ReDataOptions;
}

export interface TrainReResult {
  summary: TrainSummary;
  reports: ReSplits['reports'];
  labels: RelationLabelSet;
}

/** Trains, selects on dev (micro F1), evaluates the selected checkpoint once on test. */
export async function trainRe(o: TrainReOptions): Promise<TrainReResult> {
  const useImage = (o.options?.useImage ?? true) && o.data.imagesDir !== undefined;
  const splits = await loadReSplits(o.data, await imageRecipeFor(o.start, useImage));
  const summary = await trainTask(o, useImage, {
    model: reModelSpec, labels: { relations: splits.labels.relations, noneRelation: splits.labels.none }, splits,
    evaluate: evaluateRe,
    result: (r) => ({ score: r.scores.micro.f1, metrics: summariseRe(r.scores) }),
    writePredictions: (path, examples, r) => writeRePredictions(path, examples, r.predictions),
    meta: { data: splits.reports, labels: splits.labels },
  });
  return { summary, reports: splits.reports, labels: splits.labels };
}

export async function writeRePredictions(path: string, examples: readonly ReExample[], predictions: readonly RePrediction[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const lines = predictions.map((p, i) => {
    const e = examples[i]!;
    return JSON.stringify({ id: p.id, tokens: e.tokens, head: e.head, tail: e.tail, gold: e.relation, pred: p.relation, score: p.score, gate: p.gate });
  });
  await writeFileAtomic(path, lines.join('\n') + '\n');
}
