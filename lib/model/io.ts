// Saving and loading a ShapCAModel, and building one from scratch or from pretrained encoders.
//
// Layout of a model directory (every file written atomically):
//   shapca.json              { format, version, config, pretrained }
//   text/                    BertModel: config.json + model.safetensors (HF names)
//   image/                   ViTModel / CLIPVisionModel, when the model has an image encoder
//   tokenizer/               tokenizer.json + vocab.txt
//   heads.safetensors        the new layers: tagger, fusion, alignment projections
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../checkpoint/atomic.js';
import { SafetensorsFile, writeSafetensors } from '../checkpoint/safetensors.js';
import type { BertConfig, VitConfig } from '../encoders/config.js';
import { BertEncoder } from '../encoders/bert.js';
import { VitEncoder } from '../encoders/vit.js';
import { bioTags } from '../heads/bio.js';
import { VIT_MEAN, VIT_STD, CLIP_MEAN, CLIP_STD } from '../image/preprocess.js';
import { learnWordPiece } from '../tokenizer/train.js';
import { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import { resolveOptions, TINY_IMAGE, TINY_TEXT, type ShapCAConfig, type ShapCAOptions } from './config.js';
import type { ShapCAModel } from './ner-model.js';

const FORMAT = 'shapca-model';
const VERSION = 1;

interface ModelJson {
  format: typeof FORMAT;
  version: number;
  config: ShapCAConfig;
  pretrained: boolean;
}

export async function saveModel(model: ShapCAModel, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const { text, image, tokenizer, pretrained } = model.parts;
  await text.save(join(dir, 'text'));
  if (image && model.config.options.useImage) await image.save(join(dir, 'image'));
  await tokenizer.save(join(dir, 'tokenizer'));
  await writeSafetensors(join(dir, 'heads.safetensors'), model.store.tensors());
  const json: ModelJson = { format: FORMAT, version: VERSION, config: model.config, pretrained };
  await writeFileAtomic(join(dir, 'shapca.json'), `${JSON.stringify(json, null, 2)}\n`);
}

/** Loads a directory written by `save()`. */
export async function loadModel(dir: string): Promise<ShapCAModel> {
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
  const text = await BertEncoder.fromPretrained(join(dir, 'text'));
  const image = existsSync(join(dir, 'image')) ? await VitEncoder.fromPretrained(join(dir, 'image')) : null;
  const tokenizer = await WordPieceTokenizer.load(join(dir, 'tokenizer'));
  const file = await SafetensorsFile.open(join(dir, 'heads.safetensors'));
  const heads = new Map<string, Float32Array>();
  try {
    for (const name of file.tensors.keys()) heads.set(name, await file.read(name));
  } finally {
    await file.close();
  }
  const { ShapCAModel: Model } = await import('./ner-model.js');
  return new Model(json.config, { tokenizer, text, image, pretrained: json.pretrained, heads, seed: 0 });
}

function config(entityTypes: string[], options: ShapCAOptions, image: VitConfig | null): ShapCAConfig {
  const clip = image?.model_type === 'clip_vision_model';
  return {
    task: 'ner', entityTypes, tags: bioTags(entityTypes), options,
    imageSize: image?.image_size ?? 0, imageMean: clip ? CLIP_MEAN : VIT_MEAN, imageStd: clip ? CLIP_STD : VIT_STD,
  };
}

export interface FromScratchOptions {
  entityTypes: string[];
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
export async function createFromScratch(o: FromScratchOptions): Promise<ShapCAModel> {
  const options = resolveOptions(o.options);
  const seed = o.seed ?? 1;
  const tokenizer = learnWordPiece(o.corpus, { vocabSize: o.vocabSize ?? 8000 });
  const text = await BertEncoder.random({ ...TINY_TEXT, ...o.text, vocab_size: tokenizer.vocabSize }, seed, { pooler: false });
  const image = options.useImage ? await VitEncoder.random({ ...TINY_IMAGE, ...o.image }, seed + 1) : null;
  const { ShapCAModel: Model } = await import('./ner-model.js');
  return new Model(config(o.entityTypes, options, image?.config ?? null), { tokenizer, text, image, pretrained: false, seed });
}

export interface FromPretrainedOptions {
  entityTypes: string[];
  /** HF BERT directory: config.json, model.safetensors, tokenizer.json or vocab.txt. */
  textDir: string;
  /** HF ViT or CLIP vision directory; absent: no image encoder. */
  imageDir?: string;
  options?: Partial<ShapCAOptions>;
  seed?: number;
}

/** BERT (+ ViT/CLIP) from HF checkpoints; the new layers start fresh from `seed`. */
export async function createFromPretrained(o: FromPretrainedOptions): Promise<ShapCAModel> {
  const options = resolveOptions({ ...o.options, ...(o.imageDir ? {} : { useImage: false }) });
  const tokenizer = await WordPieceTokenizer.load(o.textDir);
  const text = await BertEncoder.fromPretrained(o.textDir);
  const image = o.imageDir && options.useImage ? await VitEncoder.fromPretrained(o.imageDir) : null;
  const { ShapCAModel: Model } = await import('./ner-model.js');
  return new Model(config(o.entityTypes, options, image?.config ?? null), { tokenizer, text, image, pretrained: true, seed: o.seed ?? 1 });
}
