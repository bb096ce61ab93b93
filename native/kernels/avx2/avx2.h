// Entry points of the AVX2/FMA translation units (compiled with -mavx2 -mfma).
// Only call them when use_avx2() is true. These files must not use inline functions or
// templates shared with the scalar units (std::min, <cmath> overloads, ...): the linker keeps
// one copy of such a function, and an AVX2-compiled copy would then run on every CPU.
#pragma once
#include <cstdint>

namespace shapca::avx2 {

// C[6×16] (row stride ldc) += a[kc×6 packed] · b[kc×16 packed]
void sgemm_micro_6x16(int64_t kc, const float* a, const float* b, float* c, int64_t ldc);
// out[p·rows + r] = alpha·src[r·ld + p] for r < rows, p < kc: a full GEMM panel whose source rows
// are read side by side (pack_a without transposition, pack_b with).
void pack_interleaved(float* out, const float* src, int64_t ld, int64_t rows, int64_t kc, float alpha);

// Softmax of one row: out = softmax(scale·x) over the entries whose mask is non-zero (mask may
// be null); masked entries get 0; a fully masked row is all zeros.
void softmax_row(float* out, const float* x, const uint8_t* mask, int64_t n, float scale);
// dx += scale · y ⊙ (dy − <dy, y>)
void softmax_backward_row(float* dx, const float* y, const float* dy, int64_t n, float scale);

// LayerNorm of one row; writes mean and rstd.
void layernorm_row(float* out, float* mean, float* rstd, const float* x, const float* w, const float* b, int64_t n,
                   float eps);
// dx += ..., dw += ..., db += ... for one row (dw/db may be null).
void layernorm_backward_row(float* dx, float* dw, float* db, const float* dy, const float* x, const float* w,
                            float mean, float rstd, int64_t n);

void gelu_forward(float* out, const float* x, int64_t n);
void gelu_backward(float* dx, const float* x, const float* dy, int64_t n);
void quick_gelu_forward(float* out, const float* x, int64_t n);
void quick_gelu_backward(float* dx, const float* x, const float* dy, int64_t n);

// y += x
void add_inplace(float* y, const float* x, int64_t n);

void adamw(float* p, const float* g, float* m, float* v, int64_t n, float lr, float beta1, float beta2, float eps,
           float weight_decay, float bias_c1, float bias_c2, float grad_scale);

// Whether x[0, n) holds a NaN or an infinity (exponent bits all ones), 32 floats per step.
bool any_non_finite(const float* x, int64_t n);

// Σ x², accumulated in double per 8-lane block.
double sum_squares(const float* x, int64_t n);

// The 12-chain FMA loop of measure_peak (kernels/peak.h); returns the operations it did.
double fma_loop(int64_t iters);

}  // namespace shapca::avx2
