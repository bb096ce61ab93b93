// The linear baselines end to end, through the same readers, metrics and prediction files as
// `train`: the splits are loaded by the task loaders, each epoch is scored on dev, the best dev
// epoch's weights are kept, and test is scored once with them. The run folder gets summary.json
// (written last: it marks a finished run) and test-predictions.jsonl.
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { bioSpans, bioTags, spansToBio } from '../data/bio.js';
import { entitiesOf, type JointExample } from '../tasks/joint/batch.js';
import { scoreJoint } from '../tasks/joint/metric.js';
import type { JointPrediction } from '../tasks/joint/model.js';
import { loadJointSplits, summariseJoint, writeJointPredictions } from '../tasks/joint/run.js';
import { inferEntityTypes } from '../tasks/ner/entity-types.js';
import { scoreNer, type NerScores } from '../tasks/ner/metric.js';
import { loadNerSplits, writePredictions } from '../tasks/ner/run.js';
import { scoreRelations } from '../tasks/re/metric.js';
import { loadReSplits, summariseRe, writeRePredictions } from '../tasks/re/run.js';
import { prfSummary } from '../tasks/training.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { BowRelationClassifier, type RelationInstance } from './relation.js';
import type { SparseSoftmax } from './sparse-softmax.js';
import { LinearTagger } from './tagger.js';

export type BaselineTask = 'ner' | 're' | 'joint';

export interface BaselineOptions {
  task: BaselineTask;
  /** The dataset folder, as `train --data`. */
  dataDir: string;
  outDir: string;
  /** Epochs over the training split; the best dev epoch is kept. Default 10. */
  epochs?: number;
  /** Training order. Default 42. */
  seed?: number;
  /** AdaGrad step size. Default 0.05. */
  lr?: number;
  /** ner: entity types (default: those of the training tags); joint: default those of the triples. */
  entityTypes?: string[];
  /** re: a rel2id JSON file (as `train --relations`). */
  rel2id?: string;
  lenient?: boolean;
  /** joint: predicted entities per sentence that are paired (the first ones). Default 12. */
  maxEntities?: number;
  /** Return the summary of a finished run in outDir instead of training again. Default false. */
  resume?: boolean;
  /** Called after each epoch. */
  onEpoch?: (e: { epoch: number; loss: number; devScore: number }) => void;
}

/** The outcome (also outDir/summary.json), with the fields `train`'s summary has for tables. */
export interface BaselineSummary {
  model: 'linear';
  task: BaselineTask;
  bestEpoch: number;
  epochs: number;
  devScore: number;
  devMetrics: unknown;
  testScore: number;
  testMetrics: unknown;
  devScores: number[];
  seed: number;
  trainSeconds: number;
  wallSeconds: number;
  /** Features of the tagger and/or the relation classifier. */
  features: Record<string, number>;
  outDir: string;
  meta: Record<string, unknown>;
}

interface Scored<P> {
  score: number;
  metrics: unknown;
  predictions: P[];
}

/** What a task plugs into the common loop. */
interface BaselineRun<E, P> {
  models: SparseSoftmax[];
  trainEpoch(epoch: number): number;
  evaluate(examples: readonly E[]): Scored<P>;
  dev: readonly E[];
  test: readonly E[];
  write(path: string, examples: readonly E[], predictions: P[]): Promise<void>;
  features: Record<string, number>;
  meta: Record<string, unknown>;
}

export async function runBaseline(o: BaselineOptions): Promise<BaselineSummary> {
  const summaryPath = join(o.outDir, 'summary.json');
  if (o.resume) {
    const done = await readFile(summaryPath, 'utf8').then((t) => JSON.parse(t) as BaselineSummary, () => null);
    if (done) return done;
  }
  const epochs = o.epochs ?? 10;
  if (!Number.isSafeInteger(epochs) || epochs < 1) throw new RangeError(`expected a positive integer for epochs but received ${epochs}`);
  const seed = o.seed ?? 42;
  const train = { lr: o.lr ?? 0.05, seed };
  const t0 = performance.now();
  const run = o.task === 'ner' ? await nerRun(o, train) : o.task === 're' ? await reRun(o, train) : await jointRun(o, train);
  return loop(run as BaselineRun<unknown, unknown>, o, epochs, seed, t0);
}

async function loop<E, P>(run: BaselineRun<E, P>, o: BaselineOptions, epochs: number, seed: number, t0: number): Promise<BaselineSummary> {
  let best: { epoch: number; score: number; metrics: unknown; weights: Float32Array[] } | null = null;
  const devScores: number[] = [];
  let trainSeconds = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t = performance.now();
    const loss = run.trainEpoch(epoch);
    trainSeconds += (performance.now() - t) / 1000;
    const dev = run.evaluate(run.dev);
    devScores.push(dev.score);
    // strictly better only: on a tie the earlier epoch stays, as in `train`
    if (best === null || dev.score > best.score) {
      best = { epoch, score: dev.score, metrics: dev.metrics, weights: run.models.map((m) => m.weights.slice()) };
    }
    o.onEpoch?.({ epoch, loss, devScore: dev.score });
  }
  run.models.forEach((m, i) => m.weights.set(best!.weights[i]!));
  const test = run.evaluate(run.test);
  await mkdir(o.outDir, { recursive: true });
  await run.write(join(o.outDir, 'test-predictions.jsonl'), run.test, test.predictions);
  const summary: BaselineSummary = {
    model: 'linear', task: o.task, bestEpoch: best!.epoch, epochs, devScore: best!.score, devMetrics: best!.metrics,
    testScore: test.score, testMetrics: test.metrics, devScores, seed, trainSeconds, wallSeconds: (performance.now() - t0) / 1000,
    features: run.features, outDir: o.outDir, meta: run.meta,
  };
  await writeFileAtomic(join(o.outDir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}

function nerSummary(s: NerScores) {
  return { ...prfSummary(s.micro), perType: Object.fromEntries(Object.entries(s.perType).map(([t, v]) => [t, prfSummary(v)])) };
}

type TrainSettings = { lr: number; seed: number };

async function nerRun(o: BaselineOptions, t: TrainSettings) {
  const entityTypes = o.entityTypes ?? (await inferEntityTypes(o.dataDir));
  const splits = await loadNerSplits({ dataDir: o.dataDir, entityTypes, lenient: o.lenient ?? false }, null);
  const tagger = new LinearTagger(bioTags(entityTypes), splits.train);
  const run: BaselineRun<(typeof splits.dev)[number], { id: string; tags: string[]; gate: number }> = {
    models: [tagger.model],
    trainEpoch: (epoch) => tagger.trainEpoch({ ...t, epoch }),
    evaluate: (examples) => {
      const predictions = examples.map((e) => ({ id: e.id, tags: tagger.predict(e.tokens), gate: 0 }));
      const gold = examples.map((e) => e.tags ?? []);
      const conlleval = scoreNer(gold, predictions.map((p) => p.tags), 'conlleval');
      const strict = scoreNer(gold, predictions.map((p) => p.tags), 'strict');
      return { score: conlleval.micro.f1, metrics: { conlleval: nerSummary(conlleval), strict: nerSummary(strict) }, predictions };
    },
    dev: splits.dev, test: splits.test,
    write: (path, examples, predictions) => writePredictions(path, [...examples], predictions),
    features: { tagger: tagger.index.size },
    meta: { data: splits.reports, entityTypes },
  };
  return run;
}

async function reRun(o: BaselineOptions, t: TrainSettings) {
  const splits = await loadReSplits({ dataDir: o.dataDir, lenient: o.lenient ?? false, ...(o.rel2id ? { rel2id: o.rel2id } : {}) }, null);
  const classifier = new BowRelationClassifier(splits.labels.relations, splits.train);
  const none = splits.labels.none;
  const run: BaselineRun<(typeof splits.dev)[number], { id: string; relation: string; score: number; gate: number }> = {
    models: [classifier.model],
    trainEpoch: (epoch) => classifier.trainEpoch({ ...t, epoch }),
    evaluate: (examples) => {
      const predictions = examples.map((e) => ({ id: e.id, ...classifier.predict(e), gate: 0 }));
      const scores = scoreRelations(examples.map((e) => e.relation ?? none), predictions.map((p) => p.relation), none);
      return { score: scores.micro.f1, metrics: summariseRe(scores), predictions };
    },
    dev: splits.dev, test: splits.test,
    write: (path, examples, predictions) => writeRePredictions(path, examples, predictions),
    features: { relation: classifier.index.size },
    meta: { data: splits.reports, labels: splits.labels },
  };
  return run;
}

/** Every ordered pair of distinct entities of a sentence. */
function orderedPairs<T>(entities: readonly T[]): [T, T][] {
  return entities.flatMap((h, i) => entities.filter((_, j) => j !== i).map((tl): [T, T] => [h, tl]));
}

async function jointRun(o: BaselineOptions, t: TrainSettings) {
  const splits = await loadJointSplits({ dataDir: o.dataDir, lenient: o.lenient ?? false, ...(o.entityTypes ? { entityTypes: o.entityTypes } : {}) }, null);
  const none = splits.labels.none;
  const maxEntities = o.maxEntities ?? 12;
  // The tagger learns the annotated entities (those of the triples); the relation classifier every
  // ordered pair of gold entities, unrelated pairs labelled None.
  const tagger = new LinearTagger(bioTags(splits.entityTypes), splits.train.map((e) => ({ tokens: e.tokens, tags: spansToBio(e.tokens.length, entitiesOf(e)) })));
  const instances: RelationInstance[] = splits.train.flatMap((e) => {
    const related = new Map((e.triples ?? []).map((tr) => [`${tr.head.start}:${tr.head.end}|${tr.tail.start}:${tr.tail.end}`, tr.relation]));
    return orderedPairs(entitiesOf(e)).map(([h, tl]) => ({
      tokens: e.tokens, head: h, tail: tl, relation: related.get(`${h.start}:${h.end}|${tl.start}:${tl.end}`) ?? none,
    }));
  });
  const classifier = new BowRelationClassifier(splits.labels.relations, instances);
  const predict = (e: JointExample): JointPrediction => {
    const tags = tagger.predict(e.tokens);
    const entities = bioSpans(tags).map((s) => ({ start: s.start, end: s.end, type: s.type }));
    const triples = orderedPairs(entities.slice(0, maxEntities)).flatMap(([h, tl]) => {
      const r = classifier.predict({ tokens: e.tokens, head: h, tail: tl });
      return r.relation === none ? [] : [{ head: h, tail: tl, relation: r.relation, score: r.score }];
    });
    return { id: e.id, tags, entities, triples, gate: 0 };
  };
  const run: BaselineRun<JointExample, JointPrediction> = {
    models: [tagger.model, classifier.model],
    trainEpoch: (epoch) => tagger.trainEpoch({ ...t, epoch }) + classifier.trainEpoch({ ...t, epoch }),
    evaluate: (examples) => {
      const predictions = examples.map(predict);
      const scores = scoreJoint(examples.map((e) => ({ entities: entitiesOf(e), triples: e.triples ?? [] })), predictions);
      return { score: scores.quintuple.f1, metrics: summariseJoint(scores), predictions };
    },
    dev: splits.dev, test: splits.test,
    write: (path, examples, predictions) => writeJointPredictions(path, examples, predictions),
    features: { tagger: tagger.index.size, relation: classifier.index.size },
    meta: { data: splits.reports, entityTypes: splits.entityTypes, labels: splits.labels, pairs: instances.length },
  };
  return run;
}
