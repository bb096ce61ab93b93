// Patch embedding on the GPU (kernels/patch_embed.h): an unfold of non-overlapping P×P patches
// (im2col) into patches (B,NP,K), K = CI·P·P, then one GEMM with weight (OC,K) and bias;
// backward: the weight and bias gradients from patches, and when dpixels is not null the fold
// (a scatter without atomics: patches do not overlap) of dout·weight.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca::cuda {

Status patch_embed_forward(float* out, float* patches, const float* pixels, const float* weight, const float* bias,
                           int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc);
Status patch_embed_backward(float* dpixels, float* dweight, float* dbias, const float* dout, const float* patches,
                            const float* weight, int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc);

}  // namespace shapca::cuda
