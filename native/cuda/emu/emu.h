// A CPU emulator of the part of CUDA that native/cuda uses, so that the kernels run (slowly) and
// are checked against the CPU kernels on machines without a GPU (native/CMakeLists.txt,
// SHAPCA_CUDA_EMULATE). Not a general CUDA: one block at a time, each thread a fiber on the
// calling thread, switched only at __syncthreads and warp shuffles. That schedule is adversarial
// for a missing barrier (a thread runs as far as it can before any other starts), a divergent
// barrier or shuffle is reported as a deadlock, and atomics are plain operations.
// The real headers are never mixed in: this folder's cuda_runtime.h and cuda_runtime_api.h
// stand in for them.
#pragma once
#include <math.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

#define SHAPCA_CUDA_EMULATED 1
#define __global__
#define __device__
#define __host__
#define __shared__ static
#define __forceinline__ inline
#define __launch_bounds__(...)

struct dim3 {
  unsigned int x, y, z;
  constexpr dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

extern dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace shapca_emu {
// Runs body once per thread of every block of grid×block.
void launch(dim3 grid, dim3 block, const std::function<void()>& body);
void block_barrier();
void warp_barrier();
// The calling fiber's slot of its warp's exchange area (8 bytes per lane) and a lane's slot.
unsigned char* lane_slot(int lane);
int lane_id();
}  // namespace shapca_emu

inline void __syncthreads() { shapca_emu::block_barrier(); }
inline void __syncwarp(unsigned = 0xffffffffu) { shapca_emu::warp_barrier(); }

template <typename T>
inline T shapca_emu_shuffle(T v, int src_lane) {
  static_assert(sizeof(T) <= 8, "shuffle of at most 8 bytes");
  std::memcpy(shapca_emu::lane_slot(shapca_emu::lane_id()), &v, sizeof(T));
  shapca_emu::warp_barrier();
  T r;
  std::memcpy(&r, shapca_emu::lane_slot(src_lane & 31), sizeof(T));
  shapca_emu::warp_barrier();
  return r;
}
template <typename T>
inline T __shfl_xor_sync(unsigned, T v, int mask, int = 32) {
  return shapca_emu_shuffle(v, shapca_emu::lane_id() ^ mask);
}
template <typename T>
inline T __shfl_sync(unsigned, T v, int src, int = 32) {
  return shapca_emu_shuffle(v, src);
}
template <typename T>
inline T __shfl_down_sync(unsigned, T v, unsigned delta, int = 32) {
  const int src = shapca_emu::lane_id() + static_cast<int>(delta);
  T r = shapca_emu_shuffle(v, src < 32 ? src : shapca_emu::lane_id());
  return r;
}
template <typename T>
inline T __shfl_up_sync(unsigned, T v, unsigned delta, int = 32) {
  const int src = shapca_emu::lane_id() - static_cast<int>(delta);
  return shapca_emu_shuffle(v, src >= 0 ? src : shapca_emu::lane_id());
}

// Atomics: one fiber runs at a time, so plain read-modify-writes are atomic.
inline float atomicAdd(float* p, float v) { float o = *p; *p = o + v; return o; }
inline double atomicAdd(double* p, double v) { double o = *p; *p = o + v; return o; }
inline int atomicAdd(int* p, int v) { int o = *p; *p = o + v; return o; }
inline unsigned long long atomicMin(unsigned long long* p, unsigned long long v) {
  unsigned long long o = *p; if (v < o) *p = v; return o;
}
inline int atomicMax(int* p, int v) { int o = *p; if (v > o) *p = v; return o; }

inline unsigned int __umulhi(unsigned int a, unsigned int b) {
  return static_cast<unsigned int>((static_cast<unsigned long long>(a) * b) >> 32);
}
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __popc(unsigned int x) { return __builtin_popcount(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __expf(float x) { return expf(x); }
inline float __fdividef(float a, float b) { return a / b; }
template <typename T>
inline T __ldg(const T* p) { return *p; }

// --- the runtime API subset ---
typedef enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
} cudaError_t;
enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};
enum cudaDeviceAttr { cudaDevAttrMultiProcessorCount = 16 };
typedef struct CUstream_st* cudaStream_t;
struct cudaDeviceProp {
  char name[256];
  int major, minor, multiProcessorCount;
};

cudaError_t cudaMalloc(void** p, size_t bytes);
template <typename T>
inline cudaError_t cudaMalloc(T** p, size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(p), bytes);
}
cudaError_t cudaFree(void* p);
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t s = nullptr);
cudaError_t cudaMemset(void* p, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* p, int value, size_t bytes, cudaStream_t s = nullptr);
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaGetDeviceCount(int* n);
cudaError_t cudaGetDevice(int* d);
cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr attr, int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device);
cudaError_t cudaRuntimeGetVersion(int* v);
// Events (for the benchmark run on a tiny config): host clock readings, the work being synchronous.
typedef struct CUevent_st* cudaEvent_t;
cudaError_t cudaEventCreate(cudaEvent_t* e);
cudaError_t cudaEventDestroy(cudaEvent_t e);
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t e);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);
const char* cudaGetErrorName(cudaError_t e);
const char* cudaGetErrorString(cudaError_t e);
