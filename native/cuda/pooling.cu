// Weighted mean pooling: a check kernel for the weights, per-sample weight totals, then
// element-wise kernels.
#include "heads.h"
#include "launch.cuh"
#include "workspace.h"

namespace shapca::cuda {

namespace {

// totals[b] = Σ_t w[b,t] in double; flags the first weight that is negative or not finite.
__global__ void weight_totals_kernel(double* totals, unsigned long long* bad, const float* w, int64_t b, int64_t t) {
  for (int64_t bi = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; bi < b;
       bi += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double s = 0.0;
    for (int64_t i = 0; i < t; ++i) {
      const float v = w[bi * t + i];
      if (!(v >= 0.0f) || !isfinite(v)) flag_index(bad, bi * t + i);
      s += v;
    }
    totals[bi] = s;
  }
}

__global__ void mean_pool_forward_kernel(float* out, const float* x, const float* w, const double* totals, int64_t b,
                                         int64_t t, int64_t c) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < b * c;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t bi = e / c, j = e % c;
    const double total = totals[bi];
    float acc = 0.0f;
    if (total != 0.0) {
      for (int64_t ti = 0; ti < t; ++ti) {
        const float wt = static_cast<float>(w[bi * t + ti] / total);
        if (wt != 0.0f) acc += wt * x[(bi * t + ti) * c + j];
      }
    }
    out[e] = acc;
  }
}

__global__ void mean_pool_backward_kernel(float* dx, const float* dout, const float* w, const double* totals, int64_t b,
                                          int64_t t, int64_t c) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < b * t * c;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t row = e / c, bi = row / t, j = e % c;
    const double total = totals[bi];
    if (total == 0.0) continue;
    const float wt = static_cast<float>(w[row] / total);
    if (wt != 0.0f) dx[e] += wt * dout[bi * c + j];
  }
}

Status totals(double** out, const char* what, const float* w, int64_t b, int64_t t) {
  void* ws = nullptr;
  if (Status s = workspace(&ws, static_cast<size_t>(b) * sizeof(double), Slot::leaf, what); s != Status::ok) return s;
  *out = static_cast<double*>(ws);
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  launch(weight_totals_kernel, grid_for(b), kBlock, *out, checks.device, w, b, t);
  if (Status s = check_launch(what); s != Status::ok) return s;
  unsigned long long bad[kCheckCount];
  if (Status s = checks_read(checks, bad, what); s != Status::ok) return s;
  if (bad[0] == kCheckNone) return Status::ok;
  float v = 0.0f;
  if (Status s = check(cudaMemcpy(&v, w + bad[0], sizeof v, cudaMemcpyDeviceToHost), what); s != Status::ok) return s;
  return fail(Status::invalid_argument, "%s: expected finite weights >= 0 but w[%llu] = %g", what, bad[0], v);
}

Status check_args(const char* what, int64_t b, int64_t t, int64_t c, const void* p0, const void* p1, const void* p2) {
  if (b < 0 || t < 0 || c < 0) return fail(Status::invalid_argument, "%s: expected non-negative sizes", what);
  if (b > 0 && t * c > 0 && (p0 == nullptr || p1 == nullptr || p2 == nullptr)) {
    return fail(Status::invalid_argument, "%s: a required buffer is null", what);
  }
  return Status::ok;
}

}  // namespace

Status mean_pool_forward(float* out, const float* x, const float* w, int64_t b, int64_t t, int64_t c) {
  const char* what = "mean_pool_forward";
  if (Status s = check_args(what, b, t, c, out, x, w); s != Status::ok) return s;
  if (b == 0 || t * c == 0) return Status::ok;
  double* tot = nullptr;
  if (Status s = totals(&tot, what, w, b, t); s != Status::ok) return s;
  launch(mean_pool_forward_kernel, grid_for(b * c), kBlock, out, x, w, static_cast<const double*>(tot), b, t, c);
  return check_launch(what);
}

Status mean_pool_backward(float* dx, const float* dout, const float* w, int64_t b, int64_t t, int64_t c) {
  const char* what = "mean_pool_backward";
  if (Status s = check_args(what, b, t, c, dx, dout, w); s != Status::ok) return s;
  if (b == 0 || t * c == 0) return Status::ok;
  double* tot = nullptr;
  if (Status s = totals(&tot, what, w, b, t); s != Status::ok) return s;
  launch(mean_pool_backward_kernel, grid_for(b * t * c), kBlock, dx, dout, w, static_cast<const double*>(tot), b, t, c);
  return check_launch(what);
}

}  // namespace shapca::cuda
