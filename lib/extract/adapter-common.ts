// What the task adapters (tasks/<task>/adapter.ts) share: the image recipe, "text absent" as
// [MASK] word-pieces, the length estimate for batching, the alignment embeddings — together, every
// field of an ExtractionModel but `run` (adapterBase).
import type { PreprocessOptions } from '../image/preprocess.js';
import type { ShapCABackbone } from '../model/backbone.js';
import type { ShapCAConfig } from '../model/config.js';
import type { EncodedInputs } from '../model/inputs.js';
import type { WordPieceTokenizer } from '../tokenizer/wordpiece.js';
import type { AlignmentEmbeddings, ExtractionModel, ModelInput } from './types.js';

/** The token that stands for absent text: [MASK], or [UNK] when the vocabulary has no [MASK]. */
function maskTokenOf(tokenizer: WordPieceTokenizer): { token: '[MASK]' | '[UNK]'; id: number } {
  const mask = tokenizer.tokenToId('[MASK]');
  return mask !== undefined ? { token: '[MASK]', id: mask } : { token: '[UNK]', id: tokenizer.unkId };
}

/** How the model's images are decoded; null when it reads none. */
function imageRecipeOf(cfg: ShapCAConfig, backbone: ShapCABackbone): PreprocessOptions | null {
  return backbone.usesImage && cfg.imageSize > 0 ? { size: cfg.imageSize, mean: cfg.imageMean, std: cfg.imageStd } : null;
}

/**
 * Text absent: the text segment's word-pieces of the inputs with `maskText` become `maskId`
 * (except the ids in `keep`: the relation markers, which say where the pair is rather than what the
 * post says); words keep their positions, so spans still align.
 */
function maskTextPieces(b: EncodedInputs, inputs: readonly ModelInput[], maskId: number, keep?: ReadonlySet<number>): void {
  inputs.forEach((x, i) => {
    if (!x.maskText) return;
    for (let t = i * b.seqLen; t < (i + 1) * b.seqLen; t++) if (b.textWeights[t] && !keep?.has(b.inputIds[t]!)) b.inputIds[t] = maskId;
  });
}

/** A cheap token estimate for batching: the words, `extra` (markers), and the context's words when read. */
function lengthEstimate(cfg: ShapCAConfig, extra = 0): (x: Pick<ModelInput, 'tokens' | 'context'>) => number {
  return (x) => Math.min(cfg.options.maxLength, x.tokens.length + extra + (cfg.options.useContext && x.context ? x.context.split(/\s+/).length : 0));
}

/** The alignment head's text and context embeddings of an encoded batch; null without the head. */
async function alignmentOf(backbone: ShapCABackbone, cfg: ShapCAConfig, b: EncodedInputs): Promise<AlignmentEmbeddings | null> {
  if (!backbone.alignment) return null;
  const states = (await backbone.parts.text.forward({
    inputIds: b.inputIds, attentionMask: b.attentionMask, tokenTypeIds: b.tokenTypeIds, batch: b.batch, seqLen: b.seqLen,
  })).lastHiddenState;
  const e = await backbone.alignment.embed({ states, batch: b.batch, seqLen: b.seqLen, textWeights: b.textWeights, contextWeights: b.contextWeights });
  return { ...e, dim: backbone.alignment.dim, utility: cfg.options.utility, tauU: cfg.options.tauU };
}

/** What an adapter needs of a task model. */
export interface AdaptedModel<E, B extends EncodedInputs> {
  readonly config: ShapCAConfig;
  readonly tokenizer: WordPieceTokenizer;
  readonly backbone: ShapCABackbone;
  encode(examples: E[]): B;
}

/** What every task's example holds of a post: the pixels only when the model reads images. */
export interface PostExample {
  id: string;
  tokens: string[];
  context?: string;
  pixels: Float32Array | null;
}

/** How a task's inputs differ from the others'. */
export interface AdapterOptions<E> {
  task: string;
  /** The model's example for an input, from what every task's example holds of it. */
  example(x: ModelInput, post: PostExample): E;
  /** Word-pieces "text absent" keeps (the relation markers). */
  keep?: ReadonlySet<number>;
  /** Tokens each post takes besides its words (the relation markers), for the length estimate. */
  extraTokens?: number;
}

/**
 * Every field of the model's ExtractionModel but `run`, and the batch encoder `run` uses (examples
 * by `o.example`, masked inputs' text as [MASK] word-pieces).
 */
export function adapterBase<E, B extends EncodedInputs>(
  model: AdaptedModel<E, B>,
  o: AdapterOptions<E>,
): { base: Omit<ExtractionModel, 'run'>; encode: (inputs: ModelInput[]) => B } {
  const cfg = model.config;
  const mask = maskTokenOf(model.tokenizer);
  const image = imageRecipeOf(cfg, model.backbone);
  const encode = (inputs: ModelInput[]): B => {
    const batch = model.encode(inputs.map((x) => o.example(x, {
      id: x.id, tokens: x.tokens, pixels: image ? x.pixels : null, ...(x.context ? { context: x.context } : {}),
    })));
    maskTextPieces(batch, inputs, mask.id, o.keep);
    return batch;
  };
  return {
    encode,
    base: {
      task: o.task,
      image,
      usesContext: cfg.options.useContext,
      fusion: model.backbone.fusion !== null,
      maskToken: mask.token,
      length: lengthEstimate(cfg, o.extraTokens),
      async alignment(inputs: ModelInput[]) {
        return !model.backbone.alignment || inputs.length === 0 ? null : alignmentOf(model.backbone, cfg, encode(inputs));
      },
    },
  };
}
