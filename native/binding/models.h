// Model handles exported by the addon: BertModel and VitModel (classes with dispose()), and with
// CUDA CudaBertModel and CudaVitModel.
#pragma once
#include <napi.h>

namespace shapca::binding {
void register_bert(Napi::Env env, Napi::Object exports);
void register_vit(Napi::Env env, Napi::Object exports);
#ifdef SHAPCA_HAVE_CUDA
// CudaBertModel and CudaVitModel (cuda_models.cpp), in the CUDA build only.
void register_cuda_models(Napi::Env env, Napi::Object exports);
#endif
// All of the above.
inline void register_models(Napi::Env env, Napi::Object exports) {
  register_bert(env, exports);
  register_vit(env, exports);
#ifdef SHAPCA_HAVE_CUDA
  register_cuda_models(env, exports);
#endif
}
}  // namespace shapca::binding
