// Linear-chain CRF on the GPU (kernels/crf.h; CrfParams with device pointers): negative
// log-likelihood, its gradients, Viterbi decoding and the tag posteriors. One warp per
// sequence, the lanes over the tags; alpha/beta rows go through device workspace between
// time steps. Lengths and tags are checked on the device first, with the CPU's messages.
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "../kernels/crf.h"

namespace shapca::cuda {

Status crf_forward(float* nll, const float* emissions, const int32_t* tags, const int32_t* lengths,
                   const CrfParams& crf, int64_t batch, int64_t max_len);
Status crf_backward(float* demissions, float* dtransitions, float* dstart, float* dend, const float* dnll,
                    const float* emissions, const int32_t* tags, const int32_t* lengths, const CrfParams& crf,
                    int64_t batch, int64_t max_len);
Status crf_viterbi(int32_t* best_tags, float* best_score, const float* emissions, const int32_t* lengths,
                   const CrfParams& crf, const uint8_t* allowed, const uint8_t* allowed_start,
                   const uint8_t* allowed_end, int64_t batch, int64_t max_len);
Status crf_marginals(float* marginals, const float* emissions, const int32_t* lengths, const CrfParams& crf,
                     const uint8_t* allowed, const uint8_t* allowed_start, const uint8_t* allowed_end, int64_t batch,
                     int64_t max_len);

}  // namespace shapca::cuda
