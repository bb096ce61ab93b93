/**
 * Shapley values of the batch games of Shap-CA (docs/ARCHITECTURE.md, "Shapley batch games"): for players p_1..p_k and targets
 * t_1..t_n, game j scores a coalition of players against t_j with a utility, and phi[j*k+i] is
 * player i's Shapley value in game j. Exact (Gray-code enumeration, k ≤ 25) or estimated from M
 * permutations shared by all games (seeded, antithetic by default), in the native core.
 */
import { addon } from '../native/addon.js';
import { zeros } from '../kernels/alloc.js';

/**
 * Utility v_j(S) of a coalition S for target j, v_j(∅) = 0, with s_ij = <p̂_i, t̂_j>:
 * - `'softmax-expectation'`: Σ w s / Σ w over S, w_ij = exp(s_ij / tauU) — the expected similarity
 *   of a member drawn by relevance (the default);
 * - `'cosine-sum'`: cosine of the coalition's summed vector with t_j (a coalition whose vectors
 *   sum to ~0 scores 0);
 * - `'mean'`: the mean similarity of the members; linear, so its Shapley value has a closed form
 *   and its contrastive loss is InfoNCE (kept for ablations and as a check).
 */
export type ShapleyUtility = 'softmax-expectation' | 'cosine-sum' | 'mean';

export type ShapleyMethod = 'exact' | 'permutation';

/** Estimator settings shared by {@link values} and the alignment losses. */
export interface ShapleySamplingOptions {
  /** Default `'softmax-expectation'`. */
  utility?: ShapleyUtility;
  /** Temperature of softmax-expectation's relevance weights; > 0. Default 0.1. */
  tauU?: number;
  /** Number of permutations M (even when antithetic). Default 16. */
  permutations?: number;
  /** Pair each permutation with its reverse (a sample is the pair's mean). Default true. */
  antithetic?: boolean;
  /**
   * Seed of the counter-based Philox stream: permutation r depends only on (seed, r), so the same
   * seed gives the same result whatever the thread count. Integer in [0, 2^53). Default 0.
   */
  seed?: number;
}

export interface ShapleyValuesOptions extends ShapleySamplingOptions {
  /** (k, d) player embeddings, e.g. the contexts'. */
  players: Float32Array;
  /** (n, d) target embeddings, e.g. the texts'. */
  targets: Float32Array;
  /** Players per game, ≥ 2. */
  k: number;
  /** Games (targets), ≥ 1. */
  n: number;
  d: number;
  /** Default `'permutation'`. `'exact'` enumerates all 2^k coalitions. */
  method?: ShapleyMethod;
  /** Largest k accepted by the exact method; at most 25. Default 20. */
  maxExactPlayers?: number;
  /** L2-normalise players and targets first (then zero vectors are an error). Default true. */
  normalize?: boolean;
}

export interface ShapleyValues {
  /** (n, k): phi[j*k+i] is player i's value in game j. */
  phi: Float32Array;
  /**
   * (n, k) standard error of each estimate: the CLT standard error over the samples (a sample is
   * a permutation, or an antithetic pair); NaN with one sample. Permutation method only. With few
   * permutations (tens) it can be optimistic for games with skewed marginals.
   */
  stderr?: Float32Array;
}

/** Shapley values of every player in every target's game. */
export async function values(o: ShapleyValuesOptions): Promise<ShapleyValues> {
  const phi = zeros(o.n * o.k);
  if (o.method === 'exact') {
    await addon().shapleyValues({ ...o, phi });
    return { phi };
  }
  const stderr = zeros(o.n * o.k);
  await addon().shapleyValues({ ...o, phi, stderr });
  return { phi, stderr };
}

/**
 * Exact Shapley values of any k-player game given as the table of its 2^k coalition values
 * (`values[mask]`, bit i of mask = player i in the coalition), 1 ≤ k ≤ 25, in O(2^k).
 * `values[0]` need not be 0: the values depend on differences only. Resolves to phi (k).
 */
export async function exactGame(values: Float64Array, k: number): Promise<Float64Array> {
  const phi = new Float64Array(Number.isSafeInteger(k) && k >= 0 && k <= 64 ? k : 0);
  await addon().shapleyExactGame({ values, k, phi });
  return phi;
}

/**
 * The permutations the permutation method draws for these settings: (M, k) row-major, row r a
 * permutation of 0..k−1 (with antithetic, row 2q+1 is row 2q reversed). For inspection and for
 * reference implementations that must use the same draws.
 */
export function permutations(o: { k: number } & Pick<ShapleySamplingOptions, 'permutations' | 'antithetic' | 'seed'>): Int32Array {
  const m = o.permutations ?? 16;
  const n = m * o.k;
  const out = new Int32Array(Number.isSafeInteger(n) && n >= 0 && n <= 2 ** 31 ? n : 0);
  addon().shapleyPermutations({ ...o, out });
  return out;
}
