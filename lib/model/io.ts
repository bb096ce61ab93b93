// Reading a model directory (the layout is in save.ts) and building a model from scratch or from
// pretrained encoders, for any task described by a ModelSpec. The task is not chosen here: the
// public loadModel / createFromScratch / createFromPretrained (tasks/io.ts) look its spec up in the
// task registry and call these.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { CheckpointError } from '../checkpoint/errors.js';
import { SafetensorsFile } from '../checkpoint/safetensors.js';
import { bioTags } from '../data/bio.js';
import { selectDevice, type DeviceRequest } from '../device.js';
import { BertEncoder } from '../encoders/bert.js';
import type { BertConfig, VitConfig } from '../encoders/config.js';
import { VitEncoder } from '../encoders/vit.js';
import { type HubOptions, modelDir } from '../hub/resolve.js';
import { CLIP_MEAN, CLIP_STD, VIT_MEAN, VIT_STD } from '../image/preprocess.js';
import { readRegularFile } from '../util/bounded-read.js';
import { learnWordPiece } from '../tokenizer/train.js';
import { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { ShapCAParts } from './backbone.js';
import { DEFAULT_PAIR_OPTIONS, resolveOptions, TINY_IMAGE, TINY_TEXT, type PairOptions, type ShapCAConfig, type ShapCAOptions, type ShapCATask } from './config.js';
import { MODEL_FORMAT, MODEL_VERSION, type ModelJson } from './save.js';
import type { Precision } from '../precision.js';

/** What a task needs besides the encoders: its labels. */
export interface TaskLabels {
  /** Default 'ner'. */
  task?: ShapCATask;
  /** ner, joint: entity types. */
  entityTypes?: string[];
  /** re, joint: relation labels in class order, including `noneRelation`. */
  relations?: string[];
  /** re, joint: the "no relation" label. Default 'None'. */
  noneRelation?: string;
  /** re: loss weight per relation label (in `relations` order). Default: none (1 each). */
  relationWeights?: number[];
  /** joint: pair sampling and inference limits. */
  pairs?: Partial<PairOptions>;
}

/** The part of a config a task fills from its labels. */
export type TaskConfigLabels = Pick<ShapCAConfig, 'entityTypes' | 'tags' | 'relations' | 'noneRelation' | 'relationWeights' | 'pairs'>;

/** How a task's model is made: what io needs to know of a task. */
export interface ModelSpec<M> {
  /** config.task of the models it makes. */
  readonly task: ShapCATask;
  /** Tokens the tokenizer gains before the model is built (RE's entity markers). */
  readonly addedTokens: readonly string[];
  /** The task's labels as they go into the config; throws when one it needs is missing. */
  labels(labels: TaskLabels): TaskConfigLabels;
  /** The model over the shared parts (fresh new layers from parts.seed, or parts.heads). */
  create(config: ShapCAConfig, parts: ShapCAParts): M;
}

/** Entity types and their BIO tags, for the tasks that tag entities. */
export function entityLabels(task: ShapCATask, labels: TaskLabels): Pick<ShapCAConfig, 'entityTypes' | 'tags'> {
  const entityTypes = labels.entityTypes ?? [];
  if (entityTypes.length === 0) throw new RangeError(`a ${task} model needs entityTypes`);
  return { entityTypes, tags: bioTags(entityTypes) };
}

/** Relation labels and the none label, for the tasks that classify relations. */
export function relationLabelFields(labels: TaskLabels): Pick<ShapCAConfig, 'relations' | 'noneRelation'> {
  return { relations: labels.relations ?? [], noneRelation: labels.noneRelation ?? 'None' };
}

/** Joint's pair options over the defaults. */
export function pairFields(labels: TaskLabels): Pick<ShapCAConfig, 'pairs'> {
  return { pairs: { ...DEFAULT_PAIR_OPTIONS, ...labels.pairs } };
}

/** How a loaded model runs predict. */
export interface InferenceOptions {
  /**
   * The encoders' precision in predict: 'fp32' (default), 'bf16' or 'int8' (see Precision; without
   * the CPU's instructions, fp32 and one warning). A model loaded at bf16 / int8 refuses to train.
   */
  precision?: Precision;
}

/** Where a model's encoders run (the task heads always run on the CPU). */
export interface DeviceOptions {
  /**
   * 'cpu' (default), 'cuda' (the encoders' parameters, gradients and optimizer state on the GPU;
   * without a usable GPU, the CPU and one warning saying why) or 'auto' (the GPU when there is one).
   */
  device?: DeviceRequest;
}

/**
 * Reads a directory written by saveModel: its config and the parts a model is made of. `task`
 * must be the saved model's task; 'any' accepts whatever task it holds.
 */
/** shapca.json holds a config and label maps: a few kilobytes; anything past this is not ours. */
const MAX_MODEL_JSON_BYTES = 16 * 1024 * 1024;

export async function readModelDirectory(dir: string, task: ShapCATask | 'any', o: DeviceOptions = {}): Promise<{ config: ShapCAConfig; parts: ShapCAParts }> {
  const path = join(dir, 'shapca.json');
  let json: ModelJson;
  try {
    json = JSON.parse((await readRegularFile(path, MAX_MODEL_JSON_BYTES, 'a model config')).toString('utf8')) as ModelJson;
  } catch (err) {
    const errno = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    const code = errno === 'ENOENT' ? 'SHAPCA_CHECKPOINT_NOT_FOUND' : 'SHAPCA_CHECKPOINT_CONFIG';
    // One line: JSON.parse quotes the text around the error, newlines included.
    throw new CheckpointError(`${path}: cannot read a shapca model (${(err as Error).message.replace(/\s+/g, ' ')})`, code, path);
  }
  if (json.format !== MODEL_FORMAT || json.version !== MODEL_VERSION) {
    throw new CheckpointError(
      `${path}: expected format ${MODEL_FORMAT} version ${MODEL_VERSION} but found ${json.format} version ${json.version}`, 'SHAPCA_CHECKPOINT_CONFIG', path,
    );
  }
  if (task !== 'any' && json.config?.task !== task) {
    throw new CheckpointError(`${path}: expected a ${task} model but it holds a ${json.config?.task} model`, 'SHAPCA_CHECKPOINT_TASK', path);
  }
  const device = selectDevice(o.device);
  const text = await BertEncoder.fromPretrained(join(dir, 'text'), { device });
  const image = existsSync(join(dir, 'image')) ? await VitEncoder.fromPretrained(join(dir, 'image'), { device }) : null;
  const tokenizer = await WordPieceTokenizer.load(join(dir, 'tokenizer'));
  const file = await SafetensorsFile.open(join(dir, 'heads.safetensors'));
  const heads = new Map<string, Float32Array>();
  try {
    for (const name of file.tensors.keys()) heads.set(name, await file.read(name));
  } finally {
    await file.close();
  }
  return { config: json.config, parts: { tokenizer, text, image, pretrained: json.pretrained, heads, seed: 0 } };
}

function configOf<M>(spec: ModelSpec<M>, labels: TaskLabels, options: ShapCAOptions, image: VitConfig | null): ShapCAConfig {
  const clip = image?.model_type === 'clip_vision_model';
  return {
    task: spec.task, ...spec.labels(labels),
    options, imageSize: image?.image_size ?? 0, imageMean: clip ? CLIP_MEAN : VIT_MEAN, imageStd: clip ? CLIP_STD : VIT_STD,
  };
}

export interface FromScratchOptions extends TaskLabels, DeviceOptions {
  /** Texts (and contexts) the WordPiece vocabulary is learned from: the training split. */
  corpus: Iterable<string>;
  options?: Partial<ShapCAOptions>;
  /** Default 8000. */
  vocabSize?: number;
  /** Learn a cased vocabulary (keep capitalisation, which names carry); default uncased. */
  cased?: boolean;
  /** Override the tiny preset's encoder sizes. */
  text?: Partial<BertConfig>;
  image?: Partial<VitConfig>;
  seed?: number;
}

/**
 * Sequences longer than the text encoder's position table would index past it: a maxLength asked
 * for beyond it is refused before anything trains; the default is cut to the table.
 */
function fitMaxLength(options: ShapCAOptions, asked: number | undefined, positions: number): void {
  if (asked !== undefined && asked > positions) {
    throw new RangeError(`expected maxLength (--max-length) of at most ${positions}, the text encoder's max_position_embeddings, but received ${asked}`);
  }
  options.maxLength = Math.min(options.maxLength, positions);
}

/** The `tiny` preset: BERT 4×256 and ViT 4×192 at 96×96, trained from scratch. */
export async function buildFromScratch<M>(spec: ModelSpec<M>, o: FromScratchOptions): Promise<M> {
  const options = resolveOptions(o.options);
  const seed = o.seed ?? 1;
  const device = selectDevice(o.device);
  const tokenizer = learnWordPiece(o.corpus, { vocabSize: o.vocabSize ?? 8000, lowercase: !o.cased });
  if (spec.addedTokens.length) tokenizer.addTokens([...spec.addedTokens]);
  const text = await BertEncoder.random({ ...TINY_TEXT, ...o.text, vocab_size: tokenizer.vocabSize }, seed, { pooler: false, device });
  fitMaxLength(options, o.options?.maxLength, text.config.max_position_embeddings);
  const image = options.useImage ? await VitEncoder.random({ ...TINY_IMAGE, ...o.image }, seed + 1, { device }) : null;
  return spec.create(configOf(spec, o, options, image?.config ?? null), { tokenizer, text, image, pretrained: false, seed });
}

export interface FromPretrainedOptions extends TaskLabels, DeviceOptions {
  /** HF BERT directory (config.json, model.safetensors, tokenizer.json or vocab.txt) or its Hub repo id. */
  textDir: string;
  /** HF ViT or CLIP vision directory or Hub repo id; absent: no image encoder. */
  imageDir?: string;
  /** For Hub repo ids: revision (of textDir), imageRevision, offline, progress (see resolveModel). */
  hub?: HubOptions & { imageRevision?: string };
  options?: Partial<ShapCAOptions>;
  seed?: number;
}

/**
 * BERT (+ ViT/CLIP) from HF checkpoints; the new layers start fresh from `seed`. The spec's added
 * tokens (RE's markers) join the vocabulary and get new embedding rows.
 */
export async function buildFromPretrained<M>(spec: ModelSpec<M>, o: FromPretrainedOptions): Promise<M> {
  const options = resolveOptions({ ...o.options, ...(o.imageDir ? {} : { useImage: false }) });
  const seed = o.seed ?? 1;
  const device = selectDevice(o.device);
  const textDir = await modelDir(o.textDir, 'bert', o.hub);
  const imageDir = o.imageDir && (await modelDir(o.imageDir, 'vit', { ...o.hub, revision: o.hub?.imageRevision ?? 'main' }));
  const tokenizer = await WordPieceTokenizer.load(textDir);
  let text = await BertEncoder.fromPretrained(textDir, { device });
  fitMaxLength(options, o.options?.maxLength, text.config.max_position_embeddings);
  if (spec.addedTokens.length) {
    tokenizer.addTokens([...spec.addedTokens]);
    if (tokenizer.vocabSize > text.config.vocab_size) {
      const resized = await text.resizeTokenEmbeddings(tokenizer.vocabSize, seed);
      text.dispose();
      text = resized;
    }
  }
  const image = imageDir && options.useImage ? await VitEncoder.fromPretrained(imageDir, { device }) : null;
  return spec.create(configOf(spec, o, options, image?.config ?? null), { tokenizer, text, image, pretrained: true, seed });
}
