// Loading, making and instantiating a model of any task by its name: model/io.ts does the work,
// the registry says which task's ModelSpec it works for.
import type { ShapCAParts } from '../model/backbone.js';
import type { ShapCAConfig, ShapCATask } from '../model/config.js';
import {
  buildFromPretrained, buildFromScratch, type DeviceOptions, type FromPretrainedOptions, type FromScratchOptions, type InferenceOptions, readModelDirectory,
  type TaskLabels,
} from '../model/io.js';
import { parsePrecision } from '../precision.js';
import { type ModelOf, taskDefinition, type TaskModel } from './registry.js';
import { buildModel, type TaskTrainOptions } from './training.js';

/** The model class of config.task over the given parts. */
export async function instantiate(config: ShapCAConfig, parts: ShapCAParts): Promise<TaskModel> {
  const task = (config as { task: unknown }).task;
  let def;
  try {
    def = taskDefinition(task);
  } catch {
    throw new RangeError(`expected task ner, re or joint but the config says ${JSON.stringify(task)}`);
  }
  return def.model.create(config, parts);
}

/**
 * Loads a directory written by `save()`. `task` (default 'ner') must be the saved model's task;
 * 'any' restores whatever task it holds.
 */
export async function loadModel<T extends ShapCATask | 'any' = 'ner'>(dir: string, task?: T, o: DeviceOptions & InferenceOptions = {}): Promise<ModelOf<T>> {
  const precision = parsePrecision(o.precision);
  const { config, parts } = await readModelDirectory(dir, task ?? 'ner', o);
  const model = await instantiate(config, parts);
  model.backbone.precision = precision;
  return model as ModelOf<T>;
}

/** The `tiny` preset: BERT 4×256 and ViT 4×192 at 96×96, trained from scratch. */
export async function createFromScratch<T extends ShapCATask = 'ner'>(o: FromScratchOptions & { task?: T }): Promise<ModelOf<T>> {
  return (await buildFromScratch(taskDefinition(o.task ?? 'ner').model, o)) as ModelOf<T>;
}

/**
 * BERT (+ ViT/CLIP) from HF checkpoints; the new layers start fresh from `seed`. For 're' the
 * marker tokens are added to the vocabulary and get new embedding rows.
 */
export async function createFromPretrained<T extends ShapCATask = 'ner'>(o: FromPretrainedOptions & { task?: T }): Promise<ModelOf<T>> {
  return (await buildFromPretrained(taskDefinition(o.task ?? 'ner').model, o)) as ModelOf<T>;
}

/** A model for the task; from scratch, the vocabulary is learned from `corpus` (the training split). */
export async function buildTaskModel<T extends ShapCATask>(
  task: T,
  labels: TaskLabels,
  o: Pick<TaskTrainOptions, 'start' | 'options' | 'seed' | 'device'>,
  corpus: () => Iterable<string>,
): Promise<ModelOf<T>> {
  return (await buildModel(taskDefinition(task).model, labels, o, corpus)) as ModelOf<T>;
}
