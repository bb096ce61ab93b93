#include "peak.h"

#include <atomic>
#include <chrono>

#include "../core/cpu.h"
#include "../core/thread_pool.h"
#include "avx2/avx2.h"
#include "avx512/avx512.h"
#include "avx512_lowp/avx512_lowp.h"

namespace shapca {

namespace {

// 8 independent chains of scalar FMAs: enough to cover the latency of a scalar FPU.
double fma_loop_scalar(int64_t iters) {
  float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const float a = 0.999f, b = 1e-3f;
  for (int64_t i = 0; i < iters; ++i) {
    for (float& x : acc) x = x * a + b;
  }
  volatile float sink = acc[0] + acc[7];
  (void)sink;
  return 2.0 * 8 * static_cast<double>(iters);
}

using Loop = double (*)(int64_t);

}  // namespace

Status measure_peak(Precision p, double seconds, double* ops_per_second) {
  if (ops_per_second == nullptr || !(seconds >= 0.01 && seconds <= 10.0)) {
    return fail(Status::invalid_argument, "measure_peak: expected 0.01 <= seconds <= 10 and an output pointer");
  }
  Loop loop = nullptr;
  switch (p) {
    case Precision::fp32: loop = use_avx512() ? avx512::fma_loop : use_avx2() ? avx2::fma_loop : fma_loop_scalar; break;
    case Precision::bf16: loop = use_avx512_bf16() ? avx512_lowp::bf16_dot_loop : nullptr; break;
    case Precision::int8: loop = use_avx512_vnni() ? avx512_lowp::int8_dot_loop : nullptr; break;
  }
  if (loop == nullptr) {
    return fail(Status::unsupported, "measure_peak: the active kernel path has no %s kernels", precision_name(p));
  }
  // Calibrate the iterations of one chunk on this thread (~1 ms), then run chunks on every
  // thread until the time is up.
  using Clock = std::chrono::steady_clock;
  int64_t iters = 1024;
  for (;;) {
    const auto t0 = Clock::now();
    loop(iters);
    if (std::chrono::duration<double>(Clock::now() - t0).count() > 1e-3 || iters > (int64_t{1} << 40)) break;
    iters *= 2;
  }
  ThreadPool& pool = ThreadPool::global();
  const int threads = pool.threads();
  std::atomic<double> total{0.0};
  const auto start = Clock::now();
  Status s = pool.run(threads, [&](int64_t, int) {
    double ops = 0.0;
    do {  // at least one chunk per thread, even when it starts late
      ops += loop(iters);
    } while (std::chrono::duration<double>(Clock::now() - start).count() < seconds);
    double cur = total.load();
    while (!total.compare_exchange_weak(cur, cur + ops)) {
    }
  });
  if (s != Status::ok) return s;
  *ops_per_second = total.load() / std::chrono::duration<double>(Clock::now() - start).count();
  return Status::ok;
}

}  // namespace shapca
