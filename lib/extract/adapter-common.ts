// What the task adapters (ner-, re-, joint-adapter.ts) share: the image recipe, "text absent" as
// [MASK] word-pieces, the length estimate for batching, and the alignment embeddings.
import type { PreprocessOptions } from '../image/preprocess.js';
import type { ShapCABackbone } from '../model/backbone.js';
import type { ShapCAConfig } from '../model/config.js';
import type { EncodedInputs } from '../model/inputs.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { AlignmentEmbeddings, ModelInput } from './types.js';

/** The token that stands for absent text: [MASK], or [UNK] when the vocabulary has no [MASK]. */
export function maskTokenOf(tokenizer: WordPieceTokenizer): { token: '[MASK]' | '[UNK]'; id: number } {
  const mask = tokenizer.tokenToId('[MASK]');
  return mask !== undefined ? { token: '[MASK]', id: mask } : { token: '[UNK]', id: tokenizer.unkId };
}

/** How the model's images are decoded; null when it reads none. */
export function imageRecipeOf(cfg: ShapCAConfig, backbone: ShapCABackbone): PreprocessOptions | null {
  return backbone.usesImage && cfg.imageSize > 0 ? { size: cfg.imageSize, mean: cfg.imageMean, std: cfg.imageStd } : null;
}

/**
 * Text absent: the text segment's word-pieces of the inputs with `maskText` become `maskId`
 * (except the ids in `keep`: the relation markers, which say where the pair is rather than what the
 * post says); words keep their positions, so spans still align.
 */
export function maskTextPieces(b: EncodedInputs, inputs: readonly ModelInput[], maskId: number, keep?: ReadonlySet<number>): void {
  inputs.forEach((x, i) => {
    if (!x.maskText) return;
    for (let t = i * b.seqLen; t < (i + 1) * b.seqLen; t++) if (b.textWeights[t] && !keep?.has(b.inputIds[t]!)) b.inputIds[t] = maskId;
  });
}

/** A cheap token estimate for batching: the words, `extra` (markers), and the context's words when read. */
export function lengthEstimate(cfg: ShapCAConfig, extra = 0): (x: Pick<ModelInput, 'tokens' | 'context'>) => number {
  return (x) => Math.min(cfg.options.maxLength, x.tokens.length + extra + (cfg.options.useContext && x.context ? x.context.split(/\s+/).length : 0));
}

/** The alignment head's text and context embeddings of an encoded batch; null without the head. */
export async function alignmentOf(backbone: ShapCABackbone, cfg: ShapCAConfig, b: EncodedInputs): Promise<AlignmentEmbeddings | null> {
  if (!backbone.alignment) return null;
  const states = (await backbone.parts.text.forward({
    inputIds: b.inputIds, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds, batch: b.batch, seqLen: b.seqLen,
  })).lastHiddenState;
  const e = await backbone.alignment.embed({ states, batch: b.batch, seqLen: b.seqLen, textWeights: b.textWeights, contextWeights: b.contextWeights });
  return { ...e, dim: backbone.alignment.dim, utility: cfg.options.utility, tauU: cfg.options.tauU };
}
