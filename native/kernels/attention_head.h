// One head of the attention forward (cross_attention.h's formulas) on the AVX-512 path, by blocks
// of 12 query rows: the keys are packed (transposed, zero-padded to a multiple of 32) once per
// head, and each block of queries goes through its scores, softmax and product with the values
// while its rows are in L1. The 12×32 register tiles read the queries, the probabilities and the
// values where they lie (no packing); a partial panel of value columns goes through masked loads
// and stores. Inference passes att = null: the block's exponentials then overwrite its scores, its
// output rows are normalised instead of the probabilities, and nothing of Tq×Tk size is written. The general path (two SGEMM calls per head with a row softmax
// between) packs both operands of both products and writes all Tq×Tk scores before the softmax
// reads them: 1.4× (1 thread) to 1.8× (2 threads) the time of this one for ViT-B/16's 197 tokens.
#pragma once
#include <cstdint>

namespace shapca {

struct AttentionHead {
  const float* q;       // (tq, hs), row stride ldq
  const float* k;       // (tk, hs), row stride ldkv
  const float* v;       // (tk, hs), row stride ldkv
  const uint8_t* keys;  // (tk) or null: 0 drops the key
  float* att;           // (tq, tk): the probabilities, or null to keep none
  float* out;           // (tq, hs), row stride ldo
  int64_t tq, tk, hs, ldq, ldkv, ldo;
  float scale;
};

// Floats of scratch one head needs (per thread).
inline int64_t attention_head_scratch(int64_t tk, int64_t hs) {
  const int64_t tkp = (tk + 31) / 32 * 32;
  return tkp * hs + 12 * tkp;
}

namespace avx512 {
// Only when use_avx512(); tq, tk, hs > 0; scratch holds attention_head_scratch(tk, hs) floats.
void attention_head(const AttentionHead& h, float* scratch);
}  // namespace avx512

}  // namespace shapca
