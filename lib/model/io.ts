// Saving and loading Shap-CA models of every task, and building one from scratch or from
// pretrained encoders.
//
// Layout of a model directory (every file written atomically):
//   shapca.json              { format, version, config, pretrained }; config.task says which model
//   text/                    BertModel: config.json + model.safetensors (HF names)
//   image/                   ViTModel / CLIPVisionModel, when the model has an image encoder
//   tokenizer/               tokenizer.json + vocab.txt (with the relation markers for task 're')
//   heads.safetensors        the new layers: task head, fusion, alignment projections
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { parsePrecision, type Precision } from '../precision.js';
import { writeFileAtomic } from '../util/atomic-write.js';
import { SafetensorsFile, writeSafetensors } from '../checkpoint/safetensors.js';
import { selectDevice, type DeviceRequest } from '../device.js';
import type { BertConfig, VitConfig } from '../encoders/config.js';
import { BertEncoder } from '../encoders/bert.js';
import { VitEncoder } from '../encoders/vit.js';
import { bioTags } from '../heads/bio.js';
import { VIT_MEAN, VIT_STD, CLIP_MEAN, CLIP_STD } from '../image/preprocess.js';
import { learnWordPiece } from '../tokenizer/train.js';
import { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { ShapCAParts } from './backbone.js';
import { DEFAULT_PAIR_OPTIONS, resolveOptions, TINY_IMAGE, TINY_TEXT, type PairOptions, type ShapCAConfig, type ShapCAOptions, type ShapCATask } from './config.js';
import type { JointModel } from './joint-model.js';
import { RELATION_MARKERS } from './markers.js';
import type { ShapCAModel } from './ner-model.js';
import type { ParamStore } from './params.js';
import type { RelationModel } from './re-model.js';

const FORMAT = 'shapca-model';
const VERSION = 1;

/** A model of any task; narrow on `model.config.task`. */
export type TaskModel = ShapCAModel | RelationModel | JointModel;
type ModelOf<T extends ShapCATask | 'any'> = T extends 'ner' ? ShapCAModel : T extends 're' ? RelationModel : T extends 'joint' ? JointModel : TaskModel;

interface ModelJson {
  format: typeof FORMAT;
  version: number;
  config: ShapCAConfig;
  pretrained: boolean;
}

export async function saveModel(model: { config: ShapCAConfig; parts: ShapCAParts; store: ParamStore }, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { text, image, tokenizer, pretrained } = model.parts;
  await text.save(join(dir, 'text'));
  if (image && model.config.options.useImage) await image.save(join(dir, 'image'));
  await tokenizer.save(join(dir, 'tokenizer'));
  await writeSafetensors(join(dir, 'heads.safetensors'), model.store.tensors());
  const json: ModelJson = { format: FORMAT, version: VERSION, config: model.config, pretrained };
  await writeFileAtomic(join(dir, 'shapca.json'), `${JSON.stringify(json, null, 2)}\n`);
}

/** The model class of config.task over the given parts. */
export async function instantiate(config: ShapCAConfig, parts: ShapCAParts): Promise<TaskModel> {
  switch (config.task) {
    case 'ner':
      return new (await import('./ner-model.js')).ShapCAModel(config, parts);
    case 're':
      return new (await import('./re-model.js')).RelationModel(config, parts);
    case 'joint':
      return new (await import('./joint-model.js')).JointModel(config, parts);
    default:
      throw new RangeError(`expected task ner, re or joint but the config says ${JSON.stringify((config as { task: unknown }).task)}`);
  }
}

/** Where a model's encoders run (the task heads always run on the CPU). */
export interface DeviceOptions {
  /**
   * 'cpu' (default), 'cuda' (the encoders' parameters, gradients and optimizer state on the GPU;
   * without a usable GPU, the CPU and one warning saying why) or 'auto' (the GPU when there is one).
   */
  device?: DeviceRequest;
}

/** How a loaded model runs predict. */
export interface InferenceOptions {
  /**
   * The encoders' precision in predict: 'fp32' (default), 'bf16' or 'int8' (see Precision; without
   * the CPU's instructions, fp32 and one warning). A model loaded at bf16 / int8 refuses to train.
   */
  precision?: Precision;
}

/**
 * Loads a directory written by `save()`. `task` (default 'ner') must be the saved model's task;
 * 'any' restores whatever task it holds.
 */
export async function loadModel<T extends ShapCATask | 'any' = 'ner'>(dir: string, task?: T, o: DeviceOptions & InferenceOptions = {}): Promise<ModelOf<T>> {
  const want = task ?? 'ner';
  const precision = parsePrecision(o.precision);
  const path = join(dir, 'shapca.json');
  let json: ModelJson;
  try {
    json = JSON.parse(await readFile(path, 'utf8')) as ModelJson;
  } catch (err) {
    throw new Error(`${path}: cannot read a shapca model (${(err as Error).message})`);
  }
  if (json.format !== FORMAT || json.version !== VERSION) {
    throw new Error(`${path}: expected format ${FORMAT} version ${VERSION} but found ${json.format} version ${json.version}`);
  }
  if (want !== 'any' && json.config?.task !== want) {
    throw new Error(`${path}: expected a ${want} model but it holds a ${json.config?.task} model`);
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
  const model = await instantiate(json.config, { tokenizer, text, image, pretrained: json.pretrained, heads, seed: 0 });
  model.backbone.precision = precision;
  return model as ModelOf<T>;
}

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
  /** joint: pair sampling and inference limits. */
  pairs?: Partial<PairOptions>;
}

function config(labels: TaskLabels, options: ShapCAOptions, image: VitConfig | null): ShapCAConfig {
  const clip = image?.model_type === 'clip_vision_model';
  const task = labels.task ?? 'ner';
  const entityTypes = task === 're' ? [] : labels.entityTypes ?? [];
  if (task !== 're' && entityTypes.length === 0) throw new RangeError(`a ${task} model needs entityTypes`);
  return {
    task, entityTypes, tags: task === 're' ? [] : bioTags(entityTypes),
    ...(task !== 'ner' ? { relations: labels.relations ?? [], noneRelation: labels.noneRelation ?? 'None' } : {}),
    ...(task === 'joint' ? { pairs: { ...DEFAULT_PAIR_OPTIONS, ...labels.pairs } } : {}),
    options, imageSize: image?.image_size ?? 0, imageMean: clip ? CLIP_MEAN : VIT_MEAN, imageStd: clip ? CLIP_STD : VIT_STD,
  };
}

export interface FromScratchOptions extends TaskLabels, DeviceOptions {
  /** Texts (and contexts) the WordPiece vocabulary is learned from: the training split. */
  corpus: Iterable<string>;
  options?: Partial<ShapCAOptions>;
  /** Default 8000. */
  vocabSize?: number;
  /** Override the tiny preset's encoder sizes. */
  text?: Partial<BertConfig>;
  image?: Partial<VitConfig>;
  seed?: number;
}

/** The `tiny` preset (DESIGN §1.7): BERT 4×256 and ViT 4×192 at 96×96, trained from scratch. */
export async function createFromScratch<T extends ShapCATask = 'ner'>(o: FromScratchOptions & { task?: T }): Promise<ModelOf<T>> {
  const options = resolveOptions(o.options);
  const seed = o.seed ?? 1;
  const device = selectDevice(o.device);
  const tokenizer = learnWordPiece(o.corpus, { vocabSize: o.vocabSize ?? 8000 });
  if (o.task === 're') tokenizer.addTokens([...RELATION_MARKERS]);
  const text = await BertEncoder.random({ ...TINY_TEXT, ...o.text, vocab_size: tokenizer.vocabSize }, seed, { pooler: false, device });
  const image = options.useImage ? await VitEncoder.random({ ...TINY_IMAGE, ...o.image }, seed + 1, { device }) : null;
  return (await instantiate(config(o, options, image?.config ?? null), { tokenizer, text, image, pretrained: false, seed })) as ModelOf<T>;
}

export interface FromPretrainedOptions extends TaskLabels, DeviceOptions {
  /** HF BERT directory: config.json, model.safetensors, tokenizer.json or vocab.txt. */
  textDir: string;
  /** HF ViT or CLIP vision directory; absent: no image encoder. */
  imageDir?: string;
  options?: Partial<ShapCAOptions>;
  seed?: number;
}

/**
 * BERT (+ ViT/CLIP) from HF checkpoints; the new layers start fresh from `seed`. For 're' the
 * marker tokens are added to the vocabulary and get new embedding rows.
 */
export async function createFromPretrained<T extends ShapCATask = 'ner'>(o: FromPretrainedOptions & { task?: T }): Promise<ModelOf<T>> {
  const options = resolveOptions({ ...o.options, ...(o.imageDir ? {} : { useImage: false }) });
  const seed = o.seed ?? 1;
  const device = selectDevice(o.device);
  const tokenizer = await WordPieceTokenizer.load(o.textDir);
  let text = await BertEncoder.fromPretrained(o.textDir, { device });
  if (o.task === 're') {
    tokenizer.addTokens([...RELATION_MARKERS]);
    if (tokenizer.vocabSize > text.config.vocab_size) {
      const resized = await text.resizeTokenEmbeddings(tokenizer.vocabSize, seed);
      text.dispose();
      text = resized;
    }
  }
  const image = o.imageDir && options.useImage ? await VitEncoder.fromPretrained(o.imageDir, { device }) : null;
  return (await instantiate(config(o, options, image?.config ?? null), { tokenizer, text, image, pretrained: true, seed })) as ModelOf<T>;
}
