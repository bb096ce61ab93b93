// Model handles exported by the addon: BertModel and VitModel (classes with dispose()).
#pragma once
#include <napi.h>

namespace shapca::binding {
void register_bert(Napi::Env env, Napi::Object exports);
void register_vit(Napi::Env env, Napi::Object exports);
// Both of the above.
inline void register_models(Napi::Env env, Napi::Object exports) {
  register_bert(env, exports);
  register_vit(env, exports);
}
}  // namespace shapca::binding
