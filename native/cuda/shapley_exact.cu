// Exact Shapley values by Gray-code enumeration (math in kernels/shapley.h). The 2^k walk is cut
// into stretches of 2^10 coalitions; a thread walks a run of stretches for one game, with the
// CPU's accounting: a running total U of a(|S|)·v(S), each player banking U − U_entered when
// it leaves, and C = Σ b(|S|)·v(S); per-thread partials are added in order by a second kernel.
// A coalition's sums (N, D, and cosine-sum's Q) are summed afresh over its members, so nothing
// drifts by subtraction; Q is updated by the entering/leaving player's cross terms.
#include <cmath>
#include <vector>

#include "launch.cuh"
#include "shapley.h"
#include "shapley_internal.h"

namespace shapca::cuda {

namespace {

constexpr int kMaxK = static_cast<int>(kShapleyExactMaxPlayers);
constexpr int kStretchBits = 10;
constexpr int64_t kMaxTasks = 1024;  // walks per game

struct Weights {
  double a[kMaxK + 1];  // members' weight per coalition size: w(s−1) + w(s)
  double b[kMaxK + 1];  // everyone's: w(s)
};

Weights coalition_weights(int64_t k) {
  Weights w{};
  std::vector<double> ws(k + 1);
  ws[0] = 1.0 / static_cast<double>(k);
  for (int64_t s = 0; s + 1 < k; ++s) ws[s + 1] = ws[s] * static_cast<double>(s + 1) / static_cast<double>(k - s - 1);
  ws[k] = 0.0;
  for (int64_t s = 0; s <= k; ++s) w.b[s] = ws[s];
  w.a[0] = 0.0;
  for (int64_t s = 1; s <= k; ++s) w.a[s] = ws[s - 1] + ws[s];
  return w;
}

__device__ inline uint64_t gray(uint64_t t) { return t ^ (t >> 1); }

// The walk over coalitions [first, last) of the Gray order; value(s) gives v(S). tsum (k) and
// csum accumulate the thread's partial sums.
template <typename Value>
__device__ void walk(double* tsum, double* csum, int k, uint64_t first, uint64_t last, uint64_t stretch,
                     const Weights& w, Value value) {
  double start[kMaxK];
  for (uint64_t t0 = first; t0 < last; t0 += stretch) {
    double u = 0.0;
    for (int i = 0; i < k; ++i) start[i] = 0.0;
    for (uint64_t t = t0; t < t0 + stretch; ++t) {
      const uint64_t s = gray(t);
      if (t != t0) {
        const int bit = __ffsll(static_cast<long long>(t)) - 1;
        if ((s >> bit) & 1u) {
          start[bit] = u;
        } else {
          tsum[bit] += u - start[bit];
        }
      }
      const int size = __popcll(s);
      if (size == 0) continue;  // v(∅) = 0
      const double v = value(s, t == t0 ? -1 : __ffsll(static_cast<long long>(t)) - 1);
      u += w.a[size] * v;
      *csum += w.b[size] * v;
    }
    const uint64_t end = gray(t0 + stretch - 1);
    for (int i = 0; i < k; ++i) {
      if ((end >> i) & 1u) tsum[i] += u - start[i];
    }
  }
}

// One game given as a table: thread = a run of stretches; partial (tasks, k+1).
__global__ void exact_game_kernel(double* partial, const double* values, int k, uint64_t stretch, int64_t per_task,
                                  int64_t tasks, Weights w) {
  const int64_t task = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (task >= tasks) return;
  double tsum[kMaxK], csum = 0.0;
  for (int i = 0; i < k; ++i) tsum[i] = 0.0;
  const double v0 = values[0];
  const uint64_t first = static_cast<uint64_t>(task * per_task) * stretch;
  walk(tsum, &csum, k, first, first + static_cast<uint64_t>(per_task) * stretch, stretch, w,
       [&](uint64_t s, int) { return values[s] - v0; });
  double* out = partial + task * (k + 1);
  for (int i = 0; i < k; ++i) out[i] = tsum[i];
  out[k] = csum;
}

// The n embedding games: thread = (task, game j), game fastest; partial (tasks, n, k+1).
__global__ void exact_games_kernel(double* partial, shapley_detail::Scan sc, int k, uint64_t stretch, int64_t per_task,
                                   int64_t tasks, Weights w) {
  const int64_t n = sc.n;
  const int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
  if (e >= tasks * n) return;
  const int64_t task = e / n, j = e % n;
  const bool softmax = sc.u == ShapleyUtility::softmax_expectation, cosine = sc.u == ShapleyUtility::cosine_sum;
  double tsum[kMaxK], csum = 0.0, q = 0.0;
  for (int i = 0; i < k; ++i) tsum[i] = 0.0;
  const double off = softmax ? sc.off[j] : 0.0;
  uint64_t prev = 0;  // the previous coalition, for cosine-sum's running Q
  const uint64_t first = static_cast<uint64_t>(task * per_task) * stretch;
  walk(tsum, &csum, k, first, first + static_cast<uint64_t>(per_task) * stretch, stretch, w, [&](uint64_t s, int flipped) {
    double num = 0.0, den = 0.0;
    for (uint64_t o = s; o != 0; o &= o - 1) {
      const int64_t p = __ffsll(static_cast<long long>(o)) - 1;
      num += sc.num[p * n + j];
      if (softmax) den += sc.den[p * n + j];
    }
    if (softmax) return off + num / den;
    if (!cosine) return num / __popcll(s);
    if (flipped < 0) {  // first coalition of a stretch: Q afresh
      q = 0.0;
      for (uint64_t o1 = s; o1 != 0; o1 &= o1 - 1) {
        for (uint64_t o2 = s; o2 != 0; o2 &= o2 - 1) {
          q += sc.g[(__ffsll(static_cast<long long>(o1)) - 1) * k + __ffsll(static_cast<long long>(o2)) - 1];
        }
      }
    } else {  // Q(S ± p) = Q(S) ± (2 Σ_{l ∈ S∖p} G_lp + G_pp)
      double cross = 0.0;
      const uint64_t rest = (s | prev) & ~(uint64_t{1} << flipped);
      for (uint64_t o = rest; o != 0; o &= o - 1) cross += sc.g[(__ffsll(static_cast<long long>(o)) - 1) * k + flipped];
      const double delta = 2.0 * cross + sc.g[static_cast<int64_t>(flipped) * k + flipped];
      q += ((s >> flipped) & 1u) ? delta : -delta;
    }
    prev = s;
    return q > shapley_detail::kQFloor ? num / sqrt(q) : 0.0;
  });
  double* out = partial + (task * n + j) * (k + 1);
  for (int i = 0; i < k; ++i) out[i] = tsum[i];
  out[k] = csum;
}

// phi[j*k+i] = Σ_tasks T_i − Σ_tasks C, tasks in order (games = 1 for the table version).
template <typename Out>
__global__ void exact_reduce_kernel(Out* phi, const double* partial, int64_t tasks, int64_t n, int k) {
  for (int64_t e = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; e < n * k;
       e += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int64_t j = e / k, i = e % k;
    double t = 0.0, c = 0.0;
    for (int64_t task = 0; task < tasks; ++task) {
      const double* part = partial + (task * n + j) * (k + 1);
      t += part[i];
      c += part[k];
    }
    phi[e] = static_cast<Out>(t - c);
  }
}

__global__ void check_values_kernel(unsigned long long* bad, const double* values, int64_t total) {
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < total;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    if (!isfinite(values[i])) flag_index(bad, i);
  }
}

// Stretch length and how many stretches each of the tasks walks.
void partition(int64_t k, uint64_t* stretch, int64_t* per_task, int64_t* tasks) {
  const int64_t bits = k < kStretchBits ? k : kStretchBits;
  *stretch = uint64_t{1} << bits;
  const int64_t stretches = int64_t{1} << (k - bits);
  *tasks = stretches < kMaxTasks ? stretches : kMaxTasks;
  *per_task = stretches / *tasks;
}

Status check_k(const char* what, int64_t k) {
  if (k < 1 || k > kShapleyExactMaxPlayers) {
    return fail(Status::out_of_range,
                "%s: exact enumeration visits 2^k coalitions: expected 1 <= k <= %lld but received %lld", what,
                static_cast<long long>(kShapleyExactMaxPlayers), static_cast<long long>(k));
  }
  return Status::ok;
}

}  // namespace

Status shapley_exact_game(double* phi, const double* values, int64_t k) {
  const char* what = "shapley_exact_game";
  if (Status s = check_k(what, k); s != Status::ok) return s;
  if (phi == nullptr || values == nullptr) return fail(Status::invalid_argument, "%s: a null buffer was passed", what);
  const int64_t total = int64_t{1} << k;
  Checks checks;
  if (Status s = checks_reset(&checks, what); s != Status::ok) return s;
  launch(check_values_kernel, grid_for(total), kBlock, checks.device, values, total);
  if (Status s = check_launch(what); s != Status::ok) return s;
  unsigned long long bad[kCheckCount];
  if (Status s = checks_read(checks, bad, what); s != Status::ok) return s;
  if (bad[0] != kCheckNone) return fail(Status::non_finite, "%s: values[%llu] is not finite", what, bad[0]);
  uint64_t stretch = 0;
  int64_t per_task = 0, tasks = 0;
  partition(k, &stretch, &per_task, &tasks);
  void* ws = nullptr;
  if (Status s = workspace(&ws, tasks * (k + 1) * sizeof(double), Slot::leaf, what); s != Status::ok) return s;
  double* partial = static_cast<double*>(ws);
  launch(exact_game_kernel, grid_for(tasks, 64), 64, partial, values, static_cast<int>(k), stretch, per_task, tasks,
         coalition_weights(k));
  if (Status s = check_launch(what); s != Status::ok) return s;
  launch(exact_reduce_kernel<double>, grid_for(k), kBlock, phi, static_cast<const double*>(partial), tasks, int64_t{1},
         static_cast<int>(k));
  return check_launch(what);
}

Status shapley_exact_forward(float* phi, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                             float tau_u) {
  const char* what = "shapley_exact_forward";
  if (k > kShapleyExactMaxPlayers) return check_k(what, k);
  if (Status st = shapley_detail::check_games(what, s, g, k, n, u, tau_u); st != Status::ok) return st;
  if (n > 0 && phi == nullptr) return fail(Status::invalid_argument, "%s: phi is null", what);
  if (n == 0) return Status::ok;
  uint64_t stretch = 0;
  int64_t per_task = 0, tasks = 0;
  partition(k, &stretch, &per_task, &tasks);
  Carve carve;
  const size_t onum = carve.add<double>(k * n), oden = carve.add<double>(k * n), ost = carve.add<double>(k * n),
               ooff = carve.add<double>(n), opart = carve.add<double>(tasks * n * (k + 1));
  void* base = nullptr;
  if (Status st = workspace(&base, carve.bytes, Slot::shapley, what); st != Status::ok) return st;
  shapley_detail::Scan sc;
  sc.k = k, sc.n = n, sc.m = 0, sc.s = s, sc.g = g;
  sc.num = Carve::at<double>(base, onum), sc.den = Carve::at<double>(base, oden);
  sc.st = Carve::at<double>(base, ost), sc.off = Carve::at<double>(base, ooff);
  double* partial = Carve::at<double>(base, opart);
  if (Status st = shapley_detail::scan_prepare(sc, u, tau_u); st != Status::ok) return st;
  launch(exact_games_kernel, grid_for(tasks * n, 64), 64, partial, sc, static_cast<int>(k), stretch, per_task, tasks,
         coalition_weights(k));
  if (Status st = check_launch(what); st != Status::ok) return st;
  launch(exact_reduce_kernel<float>, grid_for(n * k), kBlock, phi, static_cast<const double*>(partial), tasks, n,
         static_cast<int>(k));
  return check_launch(what);
}

}  // namespace shapca::cuda
