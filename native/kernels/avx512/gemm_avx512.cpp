// AVX-512 12×32 SGEMM micro-kernel: 24 zmm accumulators, two B loads and twelve A broadcasts
// per k step (the register tile of BLIS's SkylakeX sgemm, transposed for row-major C).
#include <immintrin.h>

#include "avx512.h"
#include "tile_asm.h"
#include "vmath512.h"

namespace shapca::avx512 {

namespace {

// Writes a tile's sums into C: C = acc + bias[0..32) (bias null: 0) + C (only with add_c; C is
// not read otherwise); with gelu, the results go through GELU (gelu512) before they are stored.
template <int R>
inline void store_tile(const __m512 (&acc0)[R], const __m512 (&acc1)[R], float* c, int64_t ldc, const float* bias,
                       bool add_c, bool gelu) {
  const __m512 add0 = bias ? _mm512_loadu_ps(bias) : _mm512_setzero_ps();
  const __m512 add1 = bias ? _mm512_loadu_ps(bias + 16) : _mm512_setzero_ps();
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    float* row = c + r * ldc;
    __m512 y0 = _mm512_add_ps(add_c ? _mm512_add_ps(_mm512_loadu_ps(row), add0) : add0, acc0[r]);
    __m512 y1 = _mm512_add_ps(add_c ? _mm512_add_ps(_mm512_loadu_ps(row + 16), add1) : add1, acc1[r]);
    if (gelu) {
      y0 = gelu512(y0);
      y1 = gelu512(y1);
    }
    _mm512_storeu_ps(row, y0);
    _mm512_storeu_ps(row + 16, y1);
  }
}

// C[R×32] = a[kc×12 packed]·b[kc×32 packed] + bias (store_tile: + C with add_c), using the
// first R rows of each packed A step: the full tile (R = 12) and the last, partial row panel of a
// block (R < 12), which then costs R/12 of a full one instead of a full tile computed into a
// scratch buffer.
template <int R>
void micro_rows(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, const float* bias, bool add_c) {
  __m512 acc0[R], acc1[R];
  if (add_c) prefetch_rows<R>(c, ldc);
#pragma GCC unroll 12
  for (int r = 0; r < R; ++r) {
    acc0[r] = _mm512_setzero_ps();
    acc1[r] = _mm512_setzero_ps();
  }
  auto step = [&](int64_t q) {
    const __m512 b0 = _mm512_load_ps(b + q * 32);
    const __m512 b1 = _mm512_load_ps(b + q * 32 + 16);
#pragma GCC unroll 12
    for (int r = 0; r < R; ++r) {
      const __m512 av = _mm512_set1_ps(a[q * 12 + r]);
      acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
      acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
    }
  };
  int64_t p = 0;
  for (; p + 4 <= kc; p += 4) {
    _mm_prefetch(reinterpret_cast<const char*>(b + 16 * 32), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(b + 16 * 32 + 64), _MM_HINT_T0);
    step(0);
    step(1);
    step(2);
    step(3);
    a += 48;
    b += 128;
  }
  for (; p < kc; ++p) {
    step(0);
    a += 12;
    b += 32;
  }
  store_tile<R>(acc0, acc1, c, ldc, bias, add_c, false);
}

// micro_rows with A read where it lies: R rows at stride lda, kc floats each from a; with gelu,
// the tile's outputs go through GELU before they are stored.
template <int R>
void direct_rows(int64_t kc, const float* a, int64_t lda, const float* b, float* c, int64_t ldc, const float* bias,
                 bool add_c, bool gelu) {
  __m512 acc0[R], acc1[R];
  if (add_c) prefetch_rows<R>(c, ldc);
  if constexpr (R == 12) {  // the full tile: its loop in assembly (tile_asm.h)
    alignas(64) float sums[12 * 32];
    tile12_fma(kc, a, lda * 4, b, sums);
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
#pragma GCC unroll 4
    for (int64_t p = 0; p < kc; ++p) {
      const __m512 b0 = _mm512_load_ps(b + p * 32);
      const __m512 b1 = _mm512_load_ps(b + p * 32 + 16);
#pragma GCC unroll 12
      for (int r = 0; r < R; ++r) {
        const __m512 av = _mm512_set1_ps(a[r * lda + p]);
        acc0[r] = _mm512_fmadd_ps(av, b0, acc0[r]);
        acc1[r] = _mm512_fmadd_ps(av, b1, acc1[r]);
      }
    }
  }
  store_tile<R>(acc0, acc1, c, ldc, bias, add_c, gelu);
}

}  // namespace

void sgemm_direct_rows_x32(int64_t rows, int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                           int64_t ldc, const float* bias, bool add_c, bool gelu) {
  using Fn = void (*)(int64_t, const float*, int64_t, const float*, float*, int64_t, const float*, bool, bool);
  static constexpr Fn kByRows[12] = {direct_rows<1>, direct_rows<2>, direct_rows<3>,  direct_rows<4>,
                                     direct_rows<5>, direct_rows<6>, direct_rows<7>,  direct_rows<8>,
                                     direct_rows<9>, direct_rows<10>, direct_rows<11>, direct_rows<12>};
  kByRows[rows - 1](kc, a, lda, b, c, ldc, bias, add_c, gelu);
}

void sgemm_micro_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc) {
  micro_rows<12>(kc, a, b, c, ldc, nullptr, true);
}

void sgemm_micro_rows_x32(int64_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                          const float* bias, bool add_c) {
  using Fn = void (*)(int64_t, const float*, const float*, float*, int64_t, const float*, bool);
  static constexpr Fn kByRows[12] = {micro_rows<1>, micro_rows<2>, micro_rows<3>, micro_rows<4>,
                                     micro_rows<5>, micro_rows<6>, micro_rows<7>, micro_rows<8>,
                                     micro_rows<9>, micro_rows<10>, micro_rows<11>, micro_rows<12>};
  kByRows[rows - 1](kc, a, b, c, ldc, bias, add_c);
}

}  // namespace shapca::avx512
