// Configuration of a Shap-CA model: the task's labels, the encoders, and every ablation switch.
import type { BertConfig, VitConfig } from '../encoders/config.js';
import type { ShapleyUtility } from '../shapley/index.js';

export interface ShapCAOptions {
  /** Feed the image's generated context as the second segment. Default true. */
  useContext: boolean;
  /** Encode the image (needs an image encoder; samples without an image are masked). Default true. */
  useImage: boolean;
  /** Adaptive fusion of image patches into the text states. Default true. */
  useFusion: boolean;
  /** The alignment loss L_align (docs/ARCHITECTURE.md, "Alignment"). Default true. */
  useAlignment: boolean;
  /** 'shapley' (Shap-CA) or 'infonce' (the ablation). Default 'shapley'. */
  objective: 'shapley' | 'infonce';
  /** Shapley utility. Default 'softmax-expectation'. */
  utility: ShapleyUtility;
  /** Utility temperature τ_u. Default 0.1. */
  tauU: number;
  /** Contrastive temperature τ. Default 0.07. */
  temperature: number;
  /** Antithetic permutations M. Default 16. */
  permutations: number;
  /** λ_ct, λ_ci. Default 0.5 each. */
  lambdaCt: number;
  lambdaCi: number;
  /** Alignment embedding size d_a. Default 256. */
  alignDim: number;
  /** Fusion attention heads. Default 4. */
  fusionHeads: number;
  /** Longest token sequence, [CLS] text [SEP] context [SEP]; the context is cut first. Default 128. */
  maxLength: number;
  /** Add the sparse word-feature layer to the heads' scores (heads/word-features.ts): the tagger's, the relation classifier's. Default false. */
  wordFeatures: boolean;
}

export const DEFAULT_OPTIONS: ShapCAOptions = {
  useContext: true, useImage: true, useFusion: true, useAlignment: true, objective: 'shapley',
  utility: 'softmax-expectation', tauU: 0.1, temperature: 0.07, permutations: 16, lambdaCt: 0.5, lambdaCi: 0.5,
  alignDim: 256, fusionHeads: 4, maxLength: 128, wordFeatures: false,
};

/**
 * The three tasks (docs/ARCHITECTURE.md, "Task heads"): entities, relations between a given pair,
 * both jointly. Each is a folder tasks/<task>/ and one line of tasks/registry.ts.
 */
export type ShapCATask = 'ner' | 're' | 'joint';

/** How the joint model picks entity pairs for its relation classifier. */
export interface PairOptions {
  /** Training: negative (unrelated) ordered pairs of gold entities kept per gold pair, sampled. Default 2. */
  negativeRatio: number;
  /** Inference: predicted entities per sentence that are paired (the first ones). Default 12. */
  maxEntities: number;
}

export const DEFAULT_PAIR_OPTIONS: PairOptions = { negativeRatio: 2, maxEntities: 12 };

export interface ShapCAConfig {
  task: ShapCATask;
  /** Entity types, e.g. PER, LOC, ORG, MISC (ner, joint; empty for re). */
  entityTypes: string[];
  /** The BIO tag list the CRF scores (O, B-X, I-X, ...; empty for re). */
  tags: string[];
  /** re, joint: relation labels in class order, `noneRelation` among them. */
  relations?: string[];
  /** re, joint: the label meaning "no relation" (MNRE v2 `None`, v1 `none`). */
  noneRelation?: string;
  /**
   * re: loss weight of each relation label, in `relations` order (class balance: see
   * classBalanceWeights); absent: 1 each.
   */
  relationWeights?: number[];
  /** joint: pair sampling and inference limits. */
  pairs?: PairOptions;
  options: ShapCAOptions;
  /** Image preprocessing (docs/ARCHITECTURE.md, "Encoders and embeddings"): side, mean, std. */
  imageSize: number;
  imageMean: number[];
  imageStd: number[];
}

/** The from-scratch preset (docs/ARCHITECTURE.md, "Training"): BERT 4×256, ViT 4×192 at 96×96. */
export const TINY_TEXT: Partial<BertConfig> = {
  hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024, max_position_embeddings: 512,
};
export const TINY_IMAGE: Partial<VitConfig> = {
  model_type: 'vit', image_size: 96, patch_size: 16, hidden_size: 192, num_hidden_layers: 4, num_attention_heads: 3,
  intermediate_size: 768,
};

/** Checks the switches against each other; returns them with defaults filled in. */
export function resolveOptions(o: Partial<ShapCAOptions> = {}): ShapCAOptions {
  const r = { ...DEFAULT_OPTIONS, ...o };
  if (!(r.temperature > 0) || !(r.tauU > 0)) throw new RangeError('temperature and tauU must be > 0');
  if (!Number.isInteger(r.permutations) || r.permutations < 1) throw new RangeError(`permutations must be a positive integer but is ${r.permutations}`);
  if (!Number.isInteger(r.maxLength) || r.maxLength < 8) throw new RangeError(`maxLength must be an integer >= 8 but is ${r.maxLength}`);
  return r;
}

/** The relation labels of a re/joint config, checked: `noneRelation` is one of them. */
export function relationLabels(config: ShapCAConfig): { relations: string[]; none: number } {
  const relations = config.relations ?? [];
  const none = relations.indexOf(config.noneRelation ?? '');
  if (relations.length < 2 || none < 0 || new Set(relations).size !== relations.length) {
    throw new RangeError(
      `a ${config.task} config needs distinct relation labels (at least 2) including noneRelation ${JSON.stringify(config.noneRelation)} ` +
        `but has ${JSON.stringify(relations)}`,
    );
  }
  return { relations, none };
}
