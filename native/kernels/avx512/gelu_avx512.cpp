// GELU forward on 16 lanes (kernels/gelu.h), with vmath512.h's erf; the tail goes through the
// same arithmetic under a mask. (QuickGELU keeps the AVX2 kernel: its σ needs a true division.)
#include <immintrin.h>

#include <cstdint>

#include "avx512.h"
#include "vmath512.h"

namespace shapca::avx512 {

void gelu_forward(float* out, const float* x, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) _mm512_storeu_ps(out + i, gelu512(_mm512_loadu_ps(x + i)));
  if (i < n) {
    const __mmask16 m = lanes(n - i);
    _mm512_mask_storeu_ps(out + i, m, gelu512(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

}  // namespace shapca::avx512
