// Entry points of the AVX-512 translation units (compiled with -mavx512f -mavx2 -mfma).
// Only call them when use_avx512() is true. The ODR rule of avx2/avx2.h applies here too.
#pragma once
#include <cstdint>

namespace shapca::avx512 {

// C[12×32] (row stride ldc) += a[kc×12 packed] · b[kc×32 packed]
void sgemm_micro_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc);
// For the first `rows` (1 ≤ rows ≤ 12) rows of the packed A panel: C[rows×32] = a·b + bias[0..32)
// (bias null: 0) + C (only with add_c; C is not read otherwise).
void sgemm_micro_rows_x32(int64_t rows, int64_t kc, const float* a, const float* b, float* c, int64_t ldc,
                          const float* bias, bool add_c);
// The same with A read where it lies instead of packed: `rows` rows of kc floats at stride lda;
// with gelu, C = gelu(...) after the sum (the last K block of a product with GELU).
void sgemm_direct_rows_x32(int64_t rows, int64_t kc, const float* a, int64_t lda, const float* b, float* c,
                           int64_t ldc, const float* bias, bool add_c, bool gelu);

// The softmax-expectation Shapley scans of avx2/shapley_avx2.h on zmm vectors, same contract
// and the same per-lane arithmetic (bit-identical results).
void shapley_scan_ratio(double* x, const double* num, const double* den, const double* off, const int32_t* perm,
                        int64_t k, double scale);
void shapley_scan_ratio_backward(double* ds, double* work, const double* dx, const double* num, const double* den,
                                 const double* st, const int32_t* perm, int64_t k, double inv_tau);

// out = gelu(x) for n values (kernels/gelu.h), erf through vmath512.h; out may be x.
void gelu_forward(float* out, const float* x, int64_t n);

// The 24-chain FMA loop of measure_peak (kernels/peak.h); returns the operations it did.
double fma_loop(int64_t iters);

}  // namespace shapca::avx512
