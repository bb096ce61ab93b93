// Device-side helpers shared by the kernels (internal; included by .cu files only): launch
// sizes, warp and block reductions, the validation counters.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda_status.h"

namespace shapca::cuda {

constexpr int kBlock = 256;

// kernel<<<grid, block>>>(args...), written as a call so that the CPU emulator (emu/emu.h) can
// run the same sources; check_launch() reports a bad configuration.
template <typename... Params, typename... Args>
inline void launch(void (*kernel)(Params...), dim3 grid, dim3 block, Args... args) {
#ifdef SHAPCA_CUDA_EMULATED
  shapca_emu::launch(grid, block, [=] { kernel(args...); });
#else
  kernel<<<grid, block>>>(args...);
#endif
}  // threads per block of the element-wise and row kernels

// Blocks for a grid-stride loop over n items (capped: the loop covers the rest).
inline unsigned int grid_for(int64_t n, int threads = kBlock) {
  const int64_t b = (n + threads - 1) / threads;
  return static_cast<unsigned int>(b < 1 ? 1 : (b > 65535 * 8 ? 65535 * 8 : b));
}

template <typename T>
__device__ inline T warp_sum(T v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

__device__ inline float warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the total.
// `shared` holds 32 values; the call synchronises the block.
template <typename T>
__device__ inline T block_sum(T v, T* shared) {
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
  v = warp_sum(v);
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  T total = lane < warps ? shared[lane] : T(0);
  return warp_sum(total);
}

// Records a bad input's index in a validation counter (workspace.h): the smallest one wins.
__device__ inline void flag_index(unsigned long long* counter, int64_t index) {
  atomicMin(counter, static_cast<unsigned long long>(index));
}

}  // namespace shapca::cuda
