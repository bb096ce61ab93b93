// SGEMM and the linear layer on the GPU: the contract of kernels/gemm.h on device pointers.
//
//   C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C[M,N] + bias[N]     (row-major)
//
// Same argument rules as the CPU: op(A) = A (M×K, lda ≥ K) or Aᵀ (stored K×M, lda ≥ M), likewise
// B; beta = 0 overwrites C; bias may be null. sgemm uses cuBLAS when the build found it
// (SHAPCA_HAVE_CUBLAS; FP32 math, no TF32) and the tiled shared-memory kernel otherwise;
// sgemm_tiled is always the tiled kernel, so that the tests check it wherever cuBLAS exists.
// Batches: product z = o·inner + i (o < outer, i < inner) reads A + o·a_outer + i·a_inner, and
// likewise B and C: two levels, so attention's (batch, head) products are one launch.
#pragma once
#include <cstdint>

#include "../core/status.h"

namespace shapca::cuda {

struct GemmBatch {
  int64_t outer = 1, inner = 1;
  int64_t a_outer = 0, a_inner = 0;
  int64_t b_outer = 0, b_inner = 0;
  int64_t c_outer = 0, c_inner = 0;
};

// Whether this build calls cuBLAS.
bool have_cublas();

Status sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias);
Status sgemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                     const GemmBatch& batch);
Status sgemm_tiled(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                   const GemmBatch& batch = GemmBatch{});

// Linear layer (PyTorch's weight layout): out (BT,OC) = inp (BT,C) · weight (OC,C)ᵀ + bias (OC).
Status matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int64_t bt, int64_t c,
                      int64_t oc);
// Accumulates dinp += dout·weight, dweight += doutᵀ·inp, dbias += Σ_rows dout (each may be null).
Status matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                       const float* weight, int64_t bt, int64_t c, int64_t oc);

}  // namespace shapca::cuda
