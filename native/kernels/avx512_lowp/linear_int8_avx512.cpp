// AVX-512 VNNI kernels of the int8 linear layer: per-row symmetric quantisation of the
// activations (shifted to unsigned bytes) and a 12×32 register tile of vpdpbusd (24 zmm int32
// accumulators; each step takes four k: two packed B vectors and one broadcast quad per row),
// dequantised with the row and column scales and the shift's column-sum compensation.
#include <immintrin.h>

#include "avx512_lowp.h"
#include "lanes.h"
#include "../avx512/tile_asm.h"
#include "../avx512/vmath512.h"

namespace shapca::avx512_lowp {

namespace {

template <int R>
void tile_rows(int64_t quads, const uint8_t* a, int64_t lda, const int8_t* b, float* c, int64_t ldc, int64_t cols,
               const float* row_scale, const float* col_scale, const int32_t* comp, const float* bias, bool gelu,
               bool add_c) {
  __m512i acc0[R], acc1[R];
  if (add_c) prefetch_rows<R>(c, ldc);  // C's rows arrive while the products run
  if constexpr (R == 12) {  // the full tile: its loop in assembly (tile_asm.h)
    alignas(64) int32_t sums[12 * 32];
    avx512::tile12_dpbusd(quads, a, lda, b, sums);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      acc0[r] = _mm512_load_si512(sums + r * 32);
      acc1[r] = _mm512_load_si512(sums + r * 32 + 16);
    }
  } else {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      acc0[r] = _mm512_setzero_si512();
      acc1[r] = _mm512_setzero_si512();
    }
#pragma GCC unroll 8
    for (int64_t p = 0; p < quads; ++p) {
      const __m512i b0 = _mm512_load_si512(b + p * 128);
      const __m512i b1 = _mm512_load_si512(b + p * 128 + 64);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        const __m512i av = _mm512_set1_epi32(word(a + r * lda + 4 * p));
        dot_u8s8(acc0[r], av, b0);
        dot_u8s8(acc1[r], av, b1);
      }
    }
  }
  const __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
  const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
  const __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
  const __m512 sw0 = _mm512_loadu_ps(col_scale), sw1 = _mm512_loadu_ps(col_scale + 16);
  const __m512i comp0 = _mm512_loadu_si512(comp), comp1 = _mm512_loadu_si512(comp + 16);
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    const __m512 sa = _mm512_set1_ps(row_scale[r]);
    const __m512 v0 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc0[r], comp0));
    const __m512 v1 = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc1[r], comp1));
    __m512 y0 = _mm512_fmadd_ps(v0, _mm512_mul_ps(sa, sw0), bias0), y1 = _mm512_fmadd_ps(v1, _mm512_mul_ps(sa, sw1), bias1);
    if (gelu) {
      y0 = avx512::gelu512(y0);
      y1 = avx512::gelu512(y1);
    }
    if (add_c) {
      y0 = _mm512_add_ps(y0, _mm512_maskz_loadu_ps(m0, c + r * ldc));
      y1 = _mm512_add_ps(y1, _mm512_maskz_loadu_ps(m1, c + r * ldc + 16));
    }
    _mm512_mask_storeu_ps(c + r * ldc, m0, y0);
    _mm512_mask_storeu_ps(c + r * ldc + 16, m1, y1);
  }
}

}  // namespace

void int8_quantize_rows(uint8_t* dst, int64_t ldd, float* scale, const float* src, int64_t lds, int64_t rows,
                        int64_t k) {
  const __m512 lo = _mm512_set1_ps(-127.0f), hi = _mm512_set1_ps(127.0f);
  const __m512i shift = _mm512_set1_epi32(128);
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * lds;
    uint8_t* d = dst + r * ldd;
    __m512 amax = _mm512_setzero_ps();
    for (int64_t j = 0; j < k; j += 16) amax = _mm512_max_ps(amax, _mm512_abs_ps(_mm512_maskz_loadu_ps(lanes(k - j), s + j)));
    const float m = _mm512_reduce_max_ps(amax);
    scale[r] = m / 127.0f;
    const __m512 inv = _mm512_set1_ps(m > 0.0f ? 127.0f / m : 0.0f);
    for (int64_t j = 0; j < ldd; j += 16) {
      const __m512 x = _mm512_mul_ps(_mm512_maskz_loadu_ps(lanes(k - j), s + j), inv);
      // Round to nearest even (the default MXCSR mode), clamp, shift to [1, 255]; padding is 128,
      // and meets zero weights.
      const __m512i q = _mm512_cvtps_epi32(_mm512_min_ps(_mm512_max_ps(x, lo), hi));
      _mm_mask_storeu_epi8(d + j, lanes(ldd - j), _mm512_cvtepi32_epi8(_mm512_add_epi32(q, shift)));
    }
  }
}

void int8_tile(int64_t rows, int64_t quads, const uint8_t* a, int64_t lda, const int8_t* b, float* c, int64_t ldc,
               int64_t cols, const float* row_scale, const float* col_scale, const int32_t* comp, const float* bias,
               bool gelu, bool add_c) {
  using Fn = void (*)(int64_t, const uint8_t*, int64_t, const int8_t*, float*, int64_t, int64_t, const float*,
                      const float*, const int32_t*, const float*, bool, bool);
  static constexpr Fn kByRows[12] = {tile_rows<1>, tile_rows<2>, tile_rows<3>, tile_rows<4>,  tile_rows<5>,  tile_rows<6>,
                                     tile_rows<7>, tile_rows<8>, tile_rows<9>, tile_rows<10>, tile_rows<11>, tile_rows<12>};
  kByRows[rows - 1](quads, a, lda, b, c, ldc, cols, row_scale, col_scale, comp, bias, gelu, add_c);
}

}  // namespace shapca::avx512_lowp
