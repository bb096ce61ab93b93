#include "model_configs.h"

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

}  // namespace shapca::binding
