// Permutation draws, input checks, scan tables and position coefficients (shapley_internal.h).
#include <cmath>
#include <vector>

#include "device_buffer.h"
#include "launch.cuh"
#include "philox.cuh"
#include "shapley.h"
#include "shapley_internal.h"

namespace shapca::cuda {

namespace {

__global__ void permutations_kernel(int32_t* perms, int64_t k, int64_t draws, bool antithetic, uint64_t seed) {
  for (int64_t q = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; q < draws;
       q += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    philox_permutation(perms + (antithetic ? 2 * q : q) * k, k, seed, static_cast<uint64_t>(q), antithetic);
  }
}

// Counters: 0 first non-finite s, 1 first game whose spread exp() cannot carry, 2 first player
// with a bad Gram diagonal, 3 first non-finite G entry.
__global__ void check_games_kernel(unsigned long long* bad, const float* s, const float* g, int64_t k, int64_t n,
                                   int utility, float tau_u) {
  const int64_t stride = static_cast<int64_t>(gridDim.x) * blockDim.x;
  const int64_t first = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  for (int64_t j = first; j < n; j += stride) {
    float lo = s[j], hi = s[j];
    bool finite = true;
    for (int64_t i = 0; i < k; ++i) {
      const float v = s[i * n + j];
      if (!isfinite(v)) {
        flag_index(bad, i * n + j);
        finite = false;
        continue;
      }
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    if (finite && utility == static_cast<int>(ShapleyUtility::softmax_expectation) &&
        (static_cast<double>(hi) - lo) / tau_u > shapley_detail::kMaxExpSpread) {
      flag_index(bad + 1, j);
    }
  }
  if (utility != static_cast<int>(ShapleyUtility::cosine_sum)) return;
  for (int64_t e = first; e < k * k; e += stride) {
    const float v = g[e];
    if (e / k == e % k && !(v > 0.0f && isfinite(v))) flag_index(bad + 2, e / k);
    if (!isfinite(v)) flag_index(bad + 3, e);
  }
}

// One thread per permutation; seen is a bitset per row, zeroed by the caller.
__global__ void check_permutations_kernel(unsigned long long* bad, uint32_t* seen, const int32_t* perms, int64_t k,
                                          int64_t m) {
  const int64_t words = (k + 31) / 32;
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < m;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    uint32_t* bits = seen + r * words;
    for (int64_t t = 0; t < k; ++t) {
      const int32_t p = perms[r * k + t];
      if (p < 0 || p >= k || (bits[p >> 5] >> (p & 31)) & 1u) {
        flag_index(bad, r);
        break;
      }
      bits[p >> 5] |= 1u << (p & 31);
    }
  }
}

// Tables of game j (thread j): the CPU's fill_block, laid out (k,n).
__global__ void tables_kernel(shapley_detail::Scan sc) {
  for (int64_t j = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; j < sc.n;
       j += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (sc.u != ShapleyUtility::softmax_expectation) {
      for (int64_t i = 0; i < sc.k; ++i) sc.num[i * sc.n + j] = sc.s[i * sc.n + j];
      continue;
    }
    float mx = sc.s[j];
    for (int64_t i = 1; i < sc.k; ++i) mx = sc.s[i * sc.n + j] > mx ? sc.s[i * sc.n + j] : mx;
    sc.off[j] = mx;
    for (int64_t i = 0; i < sc.k; ++i) {
      const int64_t e = i * sc.n + j;
      const double st = static_cast<double>(sc.s[e]) - mx;
      const double w = exp(st * sc.inv_tau);
      sc.st[e] = st;
      sc.den[e] = w;
      sc.num[e] = w * st;
    }
  }
}

// cosine-sum: c[r,t] = 1/sqrt(Q_t) of permutation r (thread r), Q_t = ||Σ_{l≤t} p_π_l||².
__global__ void cosine_coefficients_kernel(double* c, const float* g, const int32_t* perms, int64_t k, int64_t m) {
  for (int64_t r = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; r < m;
       r += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int32_t* perm = perms + r * k;
    double q = 0.0;
    for (int64_t t = 0; t < k; ++t) {
      const float* grow = g + static_cast<int64_t>(perm[t]) * k;
      double cross = 0.0;
      for (int64_t l = 0; l < t; ++l) cross += grow[perm[l]];
      q += 2.0 * cross + grow[perm[t]];
      c[r * k + t] = q > shapley_detail::kQFloor ? 1.0 / sqrt(q) : 0.0;
    }
  }
}

__global__ void mean_coefficients_kernel(double* c, int64_t k) {
  for (int64_t t = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; t < k;
       t += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    c[t] = 1.0 / static_cast<double>(t + 1);
  }
}

template <typename T>
Status fetch(T* out, const T* device, const char* what) {
  return check(cudaMemcpy(out, device, sizeof(T), cudaMemcpyDeviceToHost), what);
}

}  // namespace

Status shapley_permutations(int32_t* perms, int64_t k, int64_t m, bool antithetic, uint64_t seed) {
  if (k < 1 || k > INT32_MAX || m < 0) {
    return fail(Status::invalid_argument,
                "shapley_permutations: expected 1 <= k < 2^31 and m >= 0 but received k=%lld m=%lld",
                static_cast<long long>(k), static_cast<long long>(m));
  }
  if (antithetic && m % 2 != 0) {
    return fail(Status::invalid_argument,
                "shapley_permutations: antithetic sampling draws pairs: expected an even number of permutations but "
                "received %lld",
                static_cast<long long>(m));
  }
  if (m > 0 && perms == nullptr) return fail(Status::invalid_argument, "shapley_permutations: the output is null");
  const int64_t draws = antithetic ? m / 2 : m;
  if (draws == 0) return Status::ok;
  launch(permutations_kernel, grid_for(draws, 64), 64, perms, k, draws, antithetic, seed);
  return check_launch("shapley_permutations");
}

namespace shapley_detail {

Status launch_check_games(const char* what, unsigned long long* counters, const float* s, const float* g, int64_t k,
                          int64_t n, ShapleyUtility u, float tau_u) {
  if (k < 1 || n < 0) {
    return fail(Status::invalid_argument, "%s: expected k >= 1 and n >= 0 but received k=%lld n=%lld", what,
                static_cast<long long>(k), static_cast<long long>(n));
  }
  if (u != ShapleyUtility::softmax_expectation && u != ShapleyUtility::cosine_sum && u != ShapleyUtility::mean) {
    return fail(Status::invalid_argument, "%s: unknown utility %d", what, static_cast<int>(u));
  }
  if (n > 0 && s == nullptr) return fail(Status::invalid_argument, "%s: the similarity matrix is null", what);
  if (u == ShapleyUtility::softmax_expectation && (!(tau_u > 0.0f) || !std::isfinite(tau_u))) {
    return fail(Status::invalid_argument, "%s: expected tau_u > 0 but received %g", what, tau_u);
  }
  if (u == ShapleyUtility::cosine_sum && g == nullptr) {
    return fail(Status::invalid_argument, "%s: cosine-sum needs the Gram matrix G = P Pᵀ", what);
  }
  if (n == 0 && u != ShapleyUtility::cosine_sum) return Status::ok;
  const int64_t items = n > k * k ? n : k * k;
  launch(check_games_kernel, grid_for(items), kBlock, counters, s, g, k, n, static_cast<int>(u), tau_u);
  return check_launch(what);
}

Status report_games(const char* what, const unsigned long long* bad, const float* s, const float* g, int64_t k,
                    int64_t n, float tau_u) {
  if (bad[0] != kCheckNone) {
    const long long i = static_cast<long long>(bad[0]);
    return fail(Status::non_finite, "%s: similarity s[%lld] (player %lld, game %lld) is not finite", what, i,
                i / n, i % n);
  }
  if (bad[1] != kCheckNone) {
    const int64_t j = static_cast<int64_t>(bad[1]);
    std::vector<float> col(static_cast<size_t>(k));
    for (int64_t i = 0; i < k; ++i) {
      if (Status st = fetch(&col[i], s + i * n + j, what); st != Status::ok) return st;
    }
    float lo = col[0], hi = col[0];
    for (float v : col) lo = v < lo ? v : lo, hi = v > hi ? v : hi;
    return fail(Status::out_of_range,
                "%s: softmax-expectation weights exp(s/tau_u) underflow in game %lld (similarities span %g, "
                "tau_u=%g): normalise the vectors or raise tau_u",
                what, static_cast<long long>(j), static_cast<double>(hi) - lo, tau_u);
  }
  if (bad[2] != kCheckNone) {
    float v = 0.0f;
    if (Status st = fetch(&v, g + bad[2] * k + bad[2], what); st != Status::ok) return st;
    return fail(Status::invalid_argument,
                "%s: cosine-sum needs non-zero, finite players but player %lld has squared norm %g", what,
                static_cast<long long>(bad[2]), v);
  }
  if (bad[3] != kCheckNone) {
    return fail(Status::non_finite, "%s: G[%lld] is not finite", what, static_cast<long long>(bad[3]));
  }
  return Status::ok;
}

Status check_games(const char* what, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                   float tau_u) {
  Checks checks;
  if (Status st = checks_reset(&checks, what); st != Status::ok) return st;
  if (Status st = launch_check_games(what, checks.device, s, g, k, n, u, tau_u); st != Status::ok) return st;
  unsigned long long bad[kCheckCount];
  if (Status st = checks_read(checks, bad, what); st != Status::ok) return st;
  return report_games(what, bad, s, g, k, n, tau_u);
}

Status check_permutations(const char* what, const int32_t* perms, int64_t k, int64_t m) {
  if (m < 1) {
    return fail(Status::invalid_argument, "%s: expected at least 1 permutation but received %lld", what,
                static_cast<long long>(m));
  }
  if (perms == nullptr) return fail(Status::invalid_argument, "%s: the permutations are null", what);
  void* ws = nullptr;
  const size_t bytes = static_cast<size_t>(m * ((k + 31) / 32)) * sizeof(uint32_t);
  if (Status st = workspace(&ws, bytes, Slot::leaf, what); st != Status::ok) return st;
  if (Status st = check(cudaMemsetAsync(ws, 0, bytes), what); st != Status::ok) return st;
  Checks checks;
  if (Status st = checks_reset(&checks, what); st != Status::ok) return st;
  launch(check_permutations_kernel, grid_for(m, 64), 64, checks.device, static_cast<uint32_t*>(ws), perms, k, m);
  if (Status st = check_launch(what); st != Status::ok) return st;
  unsigned long long bad[kCheckCount];
  if (Status st = checks_read(checks, bad, what); st != Status::ok) return st;
  if (bad[0] != kCheckNone) {
    return fail(Status::invalid_argument, "%s: row %lld of the permutations is not a permutation of 0..%lld", what,
                static_cast<long long>(bad[0]), static_cast<long long>(k - 1));
  }
  return Status::ok;
}

ScanLayout scan_layout(Carve& c, int64_t k, int64_t n, int64_t m, bool backward) {
  ScanLayout l{};
  const size_t kn = static_cast<size_t>(k * n), mkn = static_cast<size_t>(m) * kn, mk = static_cast<size_t>(m * k);
  l.num = c.add<double>(kn);
  l.den = c.add<double>(kn);
  l.st = c.add<double>(kn);
  l.off = c.add<double>(static_cast<size_t>(n));
  l.c = c.add<double>(mk > static_cast<size_t>(k) ? mk : static_cast<size_t>(k));
  l.x = c.add<double>(mkn);
  l.phi = c.add<double>(kn);
  l.loss = c.add<double>(static_cast<size_t>(n));
  if (backward) {
    l.w1 = c.add<double>(mkn);
    l.w2 = c.add<double>(mkn);
    l.dx = c.add<double>(kn);
    l.rsum = c.add<double>(mk);
    l.pos = c.add<int32_t>(mk);
  }
  return l;
}

Scan scan_at(void* base, const ScanLayout& l, int64_t k, int64_t n, int64_t m, bool backward) {
  Scan sc;
  sc.k = k, sc.n = n, sc.m = m;
  sc.num = Carve::at<double>(base, l.num);
  sc.den = Carve::at<double>(base, l.den);
  sc.st = Carve::at<double>(base, l.st);
  sc.off = Carve::at<double>(base, l.off);
  sc.c = Carve::at<double>(base, l.c);
  sc.x = Carve::at<double>(base, l.x);
  sc.phi = Carve::at<double>(base, l.phi);
  sc.loss = Carve::at<double>(base, l.loss);
  if (backward) {
    sc.w1 = Carve::at<double>(base, l.w1);
    sc.w2 = Carve::at<double>(base, l.w2);
    sc.dx = Carve::at<double>(base, l.dx);
    sc.rsum = Carve::at<double>(base, l.rsum);
    sc.pos = Carve::at<int32_t>(base, l.pos);
  }
  return sc;
}

Status scan_prepare(Scan& sc, ShapleyUtility u, float tau_u) {
  sc.u = u;
  sc.inv_tau = u == ShapleyUtility::softmax_expectation ? 1.0 / tau_u : 0.0;
  launch(tables_kernel, grid_for(sc.n, 64), 64, sc);
  if (Status st = check_launch("shapley tables"); st != Status::ok) return st;
  if (sc.c == nullptr) return Status::ok;  // the exact walk needs no position coefficients
  if (u == ShapleyUtility::cosine_sum) {
    launch(cosine_coefficients_kernel, grid_for(sc.m, 32), 32, sc.c, sc.g, sc.perms, sc.k, sc.m);
  } else if (u == ShapleyUtility::mean) {
    launch(mean_coefficients_kernel, grid_for(sc.k), kBlock, sc.c, sc.k);
  }
  return check_launch("shapley coefficients");
}

}  // namespace shapley_detail

}  // namespace shapca::cuda
