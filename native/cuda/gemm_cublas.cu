// The cuBLAS path of sgemm (gemm.h). Compiled to nothing unless the build found cuBLAS and
// defined SHAPCA_HAVE_CUBLAS (native/CMakeLists.txt; the addon's root CMakeLists never does).
// Row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: the operands swap places and
// keep their transposition flags.
#ifdef SHAPCA_HAVE_CUBLAS
#include <cublas_v2.h>

#include "gemm_internal.h"

namespace shapca::cuda::gemm_detail {

namespace {

const char* cublas_message(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "success";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    default: return "cuBLAS error";
  }
}

Status cublas_check(cublasStatus_t s, const char* what) {
  if (s == CUBLAS_STATUS_SUCCESS) return Status::ok;
  return fail(s == CUBLAS_STATUS_ALLOC_FAILED ? Status::out_of_memory : Status::internal, "%s: %s (%d)", what,
              cublas_message(s), static_cast<int>(s));
}

// One handle per host thread, created on first use and destroyed with the thread.
struct Handle {
  cublasHandle_t h = nullptr;
  cublasStatus_t created = CUBLAS_STATUS_NOT_INITIALIZED;
  bool tried = false;
  ~Handle() {
    if (h != nullptr) cublasDestroy(h);
  }
};

Status handle(cublasHandle_t* out) {
  thread_local Handle hd;
  if (!hd.tried) {
    hd.tried = true;
    hd.created = cublasCreate(&hd.h);
    if (hd.created == CUBLAS_STATUS_SUCCESS) hd.created = cublasSetMathMode(hd.h, CUBLAS_DEFAULT_MATH);
  }
  if (Status s = cublas_check(hd.created, "sgemm: cublasCreate"); s != Status::ok) return s;
  *out = hd.h;
  return Status::ok;
}

}  // namespace

Status sgemm_cublas(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
                    int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc, const GemmBatch& bt) {
  cublasHandle_t h = nullptr;
  if (Status s = handle(&h); s != Status::ok) return s;
  const cublasOperation_t opa = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N, opb = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int im = static_cast<int>(m), in = static_cast<int>(n), ik = static_cast<int>(k);
  if (lda > INT32_MAX || ldb > INT32_MAX || ldc > INT32_MAX) {
    return fail(Status::out_of_range, "sgemm: leading dimensions above 2^31 are not supported by cuBLAS");
  }
  const int ilda = static_cast<int>(lda), ildb = static_cast<int>(ldb), ildc = static_cast<int>(ldc);
  if (bt.outer == 1 && bt.inner == 1) {
    return cublas_check(cublasSgemm(h, opb, opa, in, im, ik, &alpha, b, ildb, a, ilda, &beta, c, ildc), "sgemm: cublasSgemm");
  }
  if (bt.inner > INT32_MAX) return fail(Status::out_of_range, "sgemm: more than 2^31 products in one batch");
  for (int64_t o = 0; o < bt.outer; ++o) {
    Status s = cublas_check(cublasSgemmStridedBatched(h, opb, opa, in, im, ik, &alpha, b + o * bt.b_outer, ildb,
                                                      bt.b_inner, a + o * bt.a_outer, ilda, bt.a_inner, &beta,
                                                      c + o * bt.c_outer, ildc, bt.c_inner, static_cast<int>(bt.inner)),
                            "sgemm: cublasSgemmStridedBatched");
    if (s != Status::ok) return s;
  }
  return Status::ok;
}

}  // namespace shapca::cuda::gemm_detail
#endif  // SHAPCA_HAVE_CUBLAS
