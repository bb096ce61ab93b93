// What a DeviceModel holds (internal to native/cuda/models). The CPU model struct supplies the
// config, the parameter table and the offsets (bert_init / vit_init build them; its host buffers
// stay unused); everything sized by the batch lives in one DeviceArena, planned per forward by
// the shared drivers (models/bert_steps.h, models/vit_steps.h).
#pragma once
#include <cstdint>
#include <vector>

#include "cuda/device_buffer.h"
#include "device_arena.h"
#include "device_backend.h"
#include "device_model.h"

namespace shapca::cuda {

enum class ModelKind : int { bert = 0, vit = 1 };

struct DeviceModel {
  ModelKind kind = ModelKind::bert;
  BertModel bert;    // kind bert: config, table, offsets
  VitModel vit;      // kind vit
  LayerStack stack;  // the layers' offsets and shape; activation pointers into arena
  DeviceBuffer<float> params, grads, mom1, mom2;  // (num_params) each; grads and moments on demand
  DeviceArena arena;
  int64_t b = 0, t = 0;  // the last forward's batch
  bool saved = false;    // whether it kept activations for backward
  BertActs ba;       // the last batch's buffers (models/bert.h), in device memory
  VitActs va;        // (models/vit.h)
  HostStaging host;  // host arrays on their way up or down
};

// Allocates zeroed parameters once the CPU init filled the table and the stack; on failure m is
// deleted and *out stays null.
Status finish_create(DeviceModel** out, DeviceModel* m, const LayerStack& stack);
// "what: this is a BERT model" when m is not of the kind the entry point needs.
Status expect_kind(const DeviceModel& m, ModelKind kind, const char* what);

}  // namespace shapca::cuda
