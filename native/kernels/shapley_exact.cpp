// Exact Shapley values by Gray-code enumeration of all 2^k coalitions (math in shapley.h):
// for a game given as a table, and for the n embedding games at once.
#include <cmath>
#include <vector>

#include "shapley_internal.h"

namespace shapca {

using namespace shapley_detail;

namespace {

constexpr int64_t kMaxTasks = 64;  // fixed partition of the walk: results independent of threads
constexpr int64_t L = kGameBlock;

inline uint64_t gray(uint64_t t) { return t ^ (t >> 1); }

// Per coalition size s: a[s] = w(s−1) + w(s) (members' weight), b[s] = w(s) (everyone's).
void coalition_weights(std::vector<double>& a, std::vector<double>& b, int64_t k) {
  b.resize(k + 1);
  shapley_weights(b.data(), k);
  a.resize(k + 1);
  a[0] = 0.0;
  for (int64_t s = 1; s <= k; ++s) a[s] = b[s - 1] + b[s];
}

}  // namespace

Status shapley_exact_game(double* phi, const double* values, int64_t k) {
  const char* what = "shapley_exact_game";
  if (k < 1 || k > kShapleyExactMaxPlayers) {
    return fail(Status::out_of_range, "%s: exact enumeration visits 2^k coalitions: expected 1 <= k <= %lld but received %lld",
                what, static_cast<long long>(kShapleyExactMaxPlayers), static_cast<long long>(k));
  }
  if (phi == nullptr || values == nullptr) return fail(Status::invalid_argument, "%s: a null buffer was passed", what);
  const int64_t total = int64_t{1} << k;
  for (int64_t i = 0; i < total; ++i) {
    if (!std::isfinite(values[i])) {
      return fail(Status::non_finite, "%s: values[%lld] is not finite", what, static_cast<long long>(i));
    }
  }
  return guarded(what, [&]() -> Status {
    std::vector<double> a, b;
    coalition_weights(a, b, k);
    const int64_t chunk_bits = std::min<int64_t>(k, 12), chunk = int64_t{1} << chunk_bits;
    const int64_t chunks = total / chunk, tasks = std::min(chunks, kMaxTasks), per_task = chunks / tasks;
    const double v0 = values[0];  // v(∅): the Shapley values do not depend on it
    std::vector<double> partial(tasks * (k + 1), 0.0);  // per task: T (k), C
    Status st = run_tasks(what, tasks, [&](int64_t task) {
      double* tsum = partial.data() + task * (k + 1);
      double csum = 0.0;
      std::vector<double> start(k);
      for (int64_t ch = task * per_task; ch < (task + 1) * per_task; ++ch) {
        const uint64_t t0 = static_cast<uint64_t>(ch * chunk);
        double u = 0.0;  // running Σ a(|S|)·v(S) since the chunk began
        for (int64_t i = 0; i < k; ++i) start[i] = 0.0;
        for (uint64_t t = t0; t < t0 + static_cast<uint64_t>(chunk); ++t) {
          const uint64_t s = gray(t);
          if (t != t0) {
            const int bit = __builtin_ctzll(t);
            if ((s >> bit) & 1u) {
              start[bit] = u;
            } else {
              tsum[bit] += u - start[bit];
            }
          }
          const int size = __builtin_popcountll(s);
          const double v = values[s] - v0;
          u += a[size] * v;
          csum += b[size] * v;
        }
        const uint64_t last = gray(t0 + static_cast<uint64_t>(chunk) - 1);
        for (int64_t i = 0; i < k; ++i) {
          if ((last >> i) & 1u) tsum[i] += u - start[i];
        }
      }
      tsum[k] = csum;
    });
    if (st != Status::ok) return st;
    for (int64_t i = 0; i < k; ++i) {
      double t = 0.0, c = 0.0;
      for (int64_t task = 0; task < tasks; ++task) {
        t += partial[task * (k + 1) + i];
        c += partial[task * (k + 1) + k];
      }
      phi[i] = t - c;
    }
    return Status::ok;
  });
}

Status shapley_exact_forward(float* phi, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                             float tau_u) {
  const char* what = "shapley_exact_forward";
  if (k > kShapleyExactMaxPlayers) {
    return fail(Status::out_of_range, "%s: exact enumeration visits 2^k coalitions: expected k <= %lld but received %lld",
                what, static_cast<long long>(kShapleyExactMaxPlayers), static_cast<long long>(k));
  }
  if (Status st = check_games(what, s, g, k, n, u, tau_u); st != Status::ok) return st;
  if (n > 0 && phi == nullptr) return fail(Status::invalid_argument, "%s: phi is null", what);
  if (n == 0) return Status::ok;
  return guarded(what, [&]() -> Status {
    std::vector<double> a, b;
    coalition_weights(a, b, k);
    // Low players 0..lb−1 come from subset-sum tables; high players are summed once per chunk.
    const int64_t lb = std::min<int64_t>(k, 10), hb = k - lb, low = int64_t{1} << lb;
    const int64_t highs = int64_t{1} << hb, htasks = hb >= 6 ? kMaxTasks : 1, per_task = highs / htasks;
    const int64_t blocks = (n + L - 1) / L;
    const bool softmax = u == ShapleyUtility::softmax_expectation, cosine = u == ShapleyUtility::cosine_sum;
    const double inv_tau = softmax ? 1.0 / tau_u : 0.0;
    std::vector<double> partial(blocks * htasks * (k + 1) * L, 0.0);  // per task: T (k,L), C (L)

    Status st = run_tasks(what, blocks * htasks, [&](int64_t task) {
      const int64_t blk = task / htasks, ht = task % htasks, j0 = blk * L, nb = std::min(L, n - j0);
      // Per-player tables of this block: num = w·s̃ and den = w (softmax-expectation), else num = s.
      std::vector<double> num(k * L, 0.0), den(softmax ? k * L : 0, 1.0), off(L, 0.0);
      for (int64_t q = 0; q < nb; ++q) {
        double m = s[j0 + q];
        for (int64_t i = 1; i < k && softmax; ++i) m = std::fmax(m, static_cast<double>(s[i * n + j0 + q]));
        if (softmax) off[q] = m;
        for (int64_t i = 0; i < k; ++i) {
          const double v = s[i * n + j0 + q];
          if (softmax) {
            den[i * L + q] = std::exp((v - m) * inv_tau);
            num[i * L + q] = den[i * L + q] * (v - m);
          } else {
            num[i * L + q] = v;
          }
        }
      }
      // Subset-sum tables over the low players: entry m = entry m∖{lowest} + that player.
      std::vector<double> lo_num(low * L, 0.0), lo_den(softmax ? low * L : 0, 0.0), lo_q(cosine ? low : 0, 0.0);
      std::vector<int> lo_cnt(low, 0);
      for (int64_t m = 1; m < low; ++m) {
        const int64_t rest = m & (m - 1), p = __builtin_ctzll(static_cast<uint64_t>(m));
        lo_cnt[m] = lo_cnt[rest] + 1;
        for (int64_t q = 0; q < L; ++q) lo_num[m * L + q] = lo_num[rest * L + q] + num[p * L + q];
        if (softmax) {
          for (int64_t q = 0; q < L; ++q) lo_den[m * L + q] = lo_den[rest * L + q] + den[p * L + q];
        }
        if (cosine) {
          double cross = 0.0;
          for (int64_t o = rest; o != 0; o &= o - 1) cross += g[__builtin_ctzll(static_cast<uint64_t>(o)) * k + p];
          lo_q[m] = lo_q[rest] + 2.0 * cross + g[p * k + p];
        }
      }

      double* tsum = partial.data() + task * (k + 1) * L;
      double* csum = tsum + k * L;
      std::vector<double> start(k * L), uacc(L), hi_num(L), hi_den(L), cross_lo(cosine ? low : 0), r(lb);
      for (int64_t h = ht * per_task; h < (ht + 1) * per_task; ++h) {
        const uint64_t hm = gray(static_cast<uint64_t>(h));
        const int hcnt = __builtin_popcountll(hm);
        for (int64_t q = 0; q < L; ++q) hi_num[q] = hi_den[q] = 0.0;
        for (uint64_t o = hm; o != 0; o &= o - 1) {
          const int64_t p = lb + __builtin_ctzll(o);
          for (int64_t q = 0; q < L; ++q) hi_num[q] += num[p * L + q];
          if (softmax) {
            for (int64_t q = 0; q < L; ++q) hi_den[q] += den[p * L + q];
          }
        }
        double hi_q = 0.0;
        if (cosine) {  // Q(H ∪ S_lo) = Q(H) + Q(S_lo) + 2 Σ_{b ∈ S_lo} Σ_{a ∈ H} G_ab
          for (uint64_t o1 = hm; o1 != 0; o1 &= o1 - 1) {
            for (uint64_t o2 = hm; o2 != 0; o2 &= o2 - 1) hi_q += g[(lb + __builtin_ctzll(o1)) * k + lb + __builtin_ctzll(o2)];
          }
          for (int64_t bl = 0; bl < lb; ++bl) {
            r[bl] = 0.0;
            for (uint64_t o = hm; o != 0; o &= o - 1) r[bl] += g[(lb + __builtin_ctzll(o)) * k + bl];
          }
          for (int64_t m = 1; m < low; ++m) cross_lo[m] = cross_lo[m & (m - 1)] + r[__builtin_ctzll(static_cast<uint64_t>(m))];
        }
        const uint64_t t0 = static_cast<uint64_t>(h) << lb;
        for (int64_t q = 0; q < L; ++q) uacc[q] = 0.0;
        for (int64_t i = 0; i < k * L; ++i) start[i] = 0.0;
        for (uint64_t t = t0; t < t0 + static_cast<uint64_t>(low); ++t) {
          const uint64_t sm = gray(t);
          if (t != t0) {  // one low player entered or left: open or bank its interval
            const int64_t bit = __builtin_ctzll(t);
            double* st_row = start.data() + bit * L;
            if ((sm >> bit) & 1u) {
              for (int64_t q = 0; q < L; ++q) st_row[q] = uacc[q];
            } else {
              for (int64_t q = 0; q < L; ++q) tsum[bit * L + q] += uacc[q] - st_row[q];
            }
          }
          const int64_t lm = static_cast<int64_t>(sm) & (low - 1);
          const int size = hcnt + lo_cnt[lm];
          if (size == 0) continue;  // v(∅) = 0
          const double wa = a[size], wb = b[size];
          const double* ln = lo_num.data() + lm * L;
          if (softmax) {
            const double* ld = lo_den.data() + lm * L;
            for (int64_t q = 0; q < L; ++q) {
              const double v = off[q] + (hi_num[q] + ln[q]) / (hi_den[q] + ld[q]);
              uacc[q] += wa * v;
              csum[q] += wb * v;
            }
          } else {
            double scale = 1.0 / size;
            if (cosine) {
              const double qn = hi_q + lo_q[lm] + 2.0 * cross_lo[lm];
              scale = qn > kQFloor ? 1.0 / std::sqrt(qn) : 0.0;
            }
            for (int64_t q = 0; q < L; ++q) {
              const double v = (hi_num[q] + ln[q]) * scale;
              uacc[q] += wa * v;
              csum[q] += wb * v;
            }
          }
        }
        const uint64_t last = gray(t0 + static_cast<uint64_t>(low) - 1);
        for (int64_t i = 0; i < k; ++i) {
          if ((last >> i) & 1u) {
            for (int64_t q = 0; q < L; ++q) tsum[i * L + q] += uacc[q] - start[i * L + q];
          }
        }
      }
    });
    if (st != Status::ok) return st;
    for (int64_t blk = 0; blk < blocks; ++blk) {
      const int64_t j0 = blk * L, nb = std::min(L, n - j0);
      for (int64_t q = 0; q < nb; ++q) {
        for (int64_t i = 0; i < k; ++i) {
          double t = 0.0, c = 0.0;
          for (int64_t ht = 0; ht < htasks; ++ht) {
            const double* part = partial.data() + (blk * htasks + ht) * (k + 1) * L;
            t += part[i * L + q];
            c += part[k * L + q];
          }
          phi[(j0 + q) * k + i] = static_cast<float>(t - c);
        }
      }
    }
    return Status::ok;
  });
}

}  // namespace shapca
