// Counter-based random numbers: Philox4x32-10 (Salmon et al., SC'11; the generator behind
// cuRAND's Philox and Random123). The output depends only on (key, counter), so any thread,
// and a GPU, can draw the same numbers in any order: permutation j of a Shapley estimate is a
// pure function of (seed, j).
#pragma once
#include <cstdint>

namespace shapca {

struct Philox4x32 {
  uint32_t v[4];
};

// One Philox4x32-10 block: 128 random bits from a 128-bit counter and a 64-bit key.
Philox4x32 philox4x32_10(const uint32_t counter[4], const uint32_t key[2]);

// A stream of random numbers for one (seed, stream) pair, drawn block by block.
class CounterRng {
 public:
  CounterRng(uint64_t seed, uint64_t stream);
  uint32_t next_u32();
  // Uniform in [0, 1) with 24 random bits.
  float next_uniform();
  // Uniform integer in [0, bound), bound ≥ 1, without modulo bias (Lemire's method).
  uint32_t next_below(uint32_t bound);

 private:
  uint32_t key_[2];
  uint32_t counter_[4];
  Philox4x32 block_{};
  int used_ = 4;
};

}  // namespace shapca
