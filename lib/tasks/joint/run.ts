// MJERE end to end: load JMERE splits (sentences with triples, contexts, images), build or load a
// model, train with dev selection (quintuple F1) and one test evaluation, evaluate a saved model,
// write predictions.
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

import { writeFileAtomic } from '../../util/atomic-write.js';
import { type JointScores, scoreJoint } from './metric.js';
import type { PairOptions } from '../../model/config.js';
import type { ImageRecipe } from '../../model/image-loader.js';
import { entitiesOf, type JointExample } from './batch.js';
import { type JointLoadReport, loadJointExamples } from './data.js';
import { type JointModel, type JointPrediction, jointModelSpec } from './model.js';
import type { TrainSummary } from '../../train/trainer.js';
import { jointEntityTypes, jointRelations, type RelationLabelSet } from '../relation-labels.js';
import { loadTaskSplits, type SplitDataOptions, type Splits } from '../splits.js';
import { imageRecipeFor, predictInBatches, prfSummary, type TaskTrainOptions, trainTask } from '../training.js';

export interface JointDataOptions extends SplitDataOptions {
  /** Folder with train.json, val.json and test.json (../shared/data/jmere/v1 or merged). */
  dataDir: string;
  /** Entity types; default: those of the training triples (per, loc, org, misc order). */
  entityTypes?: string[];
}

export interface JointSplits extends Splits<JointExample, JointLoadReport> {
  entityTypes: string[];
  labels: RelationLabelSet;
}

export async function loadJointSplits(o: JointDataOptions, image: ImageRecipe | null): Promise<JointSplits> {
  const splits = await loadTaskSplits('jmere', o, (src) => loadJointExamples({ ...src, ...(o.entityTypes ? { entityTypes: o.entityTypes } : {}) }, image));
  const triples = splits.train.flatMap((e) => e.triples ?? []);
  return {
    ...splits,
    entityTypes: o.entityTypes ?? jointEntityTypes(triples.flatMap((t) => [t.head.type, t.tail.type])),
    labels: jointRelations(triples.map((t) => t.relation)),
  };
}

/** Predictions for examples, in order, batchSize at a time (gold triples are not needed). */
export async function predictJoint(model: JointModel, examples: readonly JointExample[], batchSize = 32): Promise<JointPrediction[]> {
  return predictInBatches(model, examples, batchSize, ({ triples: _t, entities: _e, ...e }) => e);
}

export interface JointEvaluation {
  scores: JointScores;
  predictions: JointPrediction[];
}

export async function evaluateJoint(model: JointModel, examples: readonly JointExample[], batchSize = 32): Promise<JointEvaluation> {
  const predictions = await predictJoint(model, examples, batchSize);
  const gold = examples.map((e) => ({ entities: entitiesOf(e), triples: e.triples ?? [] }));
  return { scores: scoreJoint(gold, predictions), predictions };
}

/** Scores for a summary: quintuple (the task's number, also at top level), entity and pair P/R/F1. */
export function summariseJoint(s: JointScores) {
  return {
    ...prfSummary(s.quintuple), quintuple: prfSummary(s.quintuple), entity: prfSummary(s.entity), pair: prfSummary(s.pair),
    perRelation: Object.fromEntries(Object.entries(s.perRelation).map(([l, v]) => [l, prfSummary(v)])),
  };
}

export interface TrainJointOptions extends TaskTrainOptions {
  data: JointDataOptions;
  /** Negative pairs per gold pair in training, entities paired at inference. */
  pairs?: Partial<PairOptions>;
}

export interface TrainJointResult {
  summary: TrainSummary;
  reports: JointSplits['reports'];
  entityTypes: string[];
  labels: RelationLabelSet;
}

/** Trains, selects on dev (quintuple F1), evaluates the selected checkpoint once on test. */
export async function trainJoint(o: TrainJointOptions): Promise<TrainJointResult> {
  const useImage = (o.options?.useImage ?? true) && o.data.imagesDir !== undefined;
  const splits = await loadJointSplits(o.data, await imageRecipeFor(o.start, useImage));
  const labels = { entityTypes: splits.entityTypes, relations: splits.labels.relations, noneRelation: splits.labels.none, ...(o.pairs ? { pairs: o.pairs } : {}) };
  const summary = await trainTask(o, useImage, {
    model: jointModelSpec, labels, splits,
    evaluate: evaluateJoint,
    result: (r) => ({ score: r.scores.quintuple.f1, metrics: summariseJoint(r.scores) }),
    writePredictions: (path, examples, r) => writeJointPredictions(path, examples, r.predictions),
    meta: { data: splits.reports, entityTypes: splits.entityTypes, labels: splits.labels },
  });
  return { summary, reports: splits.reports, entityTypes: splits.entityTypes, labels: splits.labels };
}

export async function writeJointPredictions(path: string, examples: readonly JointExample[], predictions: readonly JointPrediction[]): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const lines = predictions.map((p, i) => {
    const e = examples[i]!;
    return JSON.stringify({ id: p.id, tokens: e.tokens, gold: e.triples ?? [], pred: p.triples, entities: p.entities, gate: p.gate });
  });
  await writeFileAtomic(path, lines.join('\n') + '\n');
}
