// The permutation scan on the GPU (math in kernels/shapley.h, layout in shapley_internal.h):
// forward marginals per (game, permutation), their average per (game, player), the reverse
// scans of the backward and cosine-sum's Gram gradient.
#include <cmath>

#include "launch.cuh"
#include "shapley.h"
#include "shapley_internal.h"

namespace shapca::cuda {

using shapley_detail::Scan;

namespace {

// x[(r,p),j] = v(π_≤t) − v(π_<t) for player p = π_t of permutation r in game j.
__global__ void scan_forward_kernel(Scan sc) {
  const int64_t k = sc.k, n = sc.n;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n * sc.m;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = e % n, r = e / n;
    const int32_t* perm = sc.perms + r * k;
    double* x = sc.x + r * k * n + j;
    double a = 0.0, b = 0.0, prev = 0.0;
    if (sc.u == ShapleyUtility::softmax_expectation) {
      const double off = sc.off[j];
#pragma unroll 8
      for (int64_t t = 0; t < k; ++t) {
        const int64_t p = perm[t];
        a += sc.num[p * n + j];
        b += sc.den[p * n + j];
        const double v = off + a / b;
        x[p * n] = v - prev;
        prev = v;
      }
    } else {
      const double* c = sc.u == ShapleyUtility::cosine_sum ? sc.c + r * k : sc.c;
#pragma unroll 8
      for (int64_t t = 0; t < k; ++t) {
        const int64_t p = perm[t];
        a += sc.num[p * n + j];
        const double v = c[t] * a;
        x[p * n] = v - prev;
        prev = v;
      }
    }
  }
}

// Per (game j, player i): the sample mean over permutations (or antithetic pairs) in order, and
// the standard error from shifted sums (the first sample is the shift), as the CPU.
__global__ void estimate_kernel(Scan sc, float* phi, float* stderr, bool antithetic) {
  const int64_t k = sc.k, n = sc.n, kn = k * n;
  const int64_t per = antithetic ? 2 : 1, samples = sc.m / per;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < kn;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = e / n, j = e % n;
    const double* x = sc.x + i * n + j;
    double sum = 0.0, shift = 0.0, dsum = 0.0, sq = 0.0;
    for (int64_t q = 0; q < samples; ++q) {
      double v = 0.0;
      for (int64_t r = q * per; r < (q + 1) * per; ++r) v += x[r * kn] / static_cast<double>(per);
      sum += v;
      if (q == 0) shift = v;
      dsum += v - shift;
      sq += (v - shift) * (v - shift);
    }
    const double qn = static_cast<double>(samples), mean = sum / qn;
    sc.phi[j * k + i] = mean;
    if (phi) phi[j * k + i] = static_cast<float>(mean);
    if (stderr) {
      const double var = samples < 2 ? NAN : fmax(0.0, (sq - dsum * dsum / qn) / (qn - 1.0));
      stderr[j * k + i] = static_cast<float>(sqrt(var / qn));
    }
  }
}

// The CPU's reverse scans for permutation r in game j; writes the permutation's ∂/∂s into
// x[(r,p),j] and, for cosine-sum, its ∂/∂c_t terms into w2[(r,t),j].
__global__ void scan_backward_kernel(Scan sc) {
  const int64_t k = sc.k, n = sc.n;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n * sc.m;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = e % n, r = e / n, o = r * k * n + j;
    const int32_t* perm = sc.perms + r * k;
    double *ds = sc.x + o, *w1 = sc.w1 + o, *w2 = sc.w2 + o;
    if (sc.u == ShapleyUtility::softmax_expectation) {
      double a = 0.0, b = 0.0;
#pragma unroll 8
      for (int64_t t = 0; t < k; ++t) {  // w1 = 1/B_t, w2 = ṽ_t = A_t/B_t
        const int64_t p = perm[t];
        a += sc.num[p * n + j];
        b += sc.den[p * n + j];
        const double ib = 1.0 / b;
        w1[t * n] = ib;
        w2[t * n] = a * ib;
      }
      double r1 = 0.0, r2 = 0.0, next = 0.0;
#pragma unroll 8
      for (int64_t t = k - 1; t >= 0; --t) {
        const int64_t p = perm[t];
        const double dd = sc.dx[p * n + j];
        const double g = (dd - next) * w1[t * n];
        next = dd;
        r1 += g;
        r2 += g * w2[t * n];
        ds[p * n] = sc.den[p * n + j] * (r1 + (sc.st[p * n + j] * r1 - r2) * sc.inv_tau);
      }
    } else {
      const bool cosine = sc.u == ShapleyUtility::cosine_sum;
      const double* c = cosine ? sc.c + r * k : sc.c;
      double acc = 0.0;
      for (int64_t t = 0; t < k; ++t) w1[t * n] = acc += sc.num[perm[t] * n + j];  // N_t
      double run = 0.0, next = 0.0;
#pragma unroll 8
      for (int64_t t = k - 1; t >= 0; --t) {
        const int64_t p = perm[t];
        const double dd = sc.dx[p * n + j];
        const double dv = dd - next;
        next = dd;
        run += dv * c[t];
        ds[p * n] = run;
        if (cosine) w2[t * n] = dv * w1[t * n];
      }
    }
  }
}

// ds[i,j] += Σ_r x[(r,i),j], in permutation order.
__global__ void sum_permutations_kernel(float* ds, const double* x, int64_t kn, int64_t m) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < kn;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double acc = 0.0;
    for (int64_t r = 0; r < m; ++r) acc += x[r * kn + e];
    ds[e] += static_cast<float>(acc);
  }
}

// cosine-sum, per permutation r: dc_t = Σ_j w2[(r,t),j], dQ_t = −dc_t·c_t³/2, suffix sums
// rsum[r,t] = Σ_{t' ≥ t} dQ_t', and each player's position.
__global__ void gram_suffix_kernel(Scan sc) {
  const int64_t k = sc.k, n = sc.n;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < sc.m;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    double run = 0.0;
    for (int64_t t = k - 1; t >= 0; --t) {
      const double* w = sc.w2 + (r * k + t) * n;
      double dct = 0.0;
      for (int64_t j = 0; j < n; ++j) dct += w[j];
      const double ct = sc.c[r * k + t];
      run += -0.5 * dct * ct * ct * ct;
      sc.rsum[r * k + t] = run;
      sc.pos[r * k + sc.perms[r * k + t]] = static_cast<int32_t>(t);
    }
  }
}

// dG[a,b] += Σ_r rsum[r, max(pos_r(a), pos_r(b))].
__global__ void gram_backward_kernel(float* dg, Scan sc) {
  const int64_t k = sc.k;
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < k * k;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t a = e / k, b = e % k;
    double acc = 0.0;
    for (int64_t r = 0; r < sc.m; ++r) {
      const int32_t pa = sc.pos[r * k + a], pb = sc.pos[r * k + b];
      acc += sc.rsum[r * k + (pa > pb ? pa : pb)];
    }
    dg[e] += static_cast<float>(acc);
  }
}

// dx (k,n) = dphi (n,k)ᵀ / M.
__global__ void scale_dphi_kernel(double* dx, const float* dphi, int64_t k, int64_t n, double inv_m) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < k * n;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t i = e / n, j = e % n;
    dx[e] = dphi[j * k + i] * inv_m;
  }
}

constexpr int kScanThreads = 128;

Status begin(const char* what, Scan& sc, void** base, const float* s, const float* g, const int32_t* perms, int64_t k,
             int64_t n, int64_t m, ShapleyUtility u, float tau_u, bool backward) {
  if (Status st = shapley_detail::check_games(what, s, g, k, n, u, tau_u); st != Status::ok) return st;
  if (Status st = shapley_detail::check_permutations(what, perms, k, m); st != Status::ok) return st;
  Carve carve;
  const shapley_detail::ScanLayout layout = shapley_detail::scan_layout(carve, k, n, m, backward);
  if (Status st = workspace(base, carve.bytes, Slot::shapley, what); st != Status::ok) return st;
  sc = shapley_detail::scan_at(*base, layout, k, n, m, backward);
  sc.s = s, sc.g = g, sc.perms = perms;
  return shapley_detail::scan_prepare(sc, u, tau_u);
}

}  // namespace

namespace shapley_detail {

Status scan_forward(const Scan& sc) {
  launch(scan_forward_kernel, grid_for(sc.n * sc.m, kScanThreads), kScanThreads, sc);
  return check_launch("shapley scan");
}

Status scan_estimate(const Scan& sc, float* phi, float* stderr, bool antithetic) {
  launch(estimate_kernel, grid_for(sc.k * sc.n), kBlock, sc, phi, stderr, antithetic);
  return check_launch("shapley estimate");
}

Status scan_backward(const Scan& sc, float* ds, float* dg) {
  launch(scan_backward_kernel, grid_for(sc.n * sc.m, kScanThreads), kScanThreads, sc);
  if (Status st = check_launch("shapley backward scan"); st != Status::ok) return st;
  launch(sum_permutations_kernel, grid_for(sc.k * sc.n), kBlock, ds, static_cast<const double*>(sc.x), sc.k * sc.n, sc.m);
  if (Status st = check_launch("shapley backward sum"); st != Status::ok) return st;
  if (sc.u != ShapleyUtility::cosine_sum) return Status::ok;
  launch(gram_suffix_kernel, grid_for(sc.m, 32), 32, sc);
  if (Status st = check_launch("shapley Gram suffix sums"); st != Status::ok) return st;
  launch(gram_backward_kernel, grid_for(sc.k * sc.k), kBlock, dg, sc);
  return check_launch("shapley Gram backward");
}

}  // namespace shapley_detail

Status shapley_permutation_forward(float* phi, float* stderr, const float* s, const float* g, const int32_t* perms,
                                   int64_t k, int64_t n, int64_t m, bool antithetic, ShapleyUtility u, float tau_u) {
  const char* what = "shapley_permutation_forward";
  if (antithetic && m % 2 != 0) {
    return fail(Status::invalid_argument, "%s: antithetic sampling needs an even number of permutations, received %lld",
                what, static_cast<long long>(m));
  }
  if (n > 0 && phi == nullptr) return fail(Status::invalid_argument, "%s: phi is null", what);
  Scan sc;
  void* base = nullptr;
  if (Status st = begin(what, sc, &base, s, g, perms, k, n, m, u, tau_u, false); st != Status::ok || n == 0) return st;
  if (Status st = shapley_detail::scan_forward(sc); st != Status::ok) return st;
  return shapley_detail::scan_estimate(sc, phi, stderr, antithetic);
}

Status shapley_permutation_backward(float* ds, float* dg, const float* dphi, const float* s, const float* g,
                                    const int32_t* perms, int64_t k, int64_t n, int64_t m, ShapleyUtility u,
                                    float tau_u) {
  const char* what = "shapley_permutation_backward";
  if (n > 0 && (ds == nullptr || dphi == nullptr)) return fail(Status::invalid_argument, "%s: ds or dphi is null", what);
  if (u == ShapleyUtility::cosine_sum && dg == nullptr) {
    return fail(Status::invalid_argument, "%s: cosine-sum needs dg for the Gram matrix's gradient", what);
  }
  Scan sc;
  void* base = nullptr;
  if (Status st = begin(what, sc, &base, s, g, perms, k, n, m, u, tau_u, true); st != Status::ok || n == 0) return st;
  launch(scale_dphi_kernel, grid_for(k * n), kBlock, sc.dx, dphi, k, n, 1.0 / static_cast<double>(m));
  if (Status st = check_launch(what); st != Status::ok) return st;
  return shapley_detail::scan_backward(sc, ds, dg);
}

}  // namespace shapca::cuda
