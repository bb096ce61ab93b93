// A small persistent thread pool. threads() counts the calling thread, which always works too.
// Calls from several outside threads (e.g. libuv workers) are served one after another; a call
// made from inside a task runs serially on that thread instead of deadlocking.
// Between jobs a worker spins for kSpinMicros before it sleeps on the condition variable, and the
// calling thread spins as long for the last tasks to finish: a kernel made of several short
// parallel steps (the Shap-CA loss: norms, GEMMs, scans) then pays no futex wake-up per step.
// The caller waits for the job's tasks, not for the workers: a worker that wakes late (descheduled
// by other threads of the process) finds every task taken and goes back to waiting.
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
  static constexpr int kSpinMicros = 50;

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
  void worker_loop(int index, uint32_t first_generation);
  // Takes and runs tasks of job `generation` until none is left.
  void work_on_job(uint32_t generation, int thread);

  std::mutex run_mutex_;  // one job at a time
  std::atomic<int> threads_{1};
  std::vector<std::thread> workers_;

  // generation_ and stop_ change under mutex_ (so that a sleeper cannot miss them) and are read
  // without it by spinning threads. claim_ = (generation << 32) | next task: a task is taken by a
  // compare-exchange that also checks the generation, so a late worker never takes a task of a
  // job that has ended, and the job fields, written before claim_ (release), are those of the
  // task it took (the caller waits for every task before it changes them).
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<uint32_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> claim_{0};
  std::atomic<int64_t> tasks_done_{0};

  std::atomic<const std::function<void(int64_t, int)>*> job_{nullptr};
  std::atomic<int64_t> job_tasks_{0};
  std::atomic<bool> job_failed_{false};
};

int default_thread_count();

}  // namespace shapca
