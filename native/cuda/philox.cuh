// Philox4x32-10 for host and device: a port of core/rng.cpp that draws bit-identical numbers,
// so a permutation estimate on the GPU samples the CPU's permutations (shapley_permutations:
// row r is the Fisher–Yates shuffle driven by stream (seed, r)). The host build of this file
// is checked against core/rng.h by the CUDA tests without a device.
#pragma once
#include <cstdint>

#if defined(__CUDACC__)
#define SHAPCA_HD __host__ __device__
#else
#define SHAPCA_HD
#endif

namespace shapca::cuda {

struct Philox4 {
  uint32_t v[4];
};

SHAPCA_HD inline void philox_mulhilo(uint32_t a, uint32_t b, uint32_t* hi, uint32_t* lo) {
#if defined(__CUDA_ARCH__)
  *hi = __umulhi(a, b);
  *lo = a * b;
#else
  const uint64_t p = static_cast<uint64_t>(a) * b;
  *hi = static_cast<uint32_t>(p >> 32);
  *lo = static_cast<uint32_t>(p);
#endif
}

SHAPCA_HD inline Philox4 philox4x32_10(const uint32_t counter[4], const uint32_t key[2]) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u, kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    uint32_t hi0, lo0, hi1, lo1;
    philox_mulhilo(kM0, c0, &hi0, &lo0);
    philox_mulhilo(kM1, c2, &hi1, &lo1);
    const uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += kW0;
    k1 += kW1;
  }
  return Philox4{{c0, c1, c2, c3}};
}

// core/rng.h's CounterRng: the stream of (seed, stream), drawn block by block.
class PhiloxStream {
 public:
  SHAPCA_HD PhiloxStream(uint64_t seed, uint64_t stream)
      : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
        counter_{0, 0, static_cast<uint32_t>(stream), static_cast<uint32_t>(stream >> 32)} {}

  SHAPCA_HD uint32_t next_u32() {
    if (used_ == 4) {
      block_ = philox4x32_10(counter_, key_);
      if (++counter_[0] == 0) ++counter_[1];
      used_ = 0;
    }
    return block_.v[used_++];
  }

  // Uniform integer in [0, bound), bound ≥ 1, by Lemire's method with the same rejections.
  SHAPCA_HD uint32_t next_below(uint32_t bound) {
    uint64_t m = static_cast<uint64_t>(next_u32()) * bound;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < bound) {
      const uint32_t threshold = (0u - bound) % bound;
      while (low < threshold) {
        m = static_cast<uint64_t>(next_u32()) * bound;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }

 private:
  uint32_t key_[2];
  uint32_t counter_[4];
  Philox4 block_{};
  int used_ = 4;
};

// Row `draw` of the permutations (shapley.h): the shuffle of stream (seed, draw) into row, and
// with antithetic its reverse into the next row.
SHAPCA_HD inline void philox_permutation(int32_t* row, int64_t k, uint64_t seed, uint64_t draw, bool antithetic) {
  for (int64_t i = 0; i < k; ++i) row[i] = static_cast<int32_t>(i);
  PhiloxStream rng(seed, draw);
  for (int64_t i = k - 1; i >= 1; --i) {  // Fisher–Yates
    const int64_t j = rng.next_below(static_cast<uint32_t>(i + 1));
    const int32_t tmp = row[i];
    row[i] = row[j];
    row[j] = tmp;
  }
  if (antithetic) {
    for (int64_t i = 0; i < k; ++i) row[k + i] = row[k - 1 - i];
  }
}

}  // namespace shapca::cuda
