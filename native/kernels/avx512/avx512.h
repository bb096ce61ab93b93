// Entry points of the AVX-512 translation units (compiled with -mavx512f -mavx2 -mfma).
// Only call them when use_avx512() is true. The ODR rule of avx2/avx2.h applies here too.
#pragma once
#include <cstdint>

namespace shapca::avx512 {

// C[12×32] (row stride ldc) += a[kc×12 packed] · b[kc×32 packed]
void sgemm_micro_12x32(int64_t kc, const float* a, const float* b, float* c, int64_t ldc);

}  // namespace shapca::avx512
