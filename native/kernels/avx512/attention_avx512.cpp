// avx512::attention_head (attention_head.h): scores, softmax and values of one head, 12 query rows
// at a time.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "../attention_head.h"
#include "vmath512.h"

namespace shapca::avx512 {

namespace {

constexpr int64_t kRows = 12, kCols = 32;

// C[R×cols] = A[R×kc] · B[kc×cols], cols ≤ 32: A's rows at stride lda, B's at stride ldb, C's at
// ldc; B is read and C written only in their first `cols` columns (Masked: cols < 32; with
// cols ≤ 16 the second half of the tile is skipped: half the multiply-adds).
// Row r of A is read through base r/3 at byte offset (r%3)·lda, so that 4 pointers and one stride
// address all 12 rows and the compiler keeps every accumulator and pointer in registers.
// With rmax, rmax[r] also takes the lane-wise maximum of row r's `cols` sums.
template <int R, bool Masked>
void tile(int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc, int64_t cols,
          __m512* rmax) {
  const __mmask16 m0 = lanes(cols), m1 = lanes(cols > 16 ? cols - 16 : 0);
  const bool half = Masked && cols <= 16;
  const char* base[4];
  for (int g = 0; g < 4; ++g) base[g] = reinterpret_cast<const char*>(a + 3 * g * lda);
  const int64_t step = lda * static_cast<int64_t>(sizeof(float));
  __m512 acc0[R], acc1[R];
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    acc0[r] = _mm512_setzero_ps();
    acc1[r] = _mm512_setzero_ps();
  }
  if (half) {
#pragma GCC unroll 2
    for (int64_t p = 0; p < kc; ++p) {
      const __m512 b0 = _mm512_maskz_loadu_ps(m0, b + p * ldb);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        const float* ap = reinterpret_cast<const float*>(base[r / 3] + (r % 3) * step) + p;
        acc0[r] = _mm512_fmadd_ps(_mm512_set1_ps(*ap), b0, acc0[r]);
      }
    }
  } else {
#pragma GCC unroll 2
    for (int64_t p = 0; p < kc; ++p) {
      const float* bp = b + p * ldb;
      const __m512 b0 = Masked ? _mm512_maskz_loadu_ps(m0, bp) : _mm512_loadu_ps(bp);
      const __m512 b1 = Masked ? _mm512_maskz_loadu_ps(m1, bp + 16) : _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        const float* ap = reinterpret_cast<const float*>(base[r / 3] + (r % 3) * step) + p;
        const __m512 av = _mm512_set1_ps(*ap);
        acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
        acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
      }
    }
  }
  if (rmax != nullptr) {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512 v = _mm512_mask_max_ps(rmax[r], m0, rmax[r], acc0[r]);
      rmax[r] = _mm512_mask_max_ps(v, m1, v, acc1[r]);
    }
  }
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    if (Masked) {
      _mm512_mask_storeu_ps(c + r * ldc, m0, acc0[r]);
      _mm512_mask_storeu_ps(c + r * ldc + 16, m1, acc1[r]);
    } else {
      _mm512_storeu_ps(c + r * ldc, acc0[r]);
      _mm512_storeu_ps(c + r * ldc + 16, acc1[r]);
    }
  }
}

using TileFn = void (*)(int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t, __m512*);
template <bool Masked>
constexpr TileFn kTiles[kRows] = {tile<1, Masked>, tile<2, Masked>, tile<3, Masked>,  tile<4, Masked>,
                                  tile<5, Masked>, tile<6, Masked>, tile<7, Masked>,  tile<8, Masked>,
                                  tile<9, Masked>, tile<10, Masked>, tile<11, Masked>, tile<12, Masked>};

// C[rows×cols] = A · B through the tile of that many rows (1 ≤ rows ≤ 12, 1 ≤ cols ≤ 32); with
// rmax, the rows' running maxima (tile).
void product(int64_t rows, int64_t kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c, int64_t ldc,
             int64_t cols, __m512* rmax = nullptr) {
  (cols == kCols ? kTiles<false> : kTiles<true>)[rows - 1](kc, a, lda, b, ldb, c, ldc, cols, rmax);
}

// out[i] = e^(scale·x[i] − max) over the keys whose byte is non-zero (all when keys is null), 0
// for the others; returns 1 / Σ out (0 when every key is dropped: the row is then all zeros).
// out may be x. x_max: null, or the lanes whose maximum is max(x) (then keys is null and scale > 0,
// so that max(scale·x) = scale·max(x), rounded alike): no pass over x for it.
float softmax_exp(float* out, const float* x, const uint8_t* keys, int64_t n, float scale, const __m512* x_max) {
  const __m512 vscale = _mm512_set1_ps(scale), neg_inf = _mm512_set1_ps(-INFINITY);
  auto kept = [&](int64_t i, __mmask16 m) {  // AVX-512F only: the bytes widened to 32-bit lanes
    if (keys == nullptr) return m;
    alignas(16) uint8_t tail[16] = {};
    const uint8_t* src = keys + i;
    if (n - i < 16) src = static_cast<const uint8_t*>(std::memcpy(tail, src, static_cast<size_t>(n - i)));
    const __m512i wide = _mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src)));
    return static_cast<__mmask16>(m & _mm512_test_epi32_mask(wide, wide));
  };
  float mx;
  if (x_max != nullptr) {
    mx = _mm512_reduce_max_ps(*x_max) * scale;
  } else {
    __m512 vmax = neg_inf;
    for (int64_t i = 0; i < n; i += 16) {
      const __mmask16 m = kept(i, lanes(n - i));
      vmax = _mm512_mask_max_ps(vmax, m, vmax, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + i), vscale));
    }
    mx = _mm512_reduce_max_ps(vmax);
  }
  if (mx == -INFINITY) {
    for (int64_t i = 0; i < n; i += 16) _mm512_mask_storeu_ps(out + i, lanes(n - i), _mm512_setzero_ps());
    return 0.0f;
  }
  const __m512 vmx = _mm512_set1_ps(mx);
  __m512 vsum = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 all = lanes(n - i), m = kept(i, all);
    const __m512 e = _mm512_maskz_mov_ps(m, exp512(_mm512_fmsub_ps(_mm512_maskz_loadu_ps(all, x + i), vscale, vmx)));
    _mm512_mask_storeu_ps(out + i, all, e);
    vsum = _mm512_add_ps(vsum, e);
  }
  return 1.0f / _mm512_reduce_add_ps(vsum);
}

// Transposes the 16×16 block r in place (r[j] becomes column j): unpacks of pairs, then of
// 64-bit pairs, then two rounds of 128-bit lane shuffles.
void transpose16(__m512 (&r)[16]) {
  __m512 t[16];
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    t[2 * j] = _mm512_unpacklo_ps(r[2 * j], r[2 * j + 1]);
    t[2 * j + 1] = _mm512_unpackhi_ps(r[2 * j], r[2 * j + 1]);
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    const __m512d a = _mm512_castps_pd(t[4 * j]), b = _mm512_castps_pd(t[4 * j + 2]);
    const __m512d c = _mm512_castps_pd(t[4 * j + 1]), d = _mm512_castps_pd(t[4 * j + 3]);
    r[4 * j] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, b));
    r[4 * j + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, b));
    r[4 * j + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(c, d));
    r[4 * j + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(c, d));
  }
#pragma GCC unroll 4
  for (int j = 0; j < 4; ++j) {
    t[j] = _mm512_shuffle_f32x4(r[j], r[j + 4], 0x88);
    t[j + 4] = _mm512_shuffle_f32x4(r[j], r[j + 4], 0xdd);
    t[j + 8] = _mm512_shuffle_f32x4(r[j + 8], r[j + 12], 0x88);
    t[j + 12] = _mm512_shuffle_f32x4(r[j + 8], r[j + 12], 0xdd);
  }
#pragma GCC unroll 8
  for (int j = 0; j < 8; ++j) {
    r[j] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0x88);
    r[j + 8] = _mm512_shuffle_f32x4(t[j], t[j + 8], 0xdd);
  }
}

// panel[d·32 + i] = k[i·ldk + d] for i < keys (≤ 32) and d < hs; 0 for the padded keys.
void pack_keys(float* panel, const float* k, int64_t ldk, int64_t keys, int64_t hs) {
  for (int64_t i0 = 0; i0 < kCols; i0 += 16) {
    for (int64_t d0 = 0; d0 < hs; d0 += 16) {
      const __mmask16 m = lanes(hs - d0);
      __m512 r[16];
#pragma GCC unroll 16
      for (int64_t i = 0; i < 16; ++i) {
        r[i] = i0 + i < keys ? _mm512_maskz_loadu_ps(m, k + (i0 + i) * ldk + d0) : _mm512_setzero_ps();
      }
      transpose16(r);
      const int64_t cols = std::min<int64_t>(16, hs - d0);
      for (int64_t d = 0; d < cols; ++d) _mm512_storeu_ps(panel + (d0 + d) * kCols + i0, r[d]);
    }
  }
}

// v[0..n) *= f
void scale_row(float* v, int64_t n, float f) {
  const __m512 vf = _mm512_set1_ps(f);
  for (int64_t i = 0; i < n; i += 16) {
    const __mmask16 m = lanes(n - i);
    _mm512_mask_storeu_ps(v + i, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, v + i), vf));
  }
}

}  // namespace

void attention_head(const AttentionHead& h, float* scratch) {
  const int64_t tq = h.tq, tk = h.tk, hs = h.hs;
  const int64_t tkp = (tk + kCols - 1) / kCols * kCols;
  float* kt = scratch;         // Kᵀ in panels of 32 keys: kt[j·32·hs + d·32 + i] = k[(32j + i)·ldkv + d]
  float* s = kt + tkp * hs;    // one block's scores, tkp wide
  for (int64_t j0 = 0; j0 < tkp; j0 += kCols) pack_keys(kt + j0 * hs, h.k + j0 * h.ldkv, h.ldkv, std::min(kCols, tk - j0), hs);
  // Without a key mask, the score tiles keep each row's maximum as they store it (scale > 0 for
  // scale·max to be the maximum of the scaled scores): the softmax then reads its row once.
  const bool tile_max = h.keys == nullptr && h.scale > 0.0f;
  __m512 rmax[kRows];
  for (int64_t i0 = 0; i0 < tq; i0 += kRows) {
    const int64_t rows = std::min(kRows, tq - i0);
    for (int64_t r = 0; r < kRows; ++r) rmax[r] = _mm512_set1_ps(-INFINITY);
    for (int64_t j0 = 0; j0 < tkp; j0 += kCols) {  // the last panel's padded keys are not computed
      product(rows, hs, h.q + i0 * h.ldq, h.ldq, kt + j0 * hs, kCols, s + j0, tkp, std::min(kCols, tk - j0),
              tile_max ? rmax : nullptr);
    }
    // The exponentials go into att, normalised there; without att they overwrite the scores and
    // the block's output rows are normalised instead (hs values a row instead of tk).
    float* p = h.att ? h.att + i0 * tk : s;
    const int64_t ldp = h.att ? tk : tkp;
    float inv[kRows];
    for (int64_t r = 0; r < rows; ++r) {
      inv[r] = softmax_exp(p + r * ldp, s + r * tkp, h.keys, tk, h.scale, tile_max ? &rmax[r] : nullptr);
      if (h.att) scale_row(p + r * ldp, tk, inv[r]);
    }
    float* out = h.out + i0 * h.ldo;
    for (int64_t d0 = 0; d0 < hs; d0 += kCols) {
      product(rows, tk, p, ldp, h.v + d0, h.ldkv, out + d0, h.ldo, std::min(kCols, hs - d0));
    }
    if (!h.att) {
      for (int64_t r = 0; r < rows; ++r) scale_row(out + r * h.ldo, hs, inv[r]);
    }
  }
}

}  // namespace shapca::avx512
