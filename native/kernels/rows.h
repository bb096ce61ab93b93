// Shared plumbing for the row-wise and element-wise kernels: size/pointer checks and a
// parallel loop that stays on the calling thread for small work.
#pragma once
#include <cstdint>
#include <initializer_list>

#include "../core/status.h"
#include "../core/thread_pool.h"

namespace shapca {

// Work below this many elements runs on the calling thread.
constexpr int64_t kParallelElements = 1 << 15;

template <typename... Ptrs>
Status check_rows(const char* what, int64_t rows, int64_t cols, Ptrs... ptrs) {
  if (rows < 0 || cols < 0) {
    return fail(Status::invalid_argument, "%s: expected non-negative sizes but received rows=%lld cols=%lld", what,
                static_cast<long long>(rows), static_cast<long long>(cols));
  }
  if (rows > 0 && cols > 0) {
    for (const void* p : std::initializer_list<const void*>{ptrs...}) {
      if (p == nullptr) return fail(Status::invalid_argument, "%s: a required buffer is null", what);
    }
  }
  return Status::ok;
}

// Calls row_fn(r) for every row, split over the pool when the work is large enough.
template <typename RowFn>
Status for_rows(int64_t rows, int64_t cols, const RowFn& row_fn) {
  if (rows <= 0 || cols <= 0) return Status::ok;
  const int64_t grain = cols >= kParallelElements ? 1 : kParallelElements / cols;
  if (rows <= grain) {
    for (int64_t r = 0; r < rows; ++r) row_fn(r);
    return Status::ok;
  }
  return ThreadPool::global().parallel_for(rows, grain, [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) row_fn(r);
  });
}

// Calls span_fn(begin, end) over [0, n), split over the pool when n is large.
template <typename SpanFn>
Status for_spans(int64_t n, const SpanFn& span_fn) {
  if (n <= 0) return Status::ok;
  if (n <= kParallelElements) {
    span_fn(int64_t{0}, n);
    return Status::ok;
  }
  return ThreadPool::global().parallel_for(n, kParallelElements / 2, span_fn);
}

}  // namespace shapca
