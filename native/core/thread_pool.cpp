#include "thread_pool.h"

#include <algorithm>
#include <chrono>

namespace shapca {

namespace {
thread_local bool tl_inside_task = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until done() or kSpinMicros have passed; returns done().
template <typename Done>
bool spin_until(const Done& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(ThreadPool::kSpinMicros);
  for (int i = 1;; ++i) {
    if (done()) return true;
    if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return done();
    cpu_relax();
  }
}
}  // namespace

int default_thread_count() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min<unsigned>(n, ThreadPool::kMaxThreads));
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(default_thread_count());
  return pool;
}

ThreadPool::ThreadPool(int threads) { start_workers(std::max(1, std::min(threads, kMaxThreads))); }

ThreadPool::~ThreadPool() { stop_workers(); }

Status ThreadPool::set_threads(int n) {
  if (n < 0 || n > kMaxThreads) {
    return fail(Status::out_of_range, "Expected a thread count in [1, %d] (or 0 for one per core) but received %d",
                kMaxThreads, n);
  }
  if (n == 0) n = default_thread_count();
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  if (n == threads()) return Status::ok;
  stop_workers();
  start_workers(n);
  return Status::ok;
}

void ThreadPool::start_workers(int count) {
  uint32_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(false);
    generation = generation_.load();
  }
  threads_.store(count, std::memory_order_relaxed);
  workers_.reserve(count - 1);
  // A worker started after earlier jobs must not take the last finished job for a new one (it
  // would count itself out of a job it never joined and the next run could wait forever).
  for (int i = 1; i < count; ++i) workers_.emplace_back([this, i, generation] { worker_loop(i, generation); });
}

void ThreadPool::stop_workers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::work_on_job(uint32_t generation, int thread) {
  tl_inside_task = true;
  for (;;) {
    uint64_t word = claim_.load(std::memory_order_acquire);
    int64_t task = -1;
    while ((word >> 32) == generation && static_cast<int64_t>(word & 0xffffffffu) < job_tasks_.load(std::memory_order_relaxed)) {
      if (claim_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
        task = static_cast<int64_t>(word & 0xffffffffu);
        break;
      }
    }
    if (task < 0) break;
    const int64_t total = job_tasks_.load(std::memory_order_relaxed);
    try {
      (*job_.load(std::memory_order_relaxed))(task, thread);
    } catch (...) {
      job_failed_.store(true, std::memory_order_relaxed);
    }
    if (tasks_done_.fetch_add(1, std::memory_order_acq_rel) + 1 == total && thread != 0) {
      std::lock_guard<std::mutex> lock(mutex_);  // the caller may be between its check and its wait
      done_.notify_one();
    }
  }
  tl_inside_task = false;
}

void ThreadPool::worker_loop(int index, uint32_t first_generation) {
  uint32_t seen = first_generation;
  auto ready = [&] { return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen; };
  for (;;) {
    if (!spin_until(ready)) {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, ready);
    }
    if (stop_.load(std::memory_order_acquire)) return;
    seen = generation_.load(std::memory_order_acquire);
    work_on_job(seen, index);
  }
}

Status ThreadPool::run(int64_t n_tasks, const std::function<void(int64_t, int)>& fn) {
  if (n_tasks <= 0) return Status::ok;
  if (tl_inside_task || n_tasks == 1 || threads() == 1) {
    bool failed = false;
    for (int64_t t = 0; t < n_tasks; ++t) {
      try {
        fn(t, 0);
      } catch (...) {
        failed = true;
      }
    }
    return failed ? fail(Status::internal, "A parallel task failed") : Status::ok;
  }
  if (n_tasks > 0xffffffffLL) return fail(Status::out_of_range, "A parallel job has more than 2^32 tasks");
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
  // The claim word moves to the new generation first: a worker still looping on the last job
  // could otherwise compare that job's claim count with this job's task count, claim a task that
  // does not exist and count it into this job's tasks_done_ (which then passes n_tasks and the
  // caller waits forever). Workers of the new generation start only once generation_ is published.
  claim_.store(static_cast<uint64_t>(generation) << 32, std::memory_order_seq_cst);
  job_.store(&fn, std::memory_order_relaxed);
  job_tasks_.store(n_tasks, std::memory_order_relaxed);
  tasks_done_.store(0, std::memory_order_relaxed);
  job_failed_.store(false, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    generation_.store(generation, std::memory_order_release);
  }
  wake_.notify_all();
  work_on_job(generation, 0);
  auto finished = [&] { return tasks_done_.load(std::memory_order_acquire) == n_tasks; };
  if (!spin_until(finished)) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, finished);
  }
  return job_failed_.load() ? fail(Status::internal, "A parallel task failed") : Status::ok;
}

Status ThreadPool::parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return Status::ok;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = std::min<int64_t>(threads(), (n + grain - 1) / grain);
  chunks = std::max<int64_t>(chunks, 1);
  return run(chunks, [&](int64_t c, int) {
    int64_t begin = n * c / chunks;
    int64_t end = n * (c + 1) / chunks;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace shapca
