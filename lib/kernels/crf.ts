import { addon } from '../native/addon.js';
import { zeros } from './alloc.js';

/** CRF parameters: transitions (L,L) from row tag to column tag, start and end scores (L). */
export interface CrfParameters {
  transitions: Float32Array;
  start: Float32Array;
  end: Float32Array;
  numTags: number;
}

export interface CrfBatch {
  /** (batch, maxLen, numTags) */
  emissions: Float32Array;
  /** (batch): each sequence's length, 0..maxLen; positions past it are padding. */
  lengths: Int32Array;
  batch: number;
  maxLen: number;
}

/** Negative log-likelihood of each sequence's gold tags (batch, maxLen) under the CRF. */
export async function crfForward(crf: CrfParameters, x: CrfBatch, tags: Int32Array): Promise<Float32Array> {
  const nll = zeros(x.batch);
  await addon().crfForward({ ...crf, ...x, tags, nll });
  return nll;
}

export interface CrfGradients {
  demissions: Float32Array;
  dtransitions: Float32Array;
  dstart: Float32Array;
  dend: Float32Array;
}

/** Accumulates the gradients of Σ_b dnll[b]·nll[b] (buffers allocated, zeroed, when absent). */
export async function crfBackward(
  crf: CrfParameters,
  x: CrfBatch,
  tags: Int32Array,
  dnll: Float32Array,
  into?: Partial<CrfGradients>,
): Promise<CrfGradients> {
  const L = crf.numTags;
  const g: CrfGradients = {
    demissions: into?.demissions ?? zeros(x.batch * x.maxLen * L),
    dtransitions: into?.dtransitions ?? zeros(L * L),
    dstart: into?.dstart ?? zeros(L),
    dend: into?.dend ?? zeros(L),
  };
  await addon().crfBackward({ ...crf, ...x, tags, dnll, ...g });
  return g;
}

/** Allowed transitions for constrained decoding (see heads/bio.ts). */
export interface CrfConstraints {
  /** (L,L): 1 where tag i may be followed by tag j */
  allowed?: Uint8Array;
  /** (L): 1 where a sequence may start with the tag */
  allowedStart?: Uint8Array;
  /** (L): 1 where a sequence may end with the tag */
  allowedEnd?: Uint8Array;
}

/** Best tag path per sequence (batch, maxLen; −1 past each length) and its score. */
export async function crfViterbi(
  crf: CrfParameters,
  x: CrfBatch,
  constraints: CrfConstraints = {},
): Promise<{ tags: Int32Array; scores: Float32Array }> {
  const n = x.batch * x.maxLen;
  const tags = new Int32Array(Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 31 ? n : 0);
  const scores = zeros(x.batch);
  await addon().crfViterbi({ ...crf, ...x, ...constraints, bestTags: tags, bestScore: scores });
  return { tags, scores };
}

/**
 * Tag posteriors P(y_t = j) by forward–backward (batch, maxLen, numTags; zeros past each length).
 * With constraints, over the allowed paths only: the distribution the constrained Viterbi decodes.
 */
export async function crfMarginals(crf: CrfParameters, x: CrfBatch, constraints: CrfConstraints = {}): Promise<Float32Array> {
  const n = x.batch * x.maxLen * crf.numTags;
  const marginals = zeros(n);
  await addon().crfMarginals({ ...crf, ...x, ...constraints, marginals });
  return marginals;
}
