// Embedding lookup on the GPU (kernels/embedding.h):
//   out[i,:] = table[ids[i],:]; backward accumulates dtable[ids[i],:] += dout[i,:] (atomics, so
//   repeated ids add up). ids live on the device; an id outside [0, vocab) is out_of_range naming
//   its position, found by a check kernel before anything is written.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca::cuda {

Status embedding_forward(float* out, const int32_t* ids, const float* table, int64_t n_ids, int64_t vocab, int64_t c);
Status embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t n_ids, int64_t vocab,
                          int64_t c);

}  // namespace shapca::cuda
