// The embedding sums of BERT and ViT/CLIP on the device (the loops inside models/bert.cpp and
// models/vit.cpp). Ids are validated on the host before they are uploaded.
//   BERT: e[r] = word[ids[r]] + (pos[positions[r]] + type[types[r]])              e (BT, C)
//         backward: dword[ids[r]], dpos[positions[r]], dtype[types[r]] += de[r]  (atomics)
//   ViT:  e[b,0] = cls + pos[0];  e[b,1+p] = pe[b,p] + pos[1+p]                   e (B, T, C), pe (B, NP, C)
//         backward: dcls += Σ_b de[b,0];  dpos[tok] += Σ_b de[b,tok];  dpe[b,p] = de[b,1+p]
//         (one thread per (tok, j) sums over b in order: no atomics, the same result every run)
#pragma once
#include <cstdint>

#include "core/status.h"

namespace shapca::cuda {

Status bert_embeddings_forward(float* emb, const int32_t* ids, const int32_t* positions, const int32_t* types,
                               const float* word, const float* pos, const float* type, int64_t bt, int64_t c);
Status bert_embeddings_backward(float* dword, float* dpos, float* dtype, const float* demb, const int32_t* ids,
                                const int32_t* positions, const int32_t* types, int64_t bt, int64_t c);
Status vit_embeddings_forward(float* emb, const float* cls, const float* pe, const float* pos, int64_t b, int64_t np,
                              int64_t c);
Status vit_embeddings_backward(float* dcls, float* dpos, float* dpe, const float* demb, int64_t b, int64_t np, int64_t c);

}  // namespace shapca::cuda
