// What a DeviceModel holds (internal to native/cuda/models). The CPU model struct supplies the
// config, the parameter table and the offsets (bert_init / vit_init build them; its host buffers
// stay unused); everything sized by the batch lives in one DeviceArena, planned per forward.
#pragma once
#include <cstdint>
#include <vector>

#include "cuda/device_buffer.h"
#include "device_arena.h"
#include "device_model.h"

namespace shapca::cuda {

enum class ModelKind : int { bert = 0, vit = 1 };

// BERT's buffers for the last batch (models/bert.h names them alike).
struct BertActs {
  int32_t *ids = nullptr, *types = nullptr, *positions = nullptr;  // (BT) each, back to back
  uint8_t* mask = nullptr;                                          // (BT)
  float *emb = nullptr, *emb_mean = nullptr, *emb_rstd = nullptr, *x0 = nullptr;  // (BT, C), (BT) ×2, (BT, C)
  const float* last = nullptr;                                      // (BT, C), inside the stack's activations
  float *pooled = nullptr, *dpre = nullptr, *dpooled = nullptr;     // (B, C)
  float *dy = nullptr, *dx0 = nullptr;                              // (BT, C), training only
};

// ViT/CLIP's buffers for the last batch (models/vit.h names them alike).
struct VitActs {
  float *pixels = nullptr, *dpixels = nullptr;                      // (B, CH, S, S); dpixels training only
  float *patches = nullptr, *pe = nullptr;                          // (B, NP, K), (B, NP, C)
  float *emb = nullptr, *x0 = nullptr;                              // (BT, C); x0 CLIP only
  float *pre_mean = nullptr, *pre_rstd = nullptr;                   // (BT), CLIP
  const float* xl = nullptr;                                        // (BT, C), the stack's output
  float *last = nullptr, *fin_mean = nullptr, *fin_rstd = nullptr;  // ViT: (BT, C), (BT); CLIP: -, (B)
  float *cls_rows = nullptr, *pooled = nullptr, *dpre = nullptr, *dpooled = nullptr;  // (B, C)
  float *dy = nullptr, *dxl = nullptr, *dx0 = nullptr, *dpe = nullptr;                // training only
};

struct DeviceModel {
  ModelKind kind = ModelKind::bert;
  BertModel bert;    // kind bert: config, table, offsets
  VitModel vit;      // kind vit
  LayerStack stack;  // the layers' offsets and shape; activation pointers into arena
  DeviceBuffer<float> params, grads, mom1, mom2;  // (num_params) each; grads and moments on demand
  DeviceArena arena;
  int64_t b = 0, t = 0;  // the last forward's batch
  bool saved = false;    // whether it kept activations for backward
  BertActs ba;
  VitActs va;
  std::vector<int32_t> host_ids;  // staging for ids, types and positions
  std::vector<uint8_t> host_mask;
  std::vector<float> staging;     // device gradients on their way into host arrays
};

// Allocates zeroed parameters once the CPU init filled the table and the stack; on failure m is
// deleted and *out stays null.
Status finish_create(DeviceModel** out, DeviceModel* m, const LayerStack& stack);
// "what: this is a BERT model" when m is not of the kind the entry point needs.
Status expect_kind(const DeviceModel& m, ModelKind kind, const char* what);

}  // namespace shapca::cuda
