// Patch embedding: a convolution whose stride equals its kernel (ViT, CLIP), computed as one
// GEMM over unfolded patches.
//
//   pixels is (B, CI, H, W); P is the patch size; GH = H / P, GW = W / P, NP = GH·GW (a border
//   narrower than P is dropped, as the convolution does); K = CI·P·P.
//   patches[b, gy·GW+gx, (ci, py, px)] = pixels[b, ci, gy·P+py, gx·P+px]         patches (B, NP, K)
//   out = patches · weightᵀ + bias          out (B, NP, OC), weight (OC, CI, P, P) = (OC, K), bias (OC) or null
// patches is written by forward and read by backward (the weight gradient needs it).
// Backward (accumulates): dweight += doutᵀ·patches, dbias += Σ dout, and when dpixels is not
// null, dpixels += fold(dout · weight) (patches do not overlap, so fold is a scatter).
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca {

Status patch_embed_forward(float* out, float* patches, const float* pixels, const float* weight, const float* bias,
                           int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc);
Status patch_embed_backward(float* dpixels, float* dweight, float* dbias, const float* dout, const float* patches,
                            const float* weight, int64_t b, int64_t ci, int64_t h, int64_t w, int64_t p, int64_t oc);

}  // namespace shapca
