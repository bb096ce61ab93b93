// Tiled shared-memory SGEMM (no cuBLAS needed), its checks and dispatch, and the linear layer.
// A block computes a BM×BN tile of C, stepping through K in BK-deep slices of op(A) and op(B)
// staged in shared memory; each thread keeps a TM×TN register tile whose rows and columns are
// strided by the thread grid, so that shared-memory reads and global stores are contiguous
// across a warp. Out-of-range elements load as 0, so any M, N, K and stride works.
#include <algorithm>

#include "gemm_internal.h"
#include "launch.cuh"

namespace shapca::cuda {

using gemm_detail::prepare_output;

namespace {

struct Args {
  int64_t m, n, k;
  float alpha, beta;
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  const float* bias;
};

template <int BM, int BN, int BK, int TM, int TN, bool TA, bool TB>
__global__ void __launch_bounds__((BM / TM) * (BN / TN)) sgemm_kernel(Args g, GemmBatch bt) {
  constexpr int TX = BN / TN, TY = BM / TM, THREADS = TX * TY;
  __shared__ float as[BK][BM + 4];
  __shared__ float bs[BK][BN + 4];
  const int tid = threadIdx.x, tx = tid % TX, ty = tid / TX;
  const int64_t m0 = static_cast<int64_t>(blockIdx.y) * BM, n0 = static_cast<int64_t>(blockIdx.x) * BN;
  const int64_t count = bt.outer * bt.inner;
  for (int64_t z = blockIdx.z; z < count; z += gridDim.z) {
    const int64_t zo = z / bt.inner, zi = z % bt.inner;
    const float* A = g.a + zo * bt.a_outer + zi * bt.a_inner;
    const float* B = g.b + zo * bt.b_outer + zi * bt.b_inner;
    float* C = g.c + zo * bt.c_outer + zi * bt.c_inner;
    float acc[TM][TN];
#pragma unroll
    for (int r = 0; r < TM; ++r)
#pragma unroll
      for (int q = 0; q < TN; ++q) acc[r][q] = 0.0f;

    for (int64_t k0 = 0; k0 < g.k; k0 += BK) {
      // Stage op(A)[m0.., k0..] as as[p][i], reading along the stored rows.
#pragma unroll
      for (int e = tid; e < BM * BK; e += THREADS) {
        const int i = TA ? e % BM : e / BK, p = TA ? e / BM : e % BK;
        const int64_t gi = m0 + i, gp = k0 + p;
        float v = 0.0f;
        if (gi < g.m && gp < g.k) v = TA ? A[gp * g.lda + gi] : A[gi * g.lda + gp];
        as[p][i] = v;
      }
#pragma unroll
      for (int e = tid; e < BK * BN; e += THREADS) {
        const int j = TB ? e / BK : e % BN, p = TB ? e % BK : e / BN;
        const int64_t gj = n0 + j, gp = k0 + p;
        float v = 0.0f;
        if (gj < g.n && gp < g.k) v = TB ? B[gj * g.ldb + gp] : B[gp * g.ldb + gj];
        bs[p][j] = v;
      }
      __syncthreads();
#pragma unroll
      for (int p = 0; p < BK; ++p) {
        float ar[TM], br[TN];
#pragma unroll
        for (int r = 0; r < TM; ++r) ar[r] = as[p][ty + r * TY];
#pragma unroll
        for (int q = 0; q < TN; ++q) br[q] = bs[p][tx + q * TX];
#pragma unroll
        for (int r = 0; r < TM; ++r)
#pragma unroll
          for (int q = 0; q < TN; ++q) acc[r][q] = fmaf(ar[r], br[q], acc[r][q]);
      }
      __syncthreads();
    }

#pragma unroll
    for (int r = 0; r < TM; ++r) {
      const int64_t i = m0 + ty + r * TY;
      if (i >= g.m) continue;
#pragma unroll
      for (int q = 0; q < TN; ++q) {
        const int64_t j = n0 + tx + q * TX;
        if (j >= g.n) continue;
        float* out = C + i * g.ldc + j;
        const float base = g.beta == 0.0f ? 0.0f : (g.beta == 1.0f ? *out : g.beta * *out);
        const float prod = g.alpha == 0.0f ? 0.0f : g.alpha * acc[r][q];
        *out = (g.bias ? base + g.bias[j] : base) + prod;
      }
    }
  }
}

template <int BM, int BN, int BK, int TM, int TN>
Status launch_tiles(bool ta, bool tb, const Args& g, const GemmBatch& bt) {
  const dim3 grid(static_cast<unsigned>((g.n + BN - 1) / BN), static_cast<unsigned>((g.m + BM - 1) / BM),
                  static_cast<unsigned>(std::min<int64_t>(bt.outer * bt.inner, 65535)));
  const int threads = (BM / TM) * (BN / TN);
  if (!ta && !tb) launch(sgemm_kernel<BM, BN, BK, TM, TN, false, false>, grid, threads, g, bt);
  if (!ta && tb) launch(sgemm_kernel<BM, BN, BK, TM, TN, false, true>, grid, threads, g, bt);
  if (ta && !tb) launch(sgemm_kernel<BM, BN, BK, TM, TN, true, false>, grid, threads, g, bt);
  if (ta && tb) launch(sgemm_kernel<BM, BN, BK, TM, TN, true, true>, grid, threads, g, bt);
  return check_launch("sgemm_tiled");
}

int multiprocessors() {
  static const int sms = [] {
    int device = 0, n = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        cudaDeviceGetAttribute(&n, cudaDevAttrMultiProcessorCount, device) != cudaSuccess) {
      cudaGetLastError();
      return 108;
    }
    return n;
  }();
  return sms;
}

Status tiled(bool ta, bool tb, const Args& g, const GemmBatch& bt) {
  const int64_t count = bt.outer * bt.inner;
  const int64_t big_tiles = (g.m + 127) / 128 * ((g.n + 127) / 128) * count;
  // 128×128 tiles when they fill the GPU at least once, else 64×64 (more blocks, less waste).
  if (g.m >= 128 && g.n >= 128 && big_tiles >= multiprocessors()) return launch_tiles<128, 128, 8, 8, 8>(ta, tb, g, bt);
  return launch_tiles<64, 64, 16, 4, 4>(ta, tb, g, bt);
}

Status check_args(const char* what, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda,
                  const float* b, int64_t ldb, const float* c, int64_t ldc, const GemmBatch& bt) {
  if (m < 0 || n < 0 || k < 0) {
    return fail(Status::invalid_argument, "%s: expected non-negative sizes but received m=%lld n=%lld k=%lld", what,
                static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k));
  }
  if (m >= (int64_t{1} << 31) || n >= (int64_t{1} << 31) || k >= (int64_t{1} << 31)) {
    return fail(Status::out_of_range, "%s: sizes must stay below 2^31 but received m=%lld n=%lld k=%lld", what,
                static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(k));
  }
  if (bt.outer < 1 || bt.inner < 1) {
    return fail(Status::invalid_argument, "%s: expected batch counts >= 1 but received outer=%lld inner=%lld", what,
                static_cast<long long>(bt.outer), static_cast<long long>(bt.inner));
  }
  if (m == 0 || n == 0) return Status::ok;
  const int64_t min_lda = ta ? m : k, min_ldb = tb ? k : n;
  if ((k > 0 && (lda < std::max<int64_t>(min_lda, 1) || ldb < std::max<int64_t>(min_ldb, 1))) || ldc < n) {
    return fail(Status::invalid_argument,
                "%s: expected lda >= %lld, ldb >= %lld, ldc >= %lld but received lda=%lld ldb=%lld ldc=%lld", what,
                static_cast<long long>(std::max<int64_t>(min_lda, 1)),
                static_cast<long long>(std::max<int64_t>(min_ldb, 1)), static_cast<long long>(n),
                static_cast<long long>(lda), static_cast<long long>(ldb), static_cast<long long>(ldc));
  }
  if (c == nullptr || (k > 0 && (a == nullptr || b == nullptr))) {
    return fail(Status::invalid_argument, "%s: a null matrix pointer was passed", what);
  }
  return Status::ok;
}

__global__ void prepare_output_kernel(float* c, int64_t ldc, int64_t m, int64_t n, float beta, const float* bias,
                                      GemmBatch bt) {
  const int64_t per = m * n, total = per * bt.outer * bt.inner;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < total;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t z = e / per, i = (e % per) / n, j = e % n;
    float* out = c + (z / bt.inner) * bt.c_outer + (z % bt.inner) * bt.c_inner + i * ldc + j;
    const float base = beta == 0.0f ? 0.0f : (beta == 1.0f ? *out : beta * *out);
    *out = bias ? base + bias[j] : base;
  }
}

// dbias[j] += Σ_i dout[i,j]: a block of columns per x, a chunk of rows per y, atomics across chunks.
__global__ void column_sum_kernel(float* dbias, const float* dout, int64_t rows, int64_t cols, int64_t rows_per) {
  const int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (j >= cols) return;
  const int64_t r0 = blockIdx.y * rows_per, r1 = r0 + rows_per < rows ? r0 + rows_per : rows;
  float acc = 0.0f;
  for (int64_t i = r0; i < r1; ++i) acc += dout[i * cols + j];
  atomicAdd(dbias + j, acc);
}

}  // namespace

namespace gemm_detail {
Status prepare_output(float* c, int64_t ldc, int64_t m, int64_t n, float beta, const float* bias, const GemmBatch& bt) {
  const int64_t total = m * n * bt.outer * bt.inner;
  if (total == 0) return Status::ok;
  launch(prepare_output_kernel, grid_for(total), kBlock, c, ldc, m, n, beta, bias, bt);
  return check_launch("sgemm: bias");
}
}  // namespace gemm_detail

bool have_cublas() {
#ifdef SHAPCA_HAVE_CUBLAS
  return true;
#else
  return false;
#endif
}

Status sgemm_tiled(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                   int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                   const GemmBatch& batch) {
  if (Status s = check_args("sgemm_tiled", trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, batch); s != Status::ok) {
    return s;
  }
  if (m == 0 || n == 0) return Status::ok;
  return tiled(trans_a, trans_b, Args{m, n, k, alpha, beta, a, lda, b, ldb, c, ldc, bias}, batch);
}

Status sgemm_batched(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                     int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias,
                     const GemmBatch& batch) {
  if (Status s = check_args("sgemm", trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, batch); s != Status::ok) return s;
  if (m == 0 || n == 0) return Status::ok;
#ifdef SHAPCA_HAVE_CUBLAS
  if (k > 0 && alpha != 0.0f) {
    if (bias != nullptr) {  // cuBLAS has no bias: fold beta and bias into C first
      if (Status s = prepare_output(c, ldc, m, n, beta, bias, batch); s != Status::ok) return s;
      beta = 1.0f;
    }
    return gemm_detail::sgemm_cublas(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch);
  }
#endif
  return tiled(trans_a, trans_b, Args{m, n, k, alpha, beta, a, lda, b, ldb, c, ldc, bias}, batch);
}

Status sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const float* bias) {
  return sgemm_batched(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bias, GemmBatch{});
}

Status matmul_forward(float* out, const float* inp, const float* weight, const float* bias, int64_t bt, int64_t c,
                      int64_t oc) {
  return sgemm(false, true, bt, oc, c, 1.0f, inp, c, weight, c, 0.0f, out, oc, bias);
}

Status matmul_backward(float* dinp, float* dweight, float* dbias, const float* dout, const float* inp,
                       const float* weight, int64_t bt, int64_t c, int64_t oc) {
  if (bt < 0 || c < 0 || oc < 0) return fail(Status::invalid_argument, "matmul_backward: expected non-negative sizes");
  if (dinp != nullptr) {
    if (Status s = sgemm(false, false, bt, c, oc, 1.0f, dout, oc, weight, c, 1.0f, dinp, c, nullptr); s != Status::ok) return s;
  }
  if (dweight != nullptr) {
    if (Status s = sgemm(true, false, oc, c, bt, 1.0f, dout, oc, inp, c, 1.0f, dweight, c, nullptr); s != Status::ok) return s;
  }
  if (dbias != nullptr && bt > 0 && oc > 0) {
    if (dout == nullptr) return fail(Status::invalid_argument, "matmul_backward: dout is null");
    const int64_t rows_per = 256, chunks = (bt + rows_per - 1) / rows_per;
    const dim3 grid(static_cast<unsigned>((oc + kBlock - 1) / kBlock), static_cast<unsigned>(std::min<int64_t>(chunks, 65535)));
    const int64_t per = (bt + grid.y - 1) / grid.y;
    launch(column_sum_kernel, grid, kBlock, dbias, dout, bt, oc, per);
    return check_launch("matmul_backward: bias");
  }
  return Status::ok;
}

}  // namespace shapca::cuda
