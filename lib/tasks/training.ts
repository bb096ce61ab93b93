// What the tasks (ner, re, joint) share around the trainer (DESIGN §1.7): the image recipe of
// the model about to be built, building it from the tiny preset or HF checkpoints, and the run
// itself — lazily encoded batches, dev selection, one test evaluation, reload for resume.
import type { BertConfig, VitConfig } from '../encoders/config.js';
import { parseVitConfig, readConfigJson } from '../encoders/config.js';
import { CLIP_MEAN, CLIP_STD, VIT_MEAN, VIT_STD } from '../image/preprocess.js';
import type { PRF } from '../metrics/f1.js';
import type { ShapCAOptions, ShapCATask } from '../model/config.js';
import type { ImageRecipe } from '../model/image-loader.js';
import { createFromPretrained, createFromScratch, loadModel, type TaskLabels } from '../model/io.js';
import type { JointModel } from '../model/joint-model.js';
import type { ShapCAModel } from '../model/ner-model.js';
import type { RelationModel } from '../model/re-model.js';
import { batchCount, epochBatches } from '../train/order.js';
import { train, type TrainSummary } from '../train/trainer.js';
import type { EvalResult } from '../train/types.js';

/** 'tiny' from scratch, or HF checkpoints. */
export type StartPoint =
  | { preset: 'tiny'; vocabSize?: number; text?: Partial<BertConfig>; image?: Partial<VitConfig> }
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
  warmup?: number;
  maxGradNorm?: number;
  weightDecay?: number;
  freezePretrained?: boolean;
  seed: number;
  resume?: boolean;
  progress?: boolean;
  meta?: Record<string, unknown>;
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

type TaskModel = ShapCAModel | RelationModel | JointModel;
type ModelOf<T extends ShapCATask> = T extends 'ner' ? ShapCAModel : T extends 're' ? RelationModel : JointModel;

/** A model for the task; from scratch, the vocabulary is learned from `corpus` (the training split). */
export async function buildTaskModel<T extends ShapCATask>(
  task: T,
  labels: TaskLabels,
  o: Pick<TaskTrainOptions, 'start' | 'options' | 'seed'>,
  corpus: () => Iterable<string>,
): Promise<ModelOf<T>> {
  const common = { ...labels, task, options: { ...o.options }, seed: o.seed };
  const model = 'preset' in o.start
    ? await createFromScratch({
        ...common, corpus: corpus(), vocabSize: o.start.vocabSize ?? 8000,
        ...(o.start.text ? { text: o.start.text } : {}), ...(o.start.image ? { image: o.start.image } : {}),
      })
    : await createFromPretrained({ ...common, textDir: o.start.textDir, ...(o.start.imageDir ? { imageDir: o.start.imageDir } : {}) });
  return model as ModelOf<T>;
}

/** Trains with dev selection and one test evaluation of the selected checkpoint. */
export async function runTaskTraining<E>(
  model: TaskModel,
  trainExamples: readonly E[],
  o: TaskTrainOptions,
  evaluate: (split: 'dev' | 'test') => Promise<EvalResult>,
  meta: Record<string, unknown>,
): Promise<TrainSummary> {
  const scratch = 'preset' in o.start;
  const encode = model.encode.bind(model) as (examples: E[]) => unknown;
  return train(model as never, {
    // encoded lazily, one batch at a time, so memory stays bounded by the batch size
    trainBatches: function* ({ epoch, start, seed }) {
      for (const idx of epochBatches(trainExamples.length, o.batchSize, { seed, epoch }).slice(start)) {
        yield encode(Array.from(idx, (i) => trainExamples[i]!));
      }
    },
    batchesPerEpoch: batchCount(trainExamples.length, o.batchSize, false),
    epochs: o.epochs,
    evaluate,
    reload: async (dir) => model.backbone.copyFrom((await loadModel(dir, model.config.task)).backbone),
    encoderLr: o.encoderLr ?? 5e-5,
    headLr: o.headLr ?? (scratch ? 1e-3 : 1e-4),
    warmup: o.warmup ?? 0.1,
    maxGradNorm: o.maxGradNorm ?? 1,
    weightDecay: o.weightDecay ?? 0.01,
    freezePretrained: o.freezePretrained ?? false,
    seed: o.seed,
    outDir: o.outDir,
    resume: o.resume ?? false,
    progress: o.progress ?? true,
    meta: { ...o.meta, config: model.config, ...meta },
  });
}

/** P/R/F1 rounded to 4 decimals with the counts behind them, for summaries. */
export function prfSummary(s: PRF): PRF {
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return { precision: round(s.precision), recall: round(s.recall), f1: round(s.f1), correct: s.correct, predicted: s.predicted, gold: s.gold };
}
