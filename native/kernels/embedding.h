// Embedding lookup.
//   out[i,:] = table[ids[i],:]        out is (n_ids, C), table is (vocab, C), ids are (n_ids)
// Backward accumulates: dtable[ids[i],:] += dout[i,:] (repeated ids add up).
// An id outside [0, vocab) is Status::out_of_range naming its position.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status embedding_forward(float* out, const int32_t* ids, const float* table, int64_t n_ids, int64_t vocab, int64_t c);
Status embedding_backward(float* dtable, const float* dout, const int32_t* ids, int64_t n_ids, int64_t vocab,
                          int64_t c);

}  // namespace shapca
