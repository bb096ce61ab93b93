#include "gemm.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "../core/cpu.h"
#include "../core/grow_buffer.h"
#include "../core/thread_pool.h"
#include "avx2/avx2.h"
#include "avx512/avx512.h"
#include "gelu.h"

namespace shapca {

namespace {

constexpr double kSerialFlops = 4.0e6;  // below this, one thread beats waking the pool
constexpr int64_t kMaxTile = 12 * 32;

using MicroKernel = void (*)(int64_t, const float*, const float*, float*, int64_t);

// A micro-kernel with its register tile (MR×NR) and cache blocks: MC×KC of A stays in L2,
// KC×NR of B in L1, KC×NC of B in L3. With nc_direct > 0 (AVX-512), an A that is not transposed
// and has alpha = 1 is read where it lies instead of packed, and B is packed in KC×nc_direct
// blocks that stay in L2 (packing B into a block of L3 size was bound by L3 writes).
struct GemmKernel {
  MicroKernel micro;
  int64_t mr, nr, mc, kc, nc, nc_direct;
};

// Per-thread packing buffers, grown on demand and kept between calls.
struct PackBuffers {
  GrowBuffer<float> a, b;
};

PackBuffers& pack_buffers() {
  thread_local PackBuffers buffers;
  return buffers;
}

constexpr int64_t MR = 6, NR = 16;  // the scalar kernel's tile, also the AVX2 kernel's

void micro_scalar(int64_t kc, const float* a, const float* b, float* c, int64_t ldc) {
  float acc[MR][NR] = {};
  for (int64_t p = 0; p < kc; ++p) {
    const float* ap = a + p * MR;
    const float* bp = b + p * NR;
    for (int64_t r = 0; r < MR; ++r) {
      for (int64_t j = 0; j < NR; ++j) acc[r][j] += ap[r] * bp[j];
    }
  }
  for (int64_t r = 0; r < MR; ++r) {
    for (int64_t j = 0; j < NR; ++j) c[r * ldc + j] += acc[r][j];
  }
}

const GemmKernel kScalarKernel{micro_scalar, MR, NR, 144, 256, 4080, 0};
const GemmKernel kAvx2Kernel{avx2::sgemm_micro_6x16, MR, NR, 144, 256, 4080, 0};
const GemmKernel kAvx512Kernel{avx512::sgemm_micro_12x32, 12, 32, 96, 768, 4064, 384};

// Packs rows [i0, i0+mc) × cols [p0, p0+kc) of op(A)·alpha into MR-row panels (zero padded).
template <int64_t MR>
void pack_a(float* dst, const float* a, bool trans, int64_t lda, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
            float alpha) {
  for (int64_t ir = 0; ir < mc; ir += MR) {
    int64_t rows = std::min(MR, mc - ir);
    float* panel = dst + ir * kc;
    if (trans) {  // op(A)(i,p) = A[p*lda + i]: a panel row is contiguous
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = a + (p0 + p) * lda + i0 + ir;
        float* out = panel + p * MR;
        int64_t r = 0;
        for (; r < rows; ++r) out[r] = alpha * src[r];
        for (; r < MR; ++r) out[r] = 0.0f;
      }
    } else if (rows == MR && use_avx2()) {  // op(A)(i,p) = A[i*lda + p]: rows side by side
      avx2::pack_interleaved(panel, a + (i0 + ir) * lda + p0, lda, MR, kc, alpha);
    } else {
      const float* src[MR];
      for (int64_t r = 0; r < MR; ++r) src[r] = a + (i0 + ir + std::min(r, rows - 1)) * lda + p0;
      for (int64_t p = 0; p < kc; ++p) {
        float* out = panel + p * MR;
        for (int64_t r = 0; r < MR; ++r) out[r] = r < rows ? alpha * src[r][p] : 0.0f;
      }
    }
  }
}

// Packs rows [p0, p0+kc) × cols [j0, j0+nc) of op(B) into NR-column panels (zero padded).
template <int64_t NR>
void pack_b(float* dst, const float* b, bool trans, int64_t ldb, int64_t p0, int64_t kc, int64_t j0, int64_t nc) {
  for (int64_t jr = 0; jr < nc; jr += NR) {
    int64_t cols = std::min(NR, nc - jr);
    float* panel = dst + jr * kc;
    if (!trans) {  // op(B)(p,j) = B[p*ldb + j]: a panel row is contiguous
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = b + (p0 + p) * ldb + j0 + jr;
        float* out = panel + p * NR;
        if (cols == NR) {
          std::memcpy(out, src, NR * sizeof(float));
        } else {
          int64_t j = 0;
          for (; j < cols; ++j) out[j] = src[j];
          for (; j < NR; ++j) out[j] = 0.0f;
        }
      }
    } else if (cols == NR && use_avx2()) {  // op(B)(p,j) = B[j*ldb + p]: rows side by side
      avx2::pack_interleaved(panel, b + (j0 + jr) * ldb + p0, ldb, NR, kc, 1.0f);
    } else {
      const float* src[NR];
      for (int64_t j = 0; j < NR; ++j) src[j] = b + (j0 + jr + std::min(j, cols - 1)) * ldb + p0;
      for (int64_t p = 0; p < kc; ++p) {
        float* out = panel + p * NR;
        for (int64_t j = 0; j < NR; ++j) out[j] = j < cols ? src[j][p] : 0.0f;
      }
    }
  }
}

struct GemmArgs {
  bool trans_a, trans_b;
  int64_t m, n, k;
  float alpha;
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float beta;
  float* c;
  int64_t ldc;
  const float* bias;
};

// How many of the 64 sets of a 48 KiB, 12-way L1 the 12 rows of a tile fall in, at row stride ld
// floats: rows whose lines share a set evict each other and the B panel streaming past them.
int64_t l1_sets_of_rows(int64_t ld) {
  const int64_t lines = (ld * static_cast<int64_t>(sizeof(float)) / 64) % 64;
  return std::min<int64_t>(12, 64 / std::gcd<int64_t>(64, lines));
}

// Whether the kernel reads this product's A where it lies (GemmKernel::nc_direct): not when its
// rows crowd into fewer than 4 L1 sets (a row stride of 1024 floats or a multiple, e.g. the second
// FFN map's 3072: all 12 rows in one set made that map 20 % slower than packing A).
bool reads_a_direct(const GemmKernel& kern, const GemmArgs& g) {
  return kern.nc_direct > 0 && !g.trans_a && g.alpha == 1.0f && l1_sets_of_rows(g.lda) >= 4;
}

}  // namespace

int64_t sgemm_direct_lda(int64_t k) {
  if (k <= 0 || l1_sets_of_rows(k) >= 4) return k;
  int64_t ld = (k + 15) / 16 * 16;
  while (l1_sets_of_rows(ld) < 4) ld += 16;
  return ld;
}

namespace {

// C[m0:m1, n0:n1] = beta*C + bias: the pass before the products accumulate into C.
// The cases are split outside the loops so that each loop vectorises (a branch per element
// made this pass cost as much as the products for small k).
void init_c(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  const float beta = g.beta;
  const float* bias = g.bias;
  if (beta == 1.0f && bias == nullptr) return;
  for (int64_t i = m0; i < m1; ++i) {
    float* row = g.c + i * g.ldc;
    if (beta == 0.0f) {
      if (bias == nullptr) {
        std::memset(row + n0, 0, static_cast<size_t>(n1 - n0) * sizeof(float));
      } else {
        std::memcpy(row + n0, bias + n0, static_cast<size_t>(n1 - n0) * sizeof(float));
      }
    } else if (beta == 1.0f) {
      for (int64_t j = n0; j < n1; ++j) row[j] += bias[j];
    } else if (bias == nullptr) {
      for (int64_t j = n0; j < n1; ++j) row[j] *= beta;
    } else {
      for (int64_t j = n0; j < n1; ++j) row[j] = beta * row[j] + bias[j];
    }
  }
}

// What happens to a block of C besides the products: with `store` (the first K block on the
// AVX-512 path when beta is 0 or 1), C becomes the products plus the bias (plus C itself when
// beta = 1) in the tile's store (no pass of init_c before); with `act` (the last K block), each
// finished tile goes through the activation while it is in L1.
struct Epilogue {
  bool store = false;
  const Activation* act = nullptr;
};

// C[ic:ic+mc, jc:jc+nc] += packed A block (mc×kc) · packed B panel (kc×nc), micro-tile by micro-tile,
// with the epilogue ep. ap null: A is read where it lies (reads_a_direct), from column pc.
template <int64_t MR, int64_t NR>
void macro_kernel(const GemmArgs& g, const GemmKernel& kern, const float* ap, const float* bp, int64_t ic, int64_t mc,
                  int64_t jc, int64_t nc, int64_t pc, int64_t kc, const Epilogue& ep) {
  alignas(64) float tile[kMaxTile];
  const bool add_c = !ep.store || g.beta == 1.0f;  // whether C's values enter the tiles' sums
  for (int64_t jr = 0; jr < nc; jr += NR) {
    const int64_t cols = std::min(NR, nc - jr);
    const float* bias = ep.store && g.bias != nullptr ? g.bias + jc + jr : nullptr;
    const float* b = bp + jr * kc;
    for (int64_t ir = 0; ir < mc; ir += MR) {
      const int64_t rows = std::min(MR, mc - ir);
      float* c = g.c + (ic + ir) * g.ldc + jc + jr;
      const float* a = ap == nullptr ? g.a + (ic + ir) * g.lda + pc : ap + ir * kc;
      bool activated = false;  // whether the tile applied ep.act itself
      if (MR == 12 && cols == NR) {  // AVX-512: a short last row panel also goes straight into C
        if (ap == nullptr) {
          activated = ep.act != nullptr && *ep.act == Activation::gelu;
          avx512::sgemm_direct_rows_x32(rows, kc, a, g.lda, b, c, g.ldc, bias, add_c, activated);
        } else {
          avx512::sgemm_micro_rows_x32(rows, kc, a, b, c, g.ldc, bias, add_c);
        }
      } else if (rows == MR && cols == NR) {
        kern.micro(kc, a, b, c, g.ldc);
      } else {  // a partial tile: computed into `tile`, then its part copied into C
        if (ap == nullptr) {
          avx512::sgemm_direct_rows_x32(rows, kc, a, g.lda, b, tile, NR, nullptr, false, false);
        } else {
          std::memset(tile, 0, sizeof tile);
          kern.micro(kc, a, b, tile, NR);
        }
        for (int64_t r = 0; r < rows; ++r) {
          float* row = c + r * g.ldc;
          const float* t = tile + r * NR;
          if (add_c) {
            for (int64_t j = 0; j < cols; ++j) row[j] = row[j] + (bias ? bias[j] : 0.0f) + t[j];
          } else {
            for (int64_t j = 0; j < cols; ++j) row[j] = t[j] + (bias ? bias[j] : 0.0f);
          }
        }
      }
      if (ep.act != nullptr && !activated) {
        for (int64_t r = 0; r < rows; ++r) activation_span(*ep.act, c + r * g.ldc, c + r * g.ldc, cols);
      }
    }
  }
}

// C[m0:m1, n0:n1] = act(beta*C + bias + alpha·op(A)·op(B)) (act: the identity when null), on
// the calling thread.
template <int64_t MR, int64_t NR>
bool gemm_rect(const GemmArgs& g, int64_t m0, int64_t m1, int64_t n0, int64_t n1, const GemmKernel& kern,
               const Activation* act) {
  const bool direct = reads_a_direct(kern, g);
  const int64_t MC = kern.mc, KC = kern.kc, NC = direct ? kern.nc_direct : kern.nc;
  const bool products = g.k > 0 && g.alpha != 0.0f;
  const bool fused_init = products && MR == 12 && (g.beta == 0.0f || g.beta == 1.0f);  // the first K block stores
  if (!fused_init) init_c(g, m0, m1, n0, n1);
  if (!products) {
    if (act != nullptr) {
      for (int64_t i = m0; i < m1; ++i) activation_span(*act, g.c + i * g.ldc + n0, g.c + i * g.ldc + n0, n1 - n0);
    }
    return true;
  }

  PackBuffers& buf = pack_buffers();
  const int64_t nc_max = std::min(NC, (n1 - n0 + NR - 1) / NR * NR);
  const int64_t kc_max = std::min(KC, g.k);
  float* bp = buf.b.ensure(static_cast<size_t>(kc_max * nc_max));
  float* ap = direct ? nullptr : buf.a.ensure(static_cast<size_t>(kc_max * (MC + MR)));
  if (bp == nullptr || (!direct && ap == nullptr)) return false;

  for (int64_t jc = n0; jc < n1; jc += NC) {
    const int64_t nc = std::min(NC, n1 - jc);
    for (int64_t pc = 0; pc < g.k; pc += KC) {
      const int64_t kc = std::min(KC, g.k - pc);
      pack_b<NR>(bp, g.b, g.trans_b, g.ldb, pc, kc, jc, nc);
      for (int64_t ic = m0; ic < m1; ic += MC) {
        const int64_t mc = std::min(MC, m1 - ic);
        if (!direct) pack_a<MR>(ap, g.a, g.trans_a, g.lda, ic, mc, pc, kc, g.alpha);
        const Epilogue ep{fused_init && pc == 0, pc + kc >= g.k ? act : nullptr};
        macro_kernel<MR, NR>(g, kern, ap, bp, ic, mc, jc, nc, pc, kc, ep);
      }
    }
  }
  return true;
}

// Splits C into tm × tn rectangles, one per thread, choosing the split that packs least:
// each of the tn column groups packs all of A (unless A is read where it lies), each of the tm
// row groups packs all of B.
void choose_grid(const GemmKernel& kern, bool direct, int64_t threads, int64_t m, int64_t n, int64_t k, int64_t* tm,
                 int64_t* tn) {
  const int64_t row_tiles = (m + kern.mr - 1) / kern.mr, col_tiles = (n + kern.nr - 1) / kern.nr;
  double best = -1.0;
  *tm = *tn = 1;
  for (int64_t t = threads; t >= 1; --t) {
    for (int64_t a = 1; a <= t; ++a) {
      if (t % a != 0) continue;
      int64_t b = t / a;
      if (a > row_tiles || b > col_tiles) continue;
      double cost = (direct ? 0.0 : static_cast<double>(b) * m * k) + static_cast<double>(a) * k * n;
      if (best < 0.0 || cost < best) {
        best = cost;
        *tm = a;
        *tn = b;
      }
    }
    if (best >= 0.0) return;
  }
}

int64_t split_point(int64_t total, int64_t parts, int64_t index, int64_t unit) {
  int64_t units = (total + unit - 1) / unit;
  return std::min(total, units * index / parts * unit);
}

}  // namespace

Status sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias) {
  return sgemm_act(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, {});
}

Status sgemm_act(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                 std::optional<Activation> act) {
  if (m < 0 || n < 0 || k < 0) {
    return fail(Status::invalid_argument, "sgemm: expected non-negative sizes but received m=%lld n=%lld k=%lld",
                static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k));
  }
  if (m == 0 || n == 0) return Status::ok;
  const int64_t min_lda = trans_a ? m : k, min_ldb = trans_b ? k : n;
  if ((k > 0 && (lda < std::max<int64_t>(min_lda, 1) || ldb < std::max<int64_t>(min_ldb, 1))) || ldc < n) {
    return fail(Status::invalid_argument,
                "sgemm: expected lda >= %lld, ldb >= %lld, ldc >= %lld but received lda=%lld ldb=%lld ldc=%lld",
                static_cast<long long>(std::max<int64_t>(min_lda, 1)), static_cast<long long>(std::max<int64_t>(min_ldb, 1)),
                static_cast<long long>(n), static_cast<long long>(lda), static_cast<long long>(ldb),
                static_cast<long long>(ldc));
  }
  if (c == nullptr || (k > 0 && (a == nullptr || b == nullptr))) {
    return fail(Status::invalid_argument, "sgemm: a null matrix pointer was passed");
  }

  const GemmArgs g{trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias};
  const GemmKernel& kern = use_avx512() ? kAvx512Kernel : (use_avx2() ? kAvx2Kernel : kScalarKernel);
  auto rect = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
    const Activation* f = act ? &*act : nullptr;
    return kern.mr == 12 ? gemm_rect<12, 32>(g, m0, m1, n0, n1, kern, f) : gemm_rect<MR, NR>(g, m0, m1, n0, n1, kern, f);
  };
  ThreadPool& pool = ThreadPool::global();
  const double flops = 2.0 * static_cast<double>(m) * n * k;
  int64_t tm = 1, tn = 1;
  if (flops >= kSerialFlops) choose_grid(kern, reads_a_direct(kern, g), pool.threads(), m, n, k, &tm, &tn);

  bool ok = true;
  if (tm * tn == 1) {
    ok = rect(0, m, 0, n);
  } else {
    std::atomic<bool> all_ok{true};
    Status s = pool.run(tm * tn, [&](int64_t task, int) {
      int64_t ti = task / tn, tj = task % tn;
      int64_t m0 = split_point(m, tm, ti, kern.mr), m1 = split_point(m, tm, ti + 1, kern.mr);
      int64_t n0 = split_point(n, tn, tj, kern.nr), n1 = split_point(n, tn, tj + 1, kern.nr);
      if (m0 < m1 && n0 < n1 && !rect(m0, m1, n0, n1)) all_ok.store(false);
    });
    if (s != Status::ok) return s;
    ok = all_ok.load();
  }
  return ok ? Status::ok : fail(Status::out_of_memory, "sgemm: could not allocate packing buffers");
}

Status matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int64_t bt, int64_t c,
                      int64_t oc) {
  return sgemm(false, true, bt, oc, c, 1.0f, inp, c, weight, c, 0.0f, out, oc, bias);
}

Status matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                       const float* weight, int64_t bt, int64_t c, int64_t oc) {
  if (bt < 0 || c < 0 || oc < 0) {
    return fail(Status::invalid_argument, "matmul_backward: expected non-negative sizes");
  }
  if (dinp != nullptr) {
    Status s = sgemm(false, false, bt, c, oc, 1.0f, dout, oc, weight, c, 1.0f, dinp, c, nullptr);
    if (s != Status::ok) return s;
  }
  if (dweight != nullptr) {
    Status s = sgemm(true, false, oc, c, bt, 1.0f, dout, oc, inp, c, 1.0f, dweight, c, nullptr);
    if (s != Status::ok) return s;
  }
  if (dbias != nullptr) {
    return ThreadPool::global().parallel_for(oc, 64, [&](int64_t j0, int64_t j1) {
      for (int64_t i = 0; i < bt; ++i) {
        const float* row = dout + i * oc;
        for (int64_t j = j0; j < j1; ++j) dbias[j] += row[j];
      }
    });
  }
  return Status::ok;
}

}  // namespace shapca
