// native/cuda/models/device_model.h
#pragma once
#include <cstdint>
#include "core/status.h"
#include "kernels/adamw.h"       // AdamWConfig
#include "models/bert.h"        // BertConfig
#include "models/vit.h"         // VitConfig
#include "models/param_table.h" // ParamTable
namespace shapca::cuda {
// A BERT or ViT/CLIP encoder whose parameters, gradients, AdamW moments and saved activations
// live on the GPU. The parameter table (names, offsets, shapes, init) is exactly the CPU model's
// (bert_init / vit_init), so host buffers are interchangeable with the CPU model's.
struct DeviceModel;
Status bert_create(DeviceModel** out, const BertConfig& cfg);
Status vit_create(DeviceModel** out, const VitConfig& cfg);
void destroy(DeviceModel* m);                       // null is fine
const ParamTable& table(const DeviceModel& m);
int64_t num_params(const DeviceModel& m);
// Host <-> device copies of the whole flat buffers (n must equal num_params).
Status upload_params(DeviceModel& m, const float* host, int64_t n);
Status download_params(const DeviceModel& m, float* host, int64_t n);
Status enable_grads(DeviceModel& m);                 // allocates zeroed gradients once
Status zero_grads(DeviceModel& m);
Status download_grads(const DeviceModel& m, float* host, int64_t n);
// Inputs and outputs at this boundary are host arrays (the task heads run on the CPU);
// everything in between stays on the device. Same semantics as bert_forward/bert_backward and
// vit_forward/vit_backward in native/models (nulls allowed where they allow them; backward
// accumulates into the device gradients and, when given, into the host dinputs_embeds/dpixels).
Status bert_forward(DeviceModel& m, float* last_hidden, float* pooled, const int32_t* ids, const int32_t* token_types,
                    const int32_t* attention_mask, int64_t b, int64_t t, bool for_backward);
Status bert_backward(DeviceModel& m, float* dinputs_embeds, const float* dlast, const float* dpooled);
Status vit_forward(DeviceModel& m, float* last_hidden, float* pooled, const float* pixels, int64_t b, bool for_backward);
Status vit_backward(DeviceModel& m, float* dpixels, const float* dlast, const float* dpooled);
// Optimizer on the device, over the half-open parameter range [begin, end) (the TS optimizer
// calls it per contiguous range with its own lr / weight decay). Moments are allocated zeroed on
// first use. grad_norm_sq returns Σ g² over the range (double, fixed order).
Status grad_norm_sq(const DeviceModel& m, int64_t begin, int64_t end, double* out);
Status adamw_step(DeviceModel& m, int64_t begin, int64_t end, const AdamWConfig& cfg);
// Moments to/from host (for optimizer checkpoints), n = num_params each.
Status download_moments(const DeviceModel& m, float* mom1, float* mom2, int64_t n);
Status upload_moments(DeviceModel& m, const float* mom1, const float* mom2, int64_t n);
}  // namespace shapca::cuda
