// bf16 / int8 linear layers (linear_lowp.h): weight packing, the scalar reference tiles and the
// driver that converts the activations and splits the output over the thread pool.
#include "linear_lowp.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "../core/cpu.h"
#include "../core/grow_buffer.h"
#include "../core/thread_pool.h"
#include "gemm.h"
#include "avx512_lowp/avx512_lowp.h"

namespace shapca {

void AlignedFree::operator()(void* p) const { std::free(p); }

namespace {

constexpr int64_t MR = 12;          // rows per register tile

void* aligned_bytes(size_t bytes) { return std::aligned_alloc(64, (bytes + 63) / 64 * 64); }

int64_t group_of(Precision p) { return p == Precision::bf16 ? 2 : 4; }
int64_t elem_bytes(Precision p) { return p == Precision::bf16 ? 2 : 1; }

// --- scalar reference tiles (the contract of avx512_lowp.h) --------------------------------

void bf16_convert_rows_ref(uint16_t* dst, int64_t ldd, const float* src, int64_t lds, int64_t rows, int64_t k) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < ldd; ++j) dst[r * ldd + j] = j < k ? bf16_round(src[r * lds + j]) : 0;
  }
}

void bf16_tile_ref(int64_t rows, int64_t pairs, const uint16_t* a, int64_t lda, const uint16_t* b, float* c,
                   int64_t ldc, int64_t cols, const float* bias, bool add_c) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < cols; ++j) {
      float acc = 0.0f;  // one fp32 lane, k pair by k pair, as vdpbf16ps sums it
      for (int64_t p = 0; p < pairs; ++p) {
        const uint16_t* w = b + p * 2 * kLowpPanel + 2 * j;
        acc += bf16_to_float(a[r * lda + 2 * p]) * bf16_to_float(w[0]);
        acc += bf16_to_float(a[r * lda + 2 * p + 1]) * bf16_to_float(w[1]);
      }
      const float y = acc + (bias ? bias[j] : 0.0f);
      c[r * ldc + j] = add_c ? y + c[r * ldc + j] : y;
    }
  }
}

void int8_quantize_rows_ref(uint8_t* dst, int64_t ldd, float* scale, const float* src, int64_t lds, int64_t rows,
                            int64_t k) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * lds;
    float m = 0.0f;
    for (int64_t j = 0; j < k; ++j) m = std::max(m, std::fabs(s[j]));
    scale[r] = m / 127.0f;
    const float inv = m > 0.0f ? 127.0f / m : 0.0f;
    for (int64_t j = 0; j < ldd; ++j) {
      const float x = j < k ? s[j] * inv : 0.0f;
      const float q = std::nearbyint(std::min(std::max(x, -127.0f), 127.0f));
      dst[r * ldd + j] = static_cast<uint8_t>(static_cast<int32_t>(q) + 128);
    }
  }
}

void int8_tile_ref(int64_t rows, int64_t quads, const uint8_t* a, int64_t lda, const int8_t* b, float* c, int64_t ldc,
                   int64_t cols, const float* row_scale, const float* col_scale, const int32_t* comp,
                   const float* bias, bool add_c) {
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t j = 0; j < cols; ++j) {
      int32_t acc = 0;
      for (int64_t p = 0; p < quads; ++p) {
        for (int64_t g = 0; g < 4; ++g) acc += a[r * lda + 4 * p + g] * b[p * 4 * kLowpPanel + 4 * j + g];
      }
      const float v = static_cast<float>(acc - comp[j]);
      const float y = std::fma(v, row_scale[r] * col_scale[j], bias ? bias[j] : 0.0f);
      c[r * ldc + j] = add_c ? y + c[r * ldc + j] : y;
    }
  }
}

// --- driver -------------------------------------------------------------------------------

// The converted activations of the calling thread, grown on demand and kept between calls (a
// fresh multi-megabyte buffer per layer would cost its page faults every time).
struct Scratch {
  GrowBuffer<uint8_t> rows;
  GrowBuffer<float> scales;

  bool ensure(size_t row_bytes, size_t n_scales) {
    const uint8_t* r = rows.ensure(row_bytes);
    const float* s = scales.ensure(n_scales);
    return r != nullptr && s != nullptr;
  }
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::fp32: return "fp32";
    case Precision::bf16: return "bf16";
    case Precision::int8: return "int8";
  }
  return "fp32";
}

bool parse_precision(const char* name, Precision* out) {
  for (Precision p : {Precision::fp32, Precision::bf16, Precision::int8}) {
    if (name != nullptr && std::strcmp(name, precision_name(p)) == 0) {
      *out = p;
      return true;
    }
  }
  return false;
}

bool precision_fast(Precision p) {
  switch (p) {
    case Precision::fp32: return true;
    case Precision::bf16: return use_avx512_bf16();
    case Precision::int8: return use_avx512_vnni();
  }
  return false;
}

uint16_t bf16_round(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  if ((u & 0x7f800000u) == 0) return static_cast<uint16_t>((u >> 16) & 0x8000u);  // zero, denormal: ±0
  if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 0x0040u);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);  // round half to even (may carry into the exponent: to infinity)
  return static_cast<uint16_t>(u >> 16);
}

float bf16_to_float(uint16_t h) {
  const uint32_t u = static_cast<uint32_t>(h) << 16;
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

size_t PackedWeight::bytes() const {
  return static_cast<size_t>(panels() * kLowpPanel * kp * elem_bytes(precision));
}

Status pack_weight(PackedWeight* out, Precision p, const float* w, int64_t n, int64_t k, int64_t ldw) {
  if (p == Precision::fp32) return fail(Status::invalid_argument, "pack_weight: fp32 weights are used as they are");
  if (out == nullptr || w == nullptr || n <= 0 || k <= 0 || ldw < k) {
    return fail(Status::invalid_argument, "pack_weight: expected a weight of n, k >= 1 with ldw >= k but received n=%lld k=%lld ldw=%lld",
                static_cast<long long>(n), static_cast<long long>(k), static_cast<long long>(ldw));
  }
  for (int64_t i = 0; i < n; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      if (!std::isfinite(w[i * ldw + j])) {
        return fail(Status::non_finite, "pack_weight: weight[%lld, %lld] is not finite", static_cast<long long>(i),
                    static_cast<long long>(j));
      }
    }
  }
  const int64_t g = group_of(p);
  out->precision = p;
  out->n = n;
  out->k = k;
  out->kp = (k + g - 1) / g * g;
  const int64_t panels = out->panels(), padded_n = panels * kLowpPanel;
  out->data.reset(static_cast<uint8_t*>(aligned_bytes(out->bytes())));
  if (!out->data) return fail(Status::out_of_memory, "pack_weight: could not allocate %zu bytes", out->bytes());
  std::memset(out->data.get(), 0, out->bytes());
  out->scale.assign(p == Precision::int8 ? padded_n : 0, 0.0f);
  out->comp.assign(p == Precision::int8 ? padded_n : 0, 0);
  // Element (column jn, k index kk) of the packed matrix: panel, then group, then lane.
  auto at = [&](int64_t jn, int64_t kk) {
    return (jn / kLowpPanel) * (out->kp * kLowpPanel) + (kk / g) * (g * kLowpPanel) + (jn % kLowpPanel) * g + kk % g;
  };
  if (p == Precision::bf16) {
    uint16_t* d = reinterpret_cast<uint16_t*>(out->data.get());
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = 0; j < k; ++j) d[at(i, j)] = bf16_round(w[i * ldw + j]);
    }
    return Status::ok;
  }
  int8_t* d = reinterpret_cast<int8_t*>(out->data.get());
  for (int64_t i = 0; i < n; ++i) {
    const float* row = w + i * ldw;
    float m = 0.0f;
    for (int64_t j = 0; j < k; ++j) m = std::max(m, std::fabs(row[j]));
    const float inv = m > 0.0f ? 127.0f / m : 0.0f;
    int32_t sum = 0;
    for (int64_t j = 0; j < k; ++j) {
      const int32_t q = static_cast<int32_t>(std::nearbyint(std::min(std::max(row[j] * inv, -127.0f), 127.0f)));
      d[at(i, j)] = static_cast<int8_t>(q);
      sum += q;
    }
    out->scale[i] = m / 127.0f;
    out->comp[i] = 128 * sum;
  }
  return Status::ok;
}

Status linear_lowp_forward(float* out, int64_t ldo, const float* inp, int64_t ldi, const PackedWeight& w,
                           const float* bias, int64_t m, bool reference, std::optional<Activation> act,
                           bool accumulate) {
  if (w.precision == Precision::fp32 || !w.data) {
    return fail(Status::invalid_argument, "linear_lowp_forward: the weight was not packed for bf16 or int8");
  }
  if (accumulate && act) return fail(Status::invalid_argument, "linear_lowp_forward: accumulate takes no activation");
  if (m < 0) return fail(Status::invalid_argument, "linear_lowp_forward: expected rows >= 0 but received %lld", static_cast<long long>(m));
  if (m == 0) return Status::ok;
  if (out == nullptr || inp == nullptr) return fail(Status::invalid_argument, "linear_lowp_forward: a null matrix pointer was passed");
  if (ldo < w.n || ldi < w.k) {
    return fail(Status::invalid_argument, "linear_lowp_forward: expected ldo >= %lld and ldi >= %lld but received ldo=%lld ldi=%lld",
                static_cast<long long>(w.n), static_cast<long long>(w.k), static_cast<long long>(ldo), static_cast<long long>(ldi));
  }
  const bool bf16 = w.precision == Precision::bf16;
  const bool fast = !reference && precision_fast(w.precision);
  const int64_t kp = w.kp, eb = elem_bytes(w.precision), n = w.n, k = w.k;

  Scratch& s = scratch();
  if (!s.ensure(static_cast<size_t>(m * kp * eb), static_cast<size_t>(m))) {
    return fail(Status::out_of_memory, "linear_lowp_forward: could not allocate the converted activations");
  }
  uint8_t* rows = s.rows.get();
  float* row_scale = s.scales.get();
  ThreadPool& pool = ThreadPool::global();
  Status converted = pool.parallel_for(m, 16, [&](int64_t r0, int64_t r1) {
    if (bf16) {
      uint16_t* d = reinterpret_cast<uint16_t*>(rows) + r0 * kp;
      (fast ? avx512_lowp::bf16_convert_rows : bf16_convert_rows_ref)(d, kp, inp + r0 * ldi, ldi, r1 - r0, k);
    } else {
      (fast ? avx512_lowp::int8_quantize_rows : int8_quantize_rows_ref)(rows + r0 * kp, kp, row_scale + r0, inp + r0 * ldi,
                                                                        ldi, r1 - r0, k);
    }
  });
  if (converted != Status::ok) return converted;

  // Tasks: one tile of MR rows × a group of panels (all of them unless there are too few row tiles
  // to feed every thread). The tile's converted rows stay in L1 while the panels stream past from
  // L2 / L3: panel outside and a block of rows inside took 5-10 % more time at ViT-B/16's shapes
  // (the rows then came from L2 for every tile), and blocks of up to 240 rows made 7 tasks for
  // 1,576 rows, which 2 threads share 4 : 3.
  const int64_t panels = w.panels();
  const int64_t row_tiles = (m + MR - 1) / MR;
  const int64_t threads = pool.threads();
  const int64_t col_groups = std::min(panels, std::max<int64_t>(1, (2 * threads + row_tiles - 1) / row_tiles));
  const uint8_t* packed = w.data.get();
  const int64_t panel_bytes = kp * kLowpPanel * eb;
  // GELU goes into the fast tiles' epilogue, on the registers; QuickGELU and the reference tiles
  // get a pass over each tile's outputs (still in L1).
  const bool gelu_in_tile = fast && act == Activation::gelu;
  auto task = [&](int64_t t, int) {
    const int64_t ib = t / col_groups, cg = t % col_groups;
    const int64_t i = ib * MR, r = std::min(MR, m - i);
    const int64_t p0 = panels * cg / col_groups, p1 = panels * (cg + 1) / col_groups;
    for (int64_t pn = p0; pn < p1; ++pn) {
      const int64_t j0 = pn * kLowpPanel, cols = std::min(kLowpPanel, n - j0);
      const uint8_t* b = packed + pn * panel_bytes;
      const float* bj = bias ? bias + j0 : nullptr;
      float* c = out + i * ldo + j0;
      if (bf16) {
        const uint16_t* a = reinterpret_cast<const uint16_t*>(rows) + i * kp;
        const uint16_t* bb = reinterpret_cast<const uint16_t*>(b);
        if (fast) {
          avx512_lowp::bf16_tile(r, kp / 2, a, kp, bb, c, ldo, cols, bj, gelu_in_tile, accumulate);
        } else {
          bf16_tile_ref(r, kp / 2, a, kp, bb, c, ldo, cols, bj, accumulate);
        }
      } else {
        const int8_t* bb = reinterpret_cast<const int8_t*>(b);
        const float *sa = row_scale + i, *sw = w.scale.data() + j0;
        const int32_t* comp = w.comp.data() + j0;
        if (fast) {
          avx512_lowp::int8_tile(r, kp / 4, rows + i * kp, kp, bb, c, ldo, cols, sa, sw, comp, bj, gelu_in_tile,
                                 accumulate);
        } else {
          int8_tile_ref(r, kp / 4, rows + i * kp, kp, bb, c, ldo, cols, sa, sw, comp, bj, accumulate);
        }
      }
      if (act && !gelu_in_tile) {
        for (int64_t q = 0; q < r; ++q) activation_span(*act, c + q * ldo, c + q * ldo, cols);
      }
    }
  };
  const int64_t tasks = row_tiles * col_groups;
  if (tasks == 1 || 2.0 * m * n * k < 4.0e6) {
    for (int64_t t = 0; t < tasks; ++t) task(t, 0);
    return Status::ok;
  }
  return pool.run(tasks, task);
}

Status linear_forward(float* out, int64_t ldo, const float* inp, int64_t ldi, const WeightView& w, const float* bias,
                      int64_t bt, int64_t c, int64_t oc, std::optional<Activation> act, bool accumulate) {
  if (accumulate && act) return fail(Status::invalid_argument, "linear_forward: accumulate takes no activation");
  if (w.packed == nullptr) {
    return sgemm_act(false, true, bt, oc, c, 1.0f, inp, ldi, w.f32, c, accumulate ? 1.0f : 0.0f, out, ldo, bias, act);
  }
  if (w.packed->n != oc || w.packed->k != c) {
    return fail(Status::invalid_argument, "linear_forward: the packed weight is (%lld, %lld) but the layer needs (%lld, %lld)",
                static_cast<long long>(w.packed->n), static_cast<long long>(w.packed->k), static_cast<long long>(oc),
                static_cast<long long>(c));
  }
  return linear_lowp_forward(out, ldo, inp, ldi, *w.packed, bias, bt, false, act, accumulate);
}

}  // namespace shapca
