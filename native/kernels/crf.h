// Linear-chain CRF over BIO tags (the MNER head, docs/ARCHITECTURE.md, "Task heads").
//
// For one sequence of length n with emissions E[t,y], transitions A[i,j] (from i to j), start
// scores s[y] and end scores e[y], a tag path y has score
//   score(y) = s[y_0] + Σ_t E[t,y_t] + Σ_{t≥1} A[y_{t−1},y_t] + e[y_{n−1}]
// and   nll = log Σ_y' exp score(y') − score(gold)      (forward algorithm, in log space).
// Backward: dE[t,y] += dnll·(P(y_t = y) − [gold_t = y]), dA[i,j] += dnll·(Σ_t P(y_{t−1}=i, y_t=j) − gold
// count), ds, de likewise (forward–backward marginals).
// Viterbi finds argmax_y score(y), optionally restricted to allowed transitions / start / end tags
// (BIO constraints are applied at decoding only, so gold paths with orphan I- tags stay trainable).
// Marginals are the forward–backward posteriors P(y_t = j) = exp(alpha[t,j] + beta[t,j] − log Z),
// optionally over the allowed paths only (the distribution the constrained Viterbi maximises):
// a disallowed transition, start or end tag scores −inf.
//
// Shapes: emissions (B,T,L), tags (B,T) int32, lengths (B) int32 with 1 ≤ len ≤ T (0 allowed: empty
// sequence, nll 0), transitions (L,L), start/end (L), allowed (L,L) uint8, allowed_start/end (L).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

struct CrfParams {
  const float* transitions;  // (L,L)
  const float* start;        // (L)
  const float* end;          // (L)
  int64_t num_tags;          // L
};

// nll (B): the negative log-likelihood of each sequence's gold path.
Status crf_forward(float* nll, const float* emissions, const int32_t* tags, const int32_t* lengths,
                   const CrfParams& crf, int64_t batch, int64_t max_len);

// Accumulates gradients of Σ_b dnll[b]·nll[b]. Any gradient pointer may be null to skip it.
Status crf_backward(float* demissions, float* dtransitions, float* dstart, float* dend, const float* dnll,
                    const float* emissions, const int32_t* tags, const int32_t* lengths, const CrfParams& crf,
                    int64_t batch, int64_t max_len);

// best_tags (B,T): the best path (positions ≥ length are set to −1); best_score (B) may be null.
Status crf_viterbi(int32_t* best_tags, float* best_score, const float* emissions, const int32_t* lengths,
                   const CrfParams& crf, const uint8_t* allowed, const uint8_t* allowed_start,
                   const uint8_t* allowed_end, int64_t batch, int64_t max_len);

// marginals (B,T,L): P(y_t = j) for t < length, 0 past it; each row sums to 1. The constraints may be
// null (no restriction); a sequence that no allowed path covers is an out_of_range error.
Status crf_marginals(float* marginals, const float* emissions, const int32_t* lengths, const CrfParams& crf,
                     const uint8_t* allowed, const uint8_t* allowed_start, const uint8_t* allowed_end, int64_t batch,
                     int64_t max_len);

}  // namespace shapca
