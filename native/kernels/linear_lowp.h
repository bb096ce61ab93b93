// Inference-only linear layers in bf16 and int8: out (M,N) = inp (M,K) · Wᵀ + bias, W (N,K) in
// PyTorch's layout, packed once (pack_weight) and reused by every call.
//
// bf16: W and inp are rounded to bf16 (round to nearest even; W once, inp on the fly), products
//       are summed in fp32 (vdpbf16ps): out = Σ_k bf16(x_k)·bf16(w_k) + b.
// int8: W is quantised per output channel, symmetric: sw[n] = max_k |W[n,k]| / 127,
//       q_w = round(W / sw) in [-127, 127]; each row of inp per token, the same way:
//       sa[m] = max_k |x[m,k]| / 127, q_x = round(x / sa). The int32 dot products run on unsigned
//       bytes (vpdpbusd multiplies u8 by s8), so q_x is shifted by +128 and the shift is taken
//       back with the column sums of q_w:  Σ q_x·q_w = Σ (q_x+128)·q_w − 128·Σ q_w.
//       out = sa[m]·sw[n]·(Σ (q_x+128)·q_w − comp[n]) + b, comp[n] = 128·Σ_k q_w[n,k].
//
// Packed layout (both): 32-column panels; inside a panel, groups of G consecutive k (G = 2 for
// bf16, 4 for int8) of one column fill one 32-bit lane, so a panel step is 32 lanes (two zmm):
//   data[panel][k / G][column in panel][k % G], K padded with zeros to Kp (a multiple of G) and
//   N to a multiple of 32.
// The activations are converted (bf16) or quantised (int8) row by row into a scratch buffer with
// the same grouping along k, so the micro-kernels broadcast one lane of a row per step.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "../core/status.h"
#include "gelu.h"

namespace shapca {

enum class Precision : int { fp32 = 0, bf16 = 1, int8 = 2 };

const char* precision_name(Precision p);
// "fp32" | "bf16" | "int8"; false for anything else.
bool parse_precision(const char* name, Precision* out);
// Whether the active kernel path has the fast (AVX-512 BF16 / VNNI) kernels of p; always true for
// fp32. Without them the scalar reference still computes the same numbers, slowly.
bool precision_fast(Precision p);

constexpr int64_t kLowpPanel = 32;  // columns per packed panel

struct AlignedFree {
  void operator()(void* p) const;
};

struct PackedWeight {
  Precision precision = Precision::fp32;
  int64_t n = 0, k = 0, kp = 0;  // kp: k padded to the group size
  std::unique_ptr<uint8_t, AlignedFree> data;  // panels × (kp × 32) elements (u16 for bf16, s8 for int8)
  std::vector<float> scale;                    // int8: sw (N, padded to the panels)
  std::vector<int32_t> comp;                   // int8: 128·Σ_k q_w (N, padded)

  int64_t panels() const { return (n + kLowpPanel - 1) / kLowpPanel; }
  size_t bytes() const;
};

// Packs W (N,K, row stride ldw ≥ K) for p (bf16 or int8). Non-finite weights are an error.
Status pack_weight(PackedWeight* out, Precision p, const float* w, int64_t n, int64_t k, int64_t ldw);

// out (M,N, row stride ldo ≥ N) = inp (M,K, row stride ldi ≥ K) · Wᵀ + bias with w packed by
// pack_weight; bias (N) may be null; out must not overlap inp. Multithreaded over the global pool.
// The fast kernels run when precision_fast(w.precision), the scalar reference otherwise (or when
// reference is true). With act, out = act(inp · Wᵀ + bias), applied to each register tile's
// outputs while they are in L1 (a pass over out the less). With accumulate (no act), out += inp · Wᵀ
// + bias instead, in the tiles' stores (the same sums as adding the result to out afterwards).
Status linear_lowp_forward(float* out, int64_t ldo, const float* inp, int64_t ldi, const PackedWeight& w,
                           const float* bias, int64_t m, bool reference = false, std::optional<Activation> act = {},
                           bool accumulate = false);

// A linear layer's weight as the model layers see it: fp32 in PyTorch's layout (used as is), or
// packed for bf16 / int8 inference when `packed` is set.
struct WeightView {
  const float* f32;
  const PackedWeight* packed = nullptr;
};

// out (BT,OC), row stride ldo ≥ OC, = act(inp (BT,C), row stride ldi ≥ C, · Wᵀ + bias) (no act:
// the identity): sgemm_act on the fp32 weight, or linear_lowp_forward on the packed one (either
// applies act to each finished tile). With accumulate (no act), out += ... instead, in the tiles'
// stores.
Status linear_forward(float* out, int64_t ldo, const float* inp, int64_t ldi, const WeightView& w, const float* bias,
                      int64_t bt, int64_t c, int64_t oc, std::optional<Activation> act = {}, bool accumulate = false);

// fp32 → bf16, round to nearest even (NaN stays NaN, denormals flush to zero as in the AVX-512
// conversions), and back.
uint16_t bf16_round(float x);
float bf16_to_float(uint16_t h);

}  // namespace shapca
