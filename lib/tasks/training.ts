// What the tasks (ner, re, joint) share around the trainer: the image recipe of the model about to
// be built (the splits are loaded by splits.ts), building the model from the tiny preset or HF checkpoints,
// the run itself — lazily encoded batches, dev selection, one test evaluation with its predictions
// written, reload for resume — and batched prediction. A task passes its ModelSpec in; nothing
// here looks a task up by name (that is tasks/registry.ts, one layer up).
import { join } from 'node:path';

import type { DeviceRequest } from '../device.js';
import type { BertConfig, VitConfig } from '../encoders/config.js';
import { parseVitConfig, readConfigJson } from '../encoders/config.js';
import { CLIP_MEAN, CLIP_STD, VIT_MEAN, VIT_STD } from '../image/preprocess.js';
import type { PRF } from '../metrics/f1.js';
import type { ShapCAOptions, ShapCATask } from '../model/config.js';
import type { ImageRecipe } from '../model/image-loader.js';
import { buildFromPretrained, buildFromScratch, type ModelSpec, readModelDirectory, type TaskLabels } from '../model/io.js';
import type { ShapCABackbone } from '../model/backbone.js';
import { batchCount, epochBatches } from '../train/order.js';
import { train, type TrainSummary } from '../train/trainer.js';
import type { EvalResult, TrainableModel } from '../train/types.js';

/** 'tiny' from scratch, or HF checkpoints. */
export type StartPoint =
  | { preset: 'tiny'; vocabSize?: number; cased?: boolean; text?: Partial<BertConfig>; image?: Partial<VitConfig> }
  | { textDir: string; imageDir?: string };

export interface TaskTrainOptions {
  outDir: string;
  start: StartPoint;
  options?: Partial<ShapCAOptions>;
  epochs: number;
  batchSize: number;
  /** Default 5e-5 (pretrained encoders). */
  encoderLr?: number;
  /** Default 1e-3 from scratch, 1e-4 with pretrained encoders. */
  headLr?: number;
  /** Learning rate of the word-feature table (options.wordFeatures). Default 1e-2. */
  featureLr?: number;
  warmup?: number;
  maxGradNorm?: number;
  weightDecay?: number;
  freezePretrained?: boolean;
  seed: number;
  resume?: boolean;
  progress?: boolean;
  meta?: Record<string, unknown>;
  /** What the run is started with (see train's TrainOptions.identity): a resume with another is refused. */
  identity?: Record<string, unknown>;
  /**
   * Where the encoders train: 'cpu' (default), 'cuda' (parameters, gradients and AdamW moments on
   * the GPU; the task heads, fusion and alignment stay on the CPU; without a usable GPU, the CPU and
   * one warning) or 'auto'.
   */
  device?: DeviceRequest;
}

/** How images must be preprocessed for the model `start` builds; null without images. */
export async function imageRecipeFor(start: StartPoint, useImage: boolean): Promise<ImageRecipe | null> {
  if (!useImage) return null;
  if ('preset' in start) return { size: start.image?.image_size ?? 96, mean: VIT_MEAN, std: VIT_STD };
  if (!start.imageDir) return null;
  const cfg = parseVitConfig(await readConfigJson(start.imageDir), `${start.imageDir}/config.json`);
  const clip = cfg.model_type === 'clip_vision_model';
  return { size: cfg.image_size, mean: clip ? CLIP_MEAN : VIT_MEAN, std: clip ? CLIP_STD : VIT_STD };
}

/** What the task runner needs of a task's model. */
export interface RunnableModel<E> extends TrainableModel<unknown> {
  readonly config: { task: string };
  readonly backbone: ShapCABackbone;
  encode(examples: E[]): unknown;
}

/** A model for the spec's task; from scratch, the vocabulary is learned from `corpus` (the training split). */
export async function buildModel<M>(
  spec: ModelSpec<M>,
  labels: TaskLabels,
  o: Pick<TaskTrainOptions, 'start' | 'options' | 'seed' | 'device'>,
  corpus: () => Iterable<string>,
): Promise<M> {
  const common = { ...labels, options: { ...o.options }, seed: o.seed, ...(o.device ? { device: o.device } : {}) };
  return 'preset' in o.start
    ? buildFromScratch(spec, {
        ...common, corpus: corpus(), vocabSize: o.start.vocabSize ?? 8000, ...(o.start.cased ? { cased: true } : {}),
        ...(o.start.text ? { text: o.start.text } : {}), ...(o.start.image ? { image: o.start.image } : {}),
      })
    : buildFromPretrained(spec, { ...common, textDir: o.start.textDir, ...(o.start.imageDir ? { imageDir: o.start.imageDir } : {}) });
}

/** Trains with dev selection and one test evaluation of the selected checkpoint. */
export async function runTaskTraining<E>(
  model: RunnableModel<E>,
  trainExamples: readonly E[],
  o: TaskTrainOptions,
  evaluate: (split: 'dev' | 'test') => Promise<EvalResult>,
  meta: Record<string, unknown>,
): Promise<TrainSummary> {
  const scratch = 'preset' in o.start;
  const encode = model.encode.bind(model);
  return train(model, {
    // encoded lazily, one batch at a time, so memory stays bounded by the batch size
    trainBatches: function* ({ epoch, start, seed }) {
      for (const idx of epochBatches(trainExamples.length, o.batchSize, { seed, epoch }).slice(start)) {
        yield encode(Array.from(idx, (i) => trainExamples[i]!));
      }
    },
    batchesPerEpoch: batchCount(trainExamples.length, o.batchSize, false),
    epochs: o.epochs,
    evaluate,
    reload: async (dir) => model.backbone.reloadFrom((await readModelDirectory(dir, model.config.task as ShapCATask)).parts),
    encoderLr: o.encoderLr ?? 5e-5,
    headLr: o.headLr ?? (scratch ? 1e-3 : 1e-4),
    featureLr: o.featureLr ?? 1e-2,
    warmup: o.warmup ?? 0.1,
    maxGradNorm: o.maxGradNorm ?? 1,
    weightDecay: o.weightDecay ?? 0.01,
    freezePretrained: o.freezePretrained ?? false,
    seed: o.seed,
    outDir: o.outDir,
    resume: o.resume ?? false,
    progress: o.progress ?? true,
    meta: { ...o.meta, config: model.config, ...meta },
    ...(o.identity ? { identity: o.identity } : {}),
  });
}

/** What a task trains on and how its model is evaluated. */
export interface TaskRun<M, E, R> {
  model: ModelSpec<M>;
  labels: TaskLabels;
  splits: { train: readonly E[]; dev: readonly E[]; test: readonly E[] };
  evaluate(model: M, examples: readonly E[]): Promise<R>;
  /** The number dev selection maximises, and the metrics recorded with it. */
  result(r: R): EvalResult;
  writePredictions(path: string, examples: readonly E[], r: R): Promise<void>;
  meta: Record<string, unknown>;
}

/**
 * Builds the task's model (from scratch, the vocabulary is learned from the training posts and
 * their contexts) and trains it with dev selection and one test evaluation, whose predictions go to
 * outDir/test-predictions.jsonl.
 */
export async function trainTask<M extends RunnableModel<E>, E extends { tokens: string[]; context?: string }, R>(
  o: TaskTrainOptions,
  useImage: boolean,
  run: TaskRun<M, E, R>,
): Promise<TrainSummary> {
  const { splits } = run;
  const model = await buildModel(run.model, run.labels, { ...o, options: { ...o.options, useImage } }, () =>
    splits.train.flatMap((e) => [e.tokens.join(' '), ...(e.context ? [e.context] : [])]),
  );
  return runTaskTraining(model, splits.train, o, async (split) => {
    const examples = split === 'dev' ? splits.dev : splits.test;
    const r = await run.evaluate(model, examples);
    if (split === 'test') await run.writePredictions(join(o.outDir, 'test-predictions.jsonl'), examples, r);
    return run.result(r);
  }, run.meta);
}

/** A model's predictions for examples, in order, `batchSize` at a time; `input` is what the model is given of an example (it without its gold). */
export async function predictInBatches<E, I, B, P>(
  model: { encode(examples: I[]): B; predict(b: B): Promise<P[]> },
  examples: readonly E[],
  batchSize: number,
  input: (e: E) => I,
): Promise<P[]> {
  const out: P[] = [];
  for (let i = 0; i < examples.length; i += batchSize) out.push(...(await model.predict(model.encode(examples.slice(i, i + batchSize).map(input)))));
  return out;
}

/** P/R/F1 rounded to 4 decimals with the counts behind them, for summaries. */
export function prfSummary(s: PRF): PRF {
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return { precision: round(s.precision), recall: round(s.recall), f1: round(s.f1), correct: s.correct, predicted: s.predicted, gold: s.gold };
}
