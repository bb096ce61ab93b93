#include <atomic>
#include <cstring>

#include "core/cpu.h"
#include "core/rng.h"
#include "core/status.h"
#include "core/thread_pool.h"
#include "harness.h"

using namespace shapca;

TEST("philox4x32-10 matches the Random123 known-answer vectors") {
  struct Kat {
    uint32_t ctr[4], key[2], out[4];
  };
  const Kat kats[] = {
      {{0, 0, 0, 0}, {0, 0}, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
      {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
       {0xffffffffu, 0xffffffffu},
       {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
      {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
       {0xa4093822u, 0x299f31d0u},
       {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
  };
  for (const Kat& k : kats) {
    Philox4x32 r = philox4x32_10(k.ctr, k.key);
    for (int i = 0; i < 4; ++i) CHECK(r.v[i] == k.out[i]);
  }
}

TEST("counter rng: same (seed, stream) gives the same numbers, other streams differ") {
  CounterRng a(42, 7), b(42, 7), c(42, 8);
  int same_as_other_stream = 0;
  for (int i = 0; i < 100; ++i) {
    uint32_t x = a.next_u32();
    CHECK(x == b.next_u32());
    same_as_other_stream += (x == c.next_u32());
  }
  CHECK(same_as_other_stream < 3);
  CounterRng u(1, 0);
  double sum = 0.0;
  for (int i = 0; i < 20000; ++i) {
    float f = u.next_uniform();
    CHECK(f >= 0.0f && f < 1.0f);
    sum += f;
  }
  CHECK(std::fabs(sum / 20000 - 0.5) < 0.01);
  int counts[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < 50000; ++i) ++counts[u.next_below(5)];
  for (int c5 : counts) CHECK(c5 > 9500 && c5 < 10500);
}

TEST("thread pool runs every task once, nested calls run inline") {
  ThreadPool pool(3);
  std::vector<std::atomic<int>> hits(1000);
  CHECK(pool.run(1000, [&](int64_t t, int thread) {
          CHECK(thread >= 0 && thread < 3);
          hits[t].fetch_add(1);
        }) == Status::ok);
  for (auto& h : hits) CHECK(h.load() == 1);
  std::atomic<int64_t> total{0};
  CHECK(pool.run(4, [&](int64_t, int) {
          pool.parallel_for(100, 1, [&](int64_t b, int64_t e) { total.fetch_add(e - b); });
        }) == Status::ok);
  CHECK(total.load() == 400);
  CHECK(pool.set_threads(1) == Status::ok);
  CHECK(pool.threads() == 1);
  CHECK(pool.set_threads(2) == Status::ok);
  CHECK(pool.threads() == 2);
}

TEST("thread pool reports a throwing task instead of aborting") {
  ThreadPool pool(2);
  Status s = pool.run(8, [&](int64_t t, int) {
    if (t == 3) throw 1;
  });
  CHECK(s == Status::internal);
  CHECK(std::strstr(last_error(), "task") != nullptr);
}

TEST("thread count and kernel path errors are statuses with messages") {
  CHECK(ThreadPool::global().set_threads(-1) == Status::out_of_range);
  CHECK(std::strstr(last_error(), "thread count") != nullptr);
  CHECK(ThreadPool::global().set_threads(100000) == Status::out_of_range);
  const KernelPath saved = kernel_path();
  const bool has_avx2 = cpu_features().avx2 && cpu_features().fma;
  CHECK((set_kernel_path(KernelPath::avx2) == Status::ok) == has_avx2);
  CHECK((set_kernel_path(KernelPath::avx512) == Status::ok) == (has_avx2 && cpu_features().avx512f));
  CHECK(set_kernel_path(KernelPath::scalar) == Status::ok);
  CHECK(!use_avx2() && !use_avx512());
  CHECK(set_kernel_path(saved) == Status::ok);
  CHECK(best_kernel_path() != KernelPath::scalar || !has_avx2);
  CHECK(std::strcmp(status_code(Status::non_finite), "SHAPCA_NON_FINITE") == 0);
}

TEST("thread pool: resizing after jobs never lets a new worker join a finished job") {
  // Workers started by set_threads must wait for the next job, not count themselves out of the
  // last one: before the fix this sequence could return early or wait forever.
  ThreadPool pool(2);
  for (int round = 0; round < 200; ++round) {
    std::atomic<int64_t> total{0};
    CHECK(pool.run(64, [&](int64_t t, int) { total.fetch_add(t); }) == Status::ok);
    CHECK(total.load() == 64 * 63 / 2);
    CHECK(pool.set_threads(round % 2 ? 2 : 3) == Status::ok);
  }
}

TEST("thread pool: back-to-back short jobs each run every task once, late workers take none") {
  // Workers spin between jobs and a job ends when its tasks are done, whether or not every worker
  // arrived: a worker that arrives late must not run a task of the next job as one of the last
  // (each job below has its own function and task count, and checks both).
  ThreadPool pool(4);
  for (int round = 0; round < 5000; ++round) {
    const int64_t n = 1 + round % 7;
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    const int tag = round;
    std::atomic<int> wrong{0};
    CHECK(pool.run(n, [&, tag](int64_t t, int) {
            if (t < 0 || t >= n || tag != round) wrong.fetch_add(1);
            else hits[static_cast<size_t>(t)].fetch_add(1);
          }) == Status::ok);
    bool once = wrong.load() == 0;
    for (auto& h : hits) once = once && h.load() == 1;
    CHECK(once);
    if (!once) break;
  }
}
