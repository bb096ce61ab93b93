// The CPU emulator's scheduler and runtime calls (emu.h).
#include <ucontext.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "emu.h"

dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace shapca_emu {

namespace {

enum class State { ready, wait_block, wait_warp, done };

struct Fiber {
  ucontext_t ctx;
  State state = State::ready;
  dim3 tid;
  int linear = 0;
};

constexpr size_t kStack = 256 * 1024;

struct Scheduler {
  ucontext_t main;
  std::vector<Fiber> fibers;
  std::vector<std::vector<unsigned char>> stacks;
  std::vector<unsigned char> exchange;  // 8 bytes per thread, for warp shuffles
  const std::function<void()>* body = nullptr;
  int current = -1;
};

Scheduler& sched() {
  static Scheduler s;
  return s;
}

void fiber_entry() {
  Scheduler& s = sched();
  (*s.body)();
  s.fibers[s.current].state = State::done;
  // returning resumes uc_link, the scheduler
}

void yield(State st) {
  Scheduler& s = sched();
  Fiber& f = s.fibers[s.current];
  f.state = st;
  swapcontext(&f.ctx, &s.main);
}

[[noreturn]] void deadlock(const char* why) {
  std::fprintf(stderr, "CUDA emulator: %s in block (%u,%u,%u)\n", why, blockIdx.x, blockIdx.y, blockIdx.z);
  std::abort();
}

void run_block(int threads) {
  Scheduler& s = sched();
  for (int i = 0; i < threads; ++i) {
    Fiber& f = s.fibers[i];
    f.state = State::ready;
    f.linear = i;
    f.tid = dim3(i % blockDim.x, (i / blockDim.x) % blockDim.y, i / (blockDim.x * blockDim.y));
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = s.stacks[i].data();
    f.ctx.uc_stack.ss_size = kStack;
    f.ctx.uc_link = &s.main;
    makecontext(&f.ctx, fiber_entry, 0);
  }
  const int warps = (threads + 31) / 32;
  for (;;) {
    bool ran = false;
    for (int i = 0; i < threads; ++i) {
      if (s.fibers[i].state != State::ready) continue;
      s.current = i;
      threadIdx = s.fibers[i].tid;
      swapcontext(&s.main, &s.fibers[i].ctx);
      ran = true;
    }
    bool released = false, all_done = true, all_block = true;
    for (int w = 0; w < warps; ++w) {
      int live = 0, at_warp = 0;
      for (int i = w * 32; i < threads && i < w * 32 + 32; ++i) {
        const State st = s.fibers[i].state;
        if (st == State::done) continue;
        ++live;
        at_warp += st == State::wait_warp;
      }
      if (live > 0 && at_warp == live) {
        for (int i = w * 32; i < threads && i < w * 32 + 32; ++i) {
          if (s.fibers[i].state == State::wait_warp) s.fibers[i].state = State::ready;
        }
        released = true;
      }
    }
    for (int i = 0; i < threads; ++i) {
      const State st = s.fibers[i].state;
      all_done &= st == State::done;
      all_block &= st == State::done || st == State::wait_block;
    }
    if (all_done) return;
    if (!released && all_block) {
      for (int i = 0; i < threads; ++i) {
        if (s.fibers[i].state == State::wait_block) s.fibers[i].state = State::ready;
      }
      released = true;
    }
    if (!ran && !released) deadlock("threads wait at different barriers (a divergent __syncthreads or shuffle)");
  }
}

cudaError_t g_last = cudaSuccess;

}  // namespace

void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
  Scheduler& s = sched();
  const int threads = static_cast<int>(block.x * block.y * block.z);
  if (threads < 1 || threads > 1024 || grid.x < 1 || grid.y < 1 || grid.z < 1 || grid.y > 65535 || grid.z > 65535) {
    g_last = cudaErrorInvalidValue;
    return;
  }
  if (static_cast<int>(s.fibers.size()) < threads) {
    s.fibers.resize(threads);
    s.stacks.resize(threads);
    for (auto& st : s.stacks) st.resize(kStack);
    s.exchange.resize(threads * 8 + 256);
  }
  s.body = &body;
  gridDim = grid;
  blockDim = block;
  for (unsigned z = 0; z < grid.z; ++z) {
    for (unsigned y = 0; y < grid.y; ++y) {
      for (unsigned x = 0; x < grid.x; ++x) {
        blockIdx = dim3(x, y, z);
        run_block(threads);
      }
    }
  }
}

void block_barrier() { yield(State::wait_block); }
void warp_barrier() { yield(State::wait_warp); }
int lane_id() { return sched().fibers[sched().current].linear & 31; }
unsigned char* lane_slot(int lane) {
  Scheduler& s = sched();
  const int base = s.fibers[s.current].linear & ~31;
  return s.exchange.data() + (base + lane) * 8;
}

}  // namespace shapca_emu

using shapca_emu::g_last;

cudaError_t cudaMalloc(void** p, size_t bytes) {
  *p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  return *p ? cudaSuccess : (g_last = cudaErrorMemoryAllocation);
}
cudaError_t cudaFree(void* p) {
  std::free(p);
  return cudaSuccess;
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind) {
  if (bytes) std::memmove(dst, src, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind k, cudaStream_t) {
  return cudaMemcpy(dst, src, bytes, k);
}
cudaError_t cudaMemset(void* p, int value, size_t bytes) {
  if (bytes) std::memset(p, value, bytes);
  return cudaSuccess;
}
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t) { return cudaMemset(p, value, bytes); }
cudaError_t cudaGetLastError() {
  cudaError_t e = g_last;
  g_last = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return g_last; }
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaGetDeviceCount(int* n) {
  *n = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* d) {
  *d = 0;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr, int) {
  *v = 4;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int) {
  std::snprintf(p->name, sizeof p->name, "CPU emulator");
  p->major = 0;
  p->minor = 0;
  p->multiProcessorCount = 4;
  return cudaSuccess;
}
cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = 0;
  return cudaSuccess;
}
struct CUevent_st {
  std::chrono::steady_clock::time_point at;
};
cudaError_t cudaEventCreate(cudaEvent_t* e) {
  *e = new CUevent_st{};
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  delete e;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t) {
  e->at = std::chrono::steady_clock::now();
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t) { return cudaSuccess; }
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  *ms = std::chrono::duration<float, std::milli>(end->at - start->at).count();
  return cudaSuccess;
}
const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    default: return "cudaError";
  }
}
const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument (emulated launch configuration)";
    case cudaErrorMemoryAllocation: return "out of memory";
    default: return "emulated CUDA error";
  }
}
