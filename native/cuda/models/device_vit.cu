// ViT and the CLIP vision tower on the device: models/vit_steps.h over DeviceBackend, with host
// pixels and outputs at the boundary and everything in between on the GPU.
#include "device_backend.h"
#include "device_embeddings.h"
#include "device_model_internal.h"
#include "models/vit_steps.h"

namespace shapca::cuda {

namespace {
VitRun<DeviceArena> run(DeviceModel& m) {
  return {m.vit, m.stack, m.va, m.arena, m.params.data(), m.grads.size() ? m.grads.data() : nullptr, m.b, m.saved};
}
}  // namespace

Status DeviceBackend::vit_embed_forward(const VitModel& vm, const VitActs& a, const float* p, int64_t b) {
  return vit_embeddings_forward(a.emb, p + vm.cls, a.pe, p + vm.pos, b, vm.np, vm.cfg.hidden);
}

Status DeviceBackend::vit_embed_backward(const VitModel& vm, const VitActs& a, float* g, const float* demb, int64_t b) {
  return vit_embeddings_backward(g + vm.cls, g + vm.pos, a.dpe, demb, b, vm.np, vm.cfg.hidden);
}

Status vit_forward(DeviceModel& m, float* last_hidden, float* pooled, const float* pixels, int64_t b, bool for_backward) {
  SHAPCA_TRY(expect_kind(m, ModelKind::vit, "vit_forward"));
  DeviceBackend be{m.host};
  return vit_forward_with(be, run(m), last_hidden, pooled, pixels, b, for_backward);
}

Status vit_backward(DeviceModel& m, float* dpixels, const float* dlast, const float* dpooled) {
  SHAPCA_TRY(expect_kind(m, ModelKind::vit, "vit_backward"));
  DeviceBackend be{m.host};
  return vit_backward_with(be, run(m), dpixels, dlast, dpooled);
}

}  // namespace shapca::cuda
