#include "thread_pool.h"

#include <algorithm>

namespace shapca {

namespace {
thread_local bool tl_inside_task = false;
}

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
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = false;
    generation = generation_;
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
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::work_on_job(int thread) {
  tl_inside_task = true;
  for (;;) {
    int64_t task = next_task_.fetch_add(1, std::memory_order_relaxed);
    if (task >= job_tasks_) break;
    try {
      (*job_)(task, thread);
    } catch (...) {
      job_failed_.store(true, std::memory_order_relaxed);
    }
  }
  tl_inside_task = false;
}

void ThreadPool::worker_loop(int index, uint64_t first_generation) {
  uint64_t seen = first_generation;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) return;
      seen = generation_;
    }
    work_on_job(index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--busy_workers_ == 0) done_.notify_one();
    }
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
  std::lock_guard<std::mutex> run_lock(run_mutex_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job_ = &fn;
    job_tasks_ = n_tasks;
    next_task_.store(0, std::memory_order_relaxed);
    job_failed_.store(false, std::memory_order_relaxed);
    busy_workers_ = static_cast<int>(workers_.size());
    ++generation_;
  }
  wake_.notify_all();
  work_on_job(0);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return busy_workers_ == 0; });
    job_ = nullptr;
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
