#include "model_args.h"

#include <string>

namespace shapca::binding {

namespace {
Activation read_activation(Args& a, const char* fallback) {
  return a.choice("hiddenAct", {"gelu", "quick_gelu"}, fallback) == std::string("quick_gelu") ? Activation::quick_gelu
                                                                                               : Activation::gelu;
}
}  // namespace

BertConfig read_bert_config(Args& a) {
  BertConfig c;
  c.vocab_size = a.size("vocabSize");
  c.hidden = a.size("hiddenSize");
  c.layers = a.size("numLayers");
  c.heads = a.size("numHeads");
  c.intermediate = a.size("intermediateSize");
  c.max_positions = a.size("maxPositions");
  c.type_vocab = a.size("typeVocabSize");
  c.eps = static_cast<float>(a.number("layerNormEps", 1e-12));
  c.act = read_activation(a, "gelu");
  c.pooler = a.boolean("pooler", true);
  return c;
}

VitConfig read_vit_config(Args& a) {
  VitConfig c;
  c.kind = a.choice("kind", {"vit", "clip"}, "vit") == "clip" ? VitKind::clip : VitKind::vit;
  const bool clip = c.kind == VitKind::clip;
  c.image_size = a.size("imageSize");
  c.patch = a.size("patchSize");
  c.channels = a.integer("numChannels", 1, 64, 3);
  c.hidden = a.size("hiddenSize");
  c.layers = a.size("numLayers");
  c.heads = a.size("numHeads");
  c.intermediate = a.size("intermediateSize");
  c.eps = static_cast<float>(a.number("layerNormEps", clip ? 1e-5 : 1e-12));
  c.act = read_activation(a, clip ? "quick_gelu" : "gelu");
  c.pooler = a.boolean("pooler", false);
  return c;
}

BertForwardArgs read_bert_forward(Args& a, const BertConfig& cfg) {
  BertForwardArgs f;
  f.b = a.size("batch");
  f.t = a.size("seqLen");
  const int64_t bt = product(a, {f.b, f.t});
  f.ids = a.i32("inputIds", bt);
  f.mask = a.i32("attentionMask", bt, true);
  f.types = a.i32("tokenTypeIds", bt, true);
  f.out = a.f32("out", product(a, {bt, cfg.hidden}), false);
  f.pooled = a.f32("pooled", product(a, {f.b, cfg.hidden}), false, true);
  f.for_backward = a.boolean("forBackward", false);
  return f;
}

VitForwardArgs read_vit_forward(Args& a, const VitConfig& cfg, int64_t t) {
  VitForwardArgs f;
  f.b = a.size("batch");
  const int64_t s = cfg.image_size;
  f.pixels = a.f32("pixels", product(a, {f.b, cfg.channels, s, s}), true);
  f.out = a.f32("out", product(a, {f.b, t, cfg.hidden}), false);
  f.pooled = a.f32("pooled", product(a, {f.b, cfg.hidden}), false, true);
  f.for_backward = a.boolean("forBackward", false);
  return f;
}

namespace {
EncoderBackwardArgs read_backward(Args& a, bool saved, int64_t b, int64_t t, int64_t c, const char* input_name,
                                  int64_t input_len) {
  if (!saved) a.type_error("expected a forward with forBackward: true just before");
  EncoderBackwardArgs g;
  g.dlast = a.f32("dLastHiddenState", b * t * c, true, true);
  g.dpooled = a.f32("dPooled", b * c, true, true);
  g.dinput = a.f32(input_name, input_len, false, true);
  return g;
}
}  // namespace

EncoderBackwardArgs read_bert_backward(Args& a, const BertConfig& cfg, bool saved, int64_t b, int64_t t) {
  return read_backward(a, saved, b, t, cfg.hidden, "dInputsEmbeds", b * t * cfg.hidden);
}

EncoderBackwardArgs read_vit_backward(Args& a, const VitConfig& cfg, bool saved, int64_t b, int64_t t) {
  const int64_t s = cfg.image_size;
  return read_backward(a, saved, b, t, cfg.hidden, "dPixels", b * cfg.channels * s * s);
}

}  // namespace shapca::binding
