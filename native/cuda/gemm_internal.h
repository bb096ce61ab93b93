// Between gemm.cu and gemm_cublas.cu (not a public header).
#pragma once
#include "gemm.h"

namespace shapca::cuda::gemm_detail {

// C = beta·C + bias[col] over every batch's M×N block (beta = 0 does not read C).
Status prepare_output(float* c, int64_t ldc, int64_t m, int64_t n, float beta, const float* bias, const GemmBatch& bt);

#ifdef SHAPCA_HAVE_CUBLAS
// The product through cuBLAS (arguments already checked; k ≥ 1, alpha ≠ 0, no bias).
Status sgemm_cublas(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const GemmBatch& bt);
#endif

}  // namespace shapca::cuda::gemm_detail
