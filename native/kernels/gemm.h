// SGEMM and the linear layer built on it.
//
//   C[M,N] = alpha * op(A)[M,K] · op(B)[K,N] + beta * C[M,N] + bias[N]
//
// Row-major storage. op(A) = A (stored M×K, lda ≥ K) or Aᵀ (transA: stored K×M, lda ≥ M);
// op(B) = B (stored K×N, ldb ≥ N) or Bᵀ (transB: stored N×K, ldb ≥ K); ldc ≥ N.
// beta = 0 overwrites C (NaNs in C do not propagate); bias may be null.
// Packed (6×16 micro-tiles, 12×32 on AVX-512), cache-blocked (KC×NC panels of B, MC×KC blocks of
// A) and multithreaded over a grid of C rectangles chosen to minimise repeated packing. On
// AVX-512 an untransposed A with alpha = 1 is read where it lies (unless its rows share too few L1
// sets), and with beta = 0 or 1 the first K block stores its products plus the bias (plus C when
// beta = 1) (no pass over C before).
#pragma once
#include <cstdint>
#include <optional>

#include "../core/status.h"
#include "gelu.h"

namespace shapca {

Status sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias);

// sgemm, then C = act(C): each register tile goes through the activation after its last product,
// while it is in L1 (a pass over C the less than activation_forward afterwards, same values).
Status sgemm_act(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                 int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                 std::optional<Activation> act);

// The smallest row stride ≥ k (k itself, or k rounded up to 16 floats and more) at which the
// AVX-512 sgemm reads an untransposed A of width k where it lies: at strides whose 12 rows share
// fewer than 4 L1 sets (1024 floats or a multiple, e.g. the 3072 of BERT's and ViT's FFN) it packs
// A first. A buffer that will be an A operand can be laid out at this stride.
int64_t sgemm_direct_lda(int64_t k);

// Linear layer with PyTorch's weight layout (llm.c's matmul):
// out is (BT,OC), inp is (BT,C), weight is (OC,C), bias is (OC) or null.
Status matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int64_t bt, int64_t c,
                      int64_t oc);
// Accumulates: dinp += dout·weight, dweight += doutᵀ·inp, dbias += Σ_rows dout.
// Any of dinp, dweight, dbias may be null to skip it.
Status matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                       const float* weight, int64_t bt, int64_t c, int64_t oc);

}  // namespace shapca
