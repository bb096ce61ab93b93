// Input checks, Shapley weights and permutation draws shared by the exact and sampled paths.
#include <cmath>
#include <vector>

#include "../core/rng.h"
#include "shapley_internal.h"

namespace shapca {

using namespace shapley_detail;

const char* shapley_utility_name(ShapleyUtility u) {
  switch (u) {
    case ShapleyUtility::softmax_expectation: return "softmax-expectation";
    case ShapleyUtility::cosine_sum: return "cosine-sum";
    case ShapleyUtility::mean: return "mean";
  }
  return "unknown";
}

namespace shapley_detail {

Status check_games(const char* what, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                   float tau_u) {
  if (k < 1 || n < 0) {
    return fail(Status::invalid_argument, "%s: expected k >= 1 and n >= 0 but received k=%lld n=%lld", what,
                static_cast<long long>(k), static_cast<long long>(n));
  }
  if (u != ShapleyUtility::softmax_expectation && u != ShapleyUtility::cosine_sum && u != ShapleyUtility::mean) {
    return fail(Status::invalid_argument, "%s: unknown utility %d", what, static_cast<int>(u));
  }
  if (n > 0 && s == nullptr) return fail(Status::invalid_argument, "%s: the similarity matrix is null", what);
  for (int64_t i = 0; i < k * n; ++i) {
    if (!std::isfinite(s[i])) {
      return fail(Status::non_finite, "%s: similarity s[%lld] (player %lld, game %lld) is not finite", what,
                  static_cast<long long>(i), static_cast<long long>(i / n), static_cast<long long>(i % n));
    }
  }
  if (u == ShapleyUtility::softmax_expectation) {
    if (!(tau_u > 0.0f) || !std::isfinite(tau_u)) {
      return fail(Status::invalid_argument, "%s: expected tau_u > 0 but received %g", what, tau_u);
    }
    for (int64_t j = 0; j < n; ++j) {
      float lo = s[j], hi = s[j];
      for (int64_t i = 1; i < k; ++i) {
        const float v = s[i * n + j];  // finite: checked above
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
      if ((static_cast<double>(hi) - lo) / tau_u > kMaxExpSpread) {
        return fail(Status::out_of_range,
                    "%s: softmax-expectation weights exp(s/tau_u) underflow in game %lld (similarities span %g, "
                    "tau_u=%g): normalise the vectors or raise tau_u",
                    what, static_cast<long long>(j), static_cast<double>(hi) - lo, tau_u);
      }
    }
  }
  if (u == ShapleyUtility::cosine_sum) {
    if (g == nullptr) return fail(Status::invalid_argument, "%s: cosine-sum needs the Gram matrix G = P Pᵀ", what);
    for (int64_t i = 0; i < k; ++i) {
      if (!(g[i * k + i] > 0.0f) || !std::isfinite(g[i * k + i])) {
        return fail(Status::invalid_argument,
                    "%s: cosine-sum needs non-zero, finite players but player %lld has squared norm %g", what,
                    static_cast<long long>(i), g[i * k + i]);
      }
    }
    for (int64_t i = 0; i < k * k; ++i) {
      if (!std::isfinite(g[i])) return fail(Status::non_finite, "%s: G[%lld] is not finite", what, static_cast<long long>(i));
    }
  }
  return Status::ok;
}

Status check_permutations(const char* what, const int32_t* perms, int64_t k, int64_t m) {
  if (m < 1) return fail(Status::invalid_argument, "%s: expected at least 1 permutation but received %lld", what, static_cast<long long>(m));
  if (perms == nullptr) return fail(Status::invalid_argument, "%s: the permutations are null", what);
  std::vector<int64_t> seen(static_cast<size_t>(k), -1);
  for (int64_t r = 0; r < m; ++r) {
    for (int64_t t = 0; t < k; ++t) {
      const int32_t p = perms[r * k + t];
      if (p < 0 || p >= k || seen[p] == r) {
        return fail(Status::invalid_argument, "%s: row %lld of the permutations is not a permutation of 0..%lld", what,
                    static_cast<long long>(r), static_cast<long long>(k - 1));
      }
      seen[p] = r;
    }
  }
  return Status::ok;
}

void shapley_weights(double* out, int64_t k) {
  // w(0) = 1/k, w(s+1) = w(s)·(s+1)/(k−s−1)
  out[0] = 1.0 / static_cast<double>(k);
  for (int64_t s = 0; s + 1 < k; ++s) out[s + 1] = out[s] * static_cast<double>(s + 1) / static_cast<double>(k - s - 1);
  out[k] = 0.0;
}

}  // namespace shapley_detail

Status shapley_permutations(int32_t* perms, int64_t k, int64_t m, bool antithetic, uint64_t seed) {
  if (k < 1 || k > INT32_MAX || m < 0) {
    return fail(Status::invalid_argument, "shapley_permutations: expected 1 <= k < 2^31 and m >= 0 but received k=%lld m=%lld",
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
  return run_tasks("shapley_permutations", draws, [&](int64_t q) {
    int32_t* row = perms + (antithetic ? 2 * q : q) * k;
    for (int64_t i = 0; i < k; ++i) row[i] = static_cast<int32_t>(i);
    CounterRng rng(seed, static_cast<uint64_t>(q));
    for (int64_t i = k - 1; i >= 1; --i) {  // Fisher–Yates
      const int64_t j = rng.next_below(static_cast<uint32_t>(i + 1));
      const int32_t tmp = row[i];
      row[i] = row[j];
      row[j] = tmp;
    }
    if (antithetic) {
      for (int64_t i = 0; i < k; ++i) row[k + i] = row[k - 1 - i];
    }
  });
}

}  // namespace shapca
