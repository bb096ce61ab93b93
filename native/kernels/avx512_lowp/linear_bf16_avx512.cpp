// AVX-512 BF16 kernels of the bf16 linear layer: the activation rounding (vcvtne2ps2bf16, round
// to nearest even) and a 12×32 register tile of vdpbf16ps (24 zmm accumulators of fp32; each step
// takes one k pair: two packed B vectors and one broadcast pair per row).
#include <immintrin.h>

#include "avx512_lowp.h"
#include "lanes.h"
#include "../avx512/tile_asm.h"
#include "../avx512/vmath512.h"

namespace shapca::avx512_lowp {

namespace {

template <int R>
void tile_rows(int64_t pairs, const uint16_t* a, int64_t lda, const uint16_t* b, float* c, int64_t ldc, int64_t cols,
               const float* bias, bool gelu, bool add_c) {
  __m512 acc0[R], acc1[R];
  if (add_c) prefetch_rows<R>(c, ldc);  // C's rows arrive while the products run
  if constexpr (R == 12) {  // the full tile: its loop in assembly (tile_asm.h)
    alignas(64) float sums[12 * 32];
    avx512::tile12_dpbf16(pairs, a, lda * 2, b, sums);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      acc0[r] = _mm512_load_ps(sums + r * 32);
      acc1[r] = _mm512_load_ps(sums + r * 32 + 16);
    }
  } else {
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      acc0[r] = _mm512_setzero_ps();
      acc1[r] = _mm512_setzero_ps();
    }
#pragma GCC unroll 8
    for (int64_t p = 0; p < pairs; ++p) {
      const __m512i b0 = _mm512_load_si512(b + p * 64);
      const __m512i b1 = _mm512_load_si512(b + p * 64 + 32);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        const __m512i av = _mm512_set1_epi32(word(a + r * lda + 2 * p));
        dot_bf16(acc0[r], av, b0);
        dot_bf16(acc1[r], av, b1);
      }
    }
  }
  const __mmask16 m0 = lanes(cols), m1 = lanes(cols - 16);
  const __m512 bias0 = bias ? _mm512_maskz_loadu_ps(m0, bias) : _mm512_setzero_ps();
  const __m512 bias1 = bias ? _mm512_maskz_loadu_ps(m1, bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    __m512 y0 = _mm512_add_ps(acc0[r], bias0), y1 = _mm512_add_ps(acc1[r], bias1);
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

void bf16_convert_rows(uint16_t* dst, int64_t ldd, const float* src, int64_t lds, int64_t rows, int64_t k) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* s = src + r * lds;
    uint16_t* d = dst + r * ldd;
    int64_t j = 0;
    for (; j + 32 <= k; j += 32) {
      const __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(s + j + 16), _mm512_loadu_ps(s + j));
      _mm512_storeu_si512(d + j, (__m512i)h);
    }
    for (; j < ldd; j += 16) {  // the tail and the zero padding, 16 at a time under a mask
      const __mmask16 in = lanes(k - j), out = lanes(ldd - j);
      const __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(in, s + j));
      _mm256_mask_storeu_epi16(d + j, out, (__m256i)h);
    }
  }
}

void bf16_tile(int64_t rows, int64_t pairs, const uint16_t* a, int64_t lda, const uint16_t* b, float* c, int64_t ldc,
               int64_t cols, const float* bias, bool gelu, bool add_c) {
  using Fn = void (*)(int64_t, const uint16_t*, int64_t, const uint16_t*, float*, int64_t, int64_t, const float*, bool,
                      bool);
  static constexpr Fn kByRows[12] = {tile_rows<1>, tile_rows<2>, tile_rows<3>, tile_rows<4>,  tile_rows<5>,  tile_rows<6>,
                                     tile_rows<7>, tile_rows<8>, tile_rows<9>, tile_rows<10>, tile_rows<11>, tile_rows<12>};
  kByRows[rows - 1](pairs, a, lda, b, c, ldc, cols, bias, gelu, add_c);
}

}  // namespace shapca::avx512_lowp
