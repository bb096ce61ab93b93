// A small persistent thread pool. threads() counts the calling thread, which always works too.
// Calls from several outside threads (e.g. libuv workers) are served one after another; a call
// made from inside a task runs serially on that thread instead of deadlocking.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "status.h"

namespace shapca {

class ThreadPool {
 public:
  static constexpr int kMaxThreads = 256;

  // The process-wide pool, sized to the number of cores on first use.
  static ThreadPool& global();

  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int threads() const { return threads_.load(std::memory_order_relaxed); }
  // 1 ≤ n ≤ kMaxThreads; 0 means "one per core".
  Status set_threads(int n);

  // Runs fn(task, thread_index) for every task in [0, n_tasks); tasks are handed out
  // dynamically; thread_index < threads(). A task that throws makes run() return internal.
  Status run(int64_t n_tasks, const std::function<void(int64_t task, int thread)>& fn);

  // Splits [0, n) into at most threads() contiguous chunks of at least `grain` items and calls
  // fn(begin, end) for each.
  Status parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t begin, int64_t end)>& fn);

 private:
  void start_workers(int count);
  void stop_workers();
  // first_generation: the job generation when the worker starts; it waits for a newer one.
  void worker_loop(int index, uint64_t first_generation);
  void work_on_job(int thread);

  std::mutex run_mutex_;  // one job at a time
  std::atomic<int> threads_{1};
  std::vector<std::thread> workers_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;
  bool stop_ = false;
  int busy_workers_ = 0;

  const std::function<void(int64_t, int)>* job_ = nullptr;
  int64_t job_tasks_ = 0;
  std::atomic<int64_t> next_task_{0};
  std::atomic<bool> job_failed_{false};
};

int default_thread_count();

}  // namespace shapca
