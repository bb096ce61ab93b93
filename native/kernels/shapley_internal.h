// Plumbing shared by the Shapley and contrastive units (not a public header): input checks,
// the game-block layout of the scans, and task runners that turn allocation failures into a
// status instead of an exception.
#pragma once
#include <atomic>
#include <cstdint>
#include <new>

#include "../core/status.h"
#include "../core/thread_pool.h"
#include "shapley.h"

namespace shapca::shapley_detail {

constexpr int64_t kGameBlock = 16;       // games per scan block: four ymm vectors of doubles
constexpr double kQFloor = 1e-20;        // cosine-sum: ||Σ p||² at or below this gives v = 0
constexpr double kMaxExpSpread = 700.0;  // softmax-expectation: (max − min)·/tau_u at most this

// Checks sizes, pointers, finiteness and what each utility needs (tau_u > 0 and a spread that
// exp() can represent; non-zero players for cosine-sum). k ≥ 1, n ≥ 0.
Status check_games(const char* what, const float* s, const float* g, int64_t k, int64_t n, ShapleyUtility u,
                   float tau_u);

// Checks that every row of perms (m,k) is a permutation of 0..k−1 (m ≥ 1).
Status check_permutations(const char* what, const int32_t* perms, int64_t k, int64_t m);

// Shapley weights w(s) = s!(k−s−1)!/k! for s in [0, k), w(k) = 0; out has k+1 entries.
void shapley_weights(double* out, int64_t k);

// Runs fn(task) for every task on the global pool; a std::bad_alloc in any task becomes
// Status::out_of_memory for the caller.
template <typename Fn>
Status run_tasks(const char* what, int64_t n_tasks, const Fn& fn) {
  std::atomic<bool> oom{false};
  Status s = ThreadPool::global().run(n_tasks, [&](int64_t task, int) {
    try {
      fn(task);
    } catch (const std::bad_alloc&) {
      oom.store(true);
    }
  });
  if (oom.load()) return fail(Status::out_of_memory, "%s: out of memory", what);
  return s;
}

// Calls fn() and turns std::bad_alloc into Status::out_of_memory.
template <typename Fn>
Status guarded(const char* what, const Fn& fn) {
  try {
    return fn();
  } catch (const std::bad_alloc&) {
    return fail(Status::out_of_memory, "%s: out of memory", what);
  }
}

}  // namespace shapca::shapley_detail
