// HF config.json for BERT, ViT and CLIP vision, read into typed configs (HF key names), and
// written back.
import { join } from 'node:path';

import { CheckpointError } from '../checkpoint/errors.js';
import { readRegularFile } from '../util/bounded-read.js';
import { checkBertConfig, checkVitConfig } from './config-bounds.js';

export type HiddenAct = 'gelu' | 'quick_gelu';

/** HF BertConfig fields the encoder uses (defaults: bert-base-uncased). */
export interface BertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  /** Default 1e-12. */
  layer_norm_eps: number;
  /** Default 'gelu' (exact). */
  hidden_act: HiddenAct;
  /** Std of the normal initialisation for random(). Default 0.02. */
  initializer_range: number;
  pad_token_id: number;
}

/** HF ViTConfig / CLIPVisionConfig fields the encoder uses. */
export interface VitConfig {
  /** 'vit' (ViTModel) or 'clip_vision_model' (CLIPVisionModel). */
  model_type: 'vit' | 'clip_vision_model';
  image_size: number;
  patch_size: number;
  num_channels: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  /** ViT 1e-12, CLIP 1e-5. */
  layer_norm_eps: number;
  /** ViT 'gelu', CLIP 'quick_gelu'. */
  hidden_act: HiddenAct;
  initializer_range: number;
}

export const BERT_BASE: BertConfig = {
  vocab_size: 30522, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072,
  max_position_embeddings: 512, type_vocab_size: 2, layer_norm_eps: 1e-12, hidden_act: 'gelu',
  initializer_range: 0.02, pad_token_id: 0,
};

export const VIT_BASE: VitConfig = {
  model_type: 'vit', image_size: 224, patch_size: 16, num_channels: 3, hidden_size: 768, num_hidden_layers: 12,
  num_attention_heads: 12, intermediate_size: 3072, layer_norm_eps: 1e-12, hidden_act: 'gelu', initializer_range: 0.02,
};

export const CLIP_VIT_B16: VitConfig = {
  ...VIT_BASE, model_type: 'clip_vision_model', layer_norm_eps: 1e-5, hidden_act: 'quick_gelu',
};

type Raw = Record<string, unknown>;

export async function readConfigJson(dir: string): Promise<Raw> {
  const path = join(dir, 'config.json');
  let text: string;
  try {
    text = (await readRegularFile(path, 16 * 1024 * 1024, 'config')).toString('utf8');
  } catch (err) {
    throw new CheckpointError(`${path}: cannot read (${(err as Error).message})`, 'SHAPCA_CHECKPOINT_NOT_FOUND', path);
  }
  try {
    const raw = JSON.parse(text) as unknown;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('not a JSON object');
    return raw as Raw;
  } catch (err) {
    throw new CheckpointError(`${path}: not valid JSON (${(err as Error).message.replace(/\s+/g, ' ')})`, 'SHAPCA_CHECKPOINT_CONFIG', path);
  }
}

function pick<T extends object>(raw: Raw, defaults: T, where: string): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, def] of Object.entries(defaults)) {
    const v = raw[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== typeof def || (typeof v === 'number' && !Number.isFinite(v))) {
      throw new CheckpointError(`${where}: expected a ${typeof def} for ${key} but received ${JSON.stringify(v)}`, 'SHAPCA_CHECKPOINT_CONFIG', where);
    }
    out[key] = v;
  }
  const act = out.hidden_act;
  if (act !== undefined && act !== 'gelu' && act !== 'quick_gelu') {
    throw new CheckpointError(`${where}: expected hidden_act 'gelu' or 'quick_gelu' but received ${JSON.stringify(act)}`, 'SHAPCA_CHECKPOINT_CONFIG', where);
  }
  return out as T;
}

export function parseBertConfig(raw: Raw, where = 'config'): BertConfig {
  if (raw.model_type !== undefined && raw.model_type !== 'bert') {
    throw new CheckpointError(`${where}: expected model_type 'bert' but received ${JSON.stringify(raw.model_type)}`, 'SHAPCA_CHECKPOINT_CONFIG', where);
  }
  const c = pick(raw, BERT_BASE, where);
  checkBertConfig(c, where);
  return c;
}

/** A ViT config, a CLIP vision config, or a full CLIP config (its vision_config). */
export function parseVitConfig(raw: Raw, where = 'config'): VitConfig {
  let r = raw;
  if (raw.model_type === 'clip') {
    if (typeof raw.vision_config !== 'object' || raw.vision_config === null) {
      throw new CheckpointError(`${where}: a CLIP config without vision_config`, 'SHAPCA_CHECKPOINT_CONFIG', where);
    }
    r = { ...(raw.vision_config as Raw), model_type: 'clip_vision_model' };
  }
  const type = r.model_type;
  if (type !== 'vit' && type !== 'clip_vision_model') {
    throw new CheckpointError(`${where}: expected model_type 'vit', 'clip_vision_model' or 'clip' but received ${JSON.stringify(type)}`, 'SHAPCA_CHECKPOINT_CONFIG', where);
  }
  if (type === 'vit' && r.qkv_bias === false) {
    throw new CheckpointError(`${where}: qkv_bias false is not supported`, 'SHAPCA_CHECKPOINT_CONFIG', where);
  }
  const c = pick(r, type === 'vit' ? VIT_BASE : CLIP_VIT_B16, where);
  checkVitConfig(c, where);
  return c;
}
