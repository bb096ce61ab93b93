// Sizes read from a config.json are bounded before anything is allocated from them: a corrupt or
// hostile config (a depth of 10⁶, a width of 10⁹) would otherwise make the loader allocate for
// minutes, or overflow a size computation in the native model, before failing. The bounds are far
// above every released BERT, ViT and CLIP (BERT-large: 24 layers × 1024; ViT-g: 48 × 1664), and
// the parameter count as a whole is bounded too (with the products checked).
import { CheckpointError } from '../checkpoint/errors.js';
import { checkedProduct } from '../checkpoint/safetensors.js';
import type { BertConfig, VitConfig } from './config.js';

/** Largest parameter count accepted (4·2^30 floats = 16 GiB of weights). */
export const MAX_PARAMETERS = 4 * 2 ** 30;

type Bound = readonly [key: string, min: number, max: number];

const COMMON: Bound[] = [
  ['hidden_size', 1, 16_384], ['num_hidden_layers', 0, 256], ['num_attention_heads', 1, 256], ['intermediate_size', 1, 131_072],
];
const BERT: Bound[] = [...COMMON, ['vocab_size', 1, 4_000_000], ['max_position_embeddings', 1, 1_048_576], ['type_vocab_size', 1, 1024], ['pad_token_id', 0, 4_000_000]];
const VIT: Bound[] = [...COMMON, ['image_size', 1, 8192], ['patch_size', 1, 1024], ['num_channels', 1, 64]];

function checkBounds(c: Record<string, unknown>, bounds: Bound[], where: string): void {
  for (const [key, min, max] of bounds) {
    const v = c[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new CheckpointError(`${where}: expected ${key} to be an integer in [${min}, ${max}] but received ${JSON.stringify(v)}`, 'SHAPCA_CHECKPOINT_CONFIG', where);
    }
  }
  if ((c.hidden_size as number) % (c.num_attention_heads as number) !== 0) {
    throw new CheckpointError(`${where}: expected hidden_size (${c.hidden_size}) to be divisible by num_attention_heads (${c.num_attention_heads})`, 'SHAPCA_CHECKPOINT_CONFIG', where);
  }
}

function checkTotal(parts: number[][], where: string): void {
  let total = 0;
  for (const p of parts) {
    const n = checkedProduct(p);
    total += n ?? Infinity;
  }
  if (!(total <= MAX_PARAMETERS)) {
    throw new CheckpointError(`${where}: these sizes make a model of ${Number.isFinite(total) ? total.toExponential(2) : 'more than 2^53'} parameters, above the ${MAX_PARAMETERS.toExponential(2)} supported`, 'SHAPCA_CHECKPOINT_CONFIG', where);
  }
}

export function checkBertConfig(c: BertConfig, where: string): void {
  checkBounds(c as unknown as Record<string, unknown>, BERT, where);
  const h = c.hidden_size;
  checkTotal([[c.vocab_size + c.max_position_embeddings + c.type_vocab_size, h], [c.num_hidden_layers, 4 * h + 2 * c.intermediate_size + 9, h]], where);
}

export function checkVitConfig(c: VitConfig, where: string): void {
  checkBounds(c as unknown as Record<string, unknown>, VIT, where);
  if (c.image_size % c.patch_size !== 0) {
    throw new CheckpointError(`${where}: expected image_size (${c.image_size}) to be divisible by patch_size (${c.patch_size})`, 'SHAPCA_CHECKPOINT_CONFIG', where);
  }
  const h = c.hidden_size;
  const patches = (c.image_size / c.patch_size) ** 2;
  checkTotal([[patches + 1, h], [h, c.num_channels, c.patch_size, c.patch_size], [c.num_hidden_layers, 4 * h + 2 * c.intermediate_size + 9, h]], where);
}
