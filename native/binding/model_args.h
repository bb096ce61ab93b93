// The arguments of the model handles, read once for the CPU handles (BertModel, VitModel) and
// the CUDA ones (CudaBertModel, CudaVitModel): the constructors' config objects (HF config names
// in camelCase) and the forward / backward options, with the same checks and messages on both.
#pragma once
#include <cstdint>

#include "args.h"
#include "models/bert.h"
#include "models/vit.h"

namespace shapca::binding {

BertConfig read_bert_config(Args& a);
// CLIP's defaults differ: eps 1e-5 and quick GELU.
VitConfig read_vit_config(Args& a);

// forward({batch, seqLen, inputIds, attentionMask?, tokenTypeIds?, out, pooled?, forBackward?})
struct BertForwardArgs {
  int64_t b = 0, t = 0;
  const int32_t *ids = nullptr, *mask = nullptr, *types = nullptr;  // (B·T); mask and types optional
  float *out = nullptr, *pooled = nullptr;                           // (B, T, C), (B, C) optional
  bool for_backward = false;
};
BertForwardArgs read_bert_forward(Args& a, const BertConfig& cfg);

// forward({batch, pixels, out, pooled?, forBackward?}); t is the model's tokens per image.
struct VitForwardArgs {
  int64_t b = 0;
  const float* pixels = nullptr;            // (B, CH, S, S)
  float *out = nullptr, *pooled = nullptr;  // (B, T, C), (B, C) optional
  bool for_backward = false;
};
VitForwardArgs read_vit_forward(Args& a, const VitConfig& cfg, int64_t t);

// backward({dLastHiddenState?, dPooled?, and dInputsEmbeds? (BERT) or dPixels? (ViT)}) after a
// forward with forBackward (saved) of b sequences of t tokens; each array is optional.
struct EncoderBackwardArgs {
  const float *dlast = nullptr, *dpooled = nullptr;  // (B, T, C), (B, C)
  float* dinput = nullptr;                           // dInputsEmbeds (B, T, C) or dPixels (B, CH, S, S)
};
EncoderBackwardArgs read_bert_backward(Args& a, const BertConfig& cfg, bool saved, int64_t b, int64_t t);
EncoderBackwardArgs read_vit_backward(Args& a, const VitConfig& cfg, bool saved, int64_t b, int64_t t);

}  // namespace shapca::binding
