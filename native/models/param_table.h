// Parameter tables: every parameter of a model lives in one flat float buffer (and its gradient
// at the same offset of a second one, llm.c style). A table lists each tensor's HF name (without
// the model prefix), shape, offset and how a fresh model initialises it.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "../core/status.h"

namespace shapca {

enum class ParamInit : int { normal = 0, zeros = 1, ones = 2 };

struct ParamInfo {
  std::string name;
  int ndim = 0;
  int64_t shape[4] = {0, 0, 0, 0};
  int64_t offset = 0;
  int64_t numel = 0;
  ParamInit init = ParamInit::normal;
};

class ParamTable {
 public:
  // Appends a tensor right after the previous one and returns its offset.
  int64_t add(const std::string& name, std::initializer_list<int64_t> shape, ParamInit init);
  const std::vector<ParamInfo>& entries() const { return entries_; }
  int64_t total() const { return total_; }
  // Fails (out_of_range, naming `what`) when a shape's product or the running total passed
  // kMaxParams: sizes come from config files, and nothing may be allocated from a wrapped size.
  Status check(const char* what) const;

  // Most parameters one table may hold (2^34 floats, 64 GiB): above any model that fits a machine.
  static constexpr int64_t kMaxParams = int64_t{1} << 34;

 private:
  std::vector<ParamInfo> entries_;
  int64_t total_ = 0;
  bool overflow_ = false;
};

// Initialises params (table.total()) as a fresh HF model does: weights ~ N(0, std²) drawn from
// the Philox stream (seed, entry index), biases 0, LayerNorm weights 1.
Status param_init(float* params, const ParamTable& table, uint64_t seed, float std);

// One allocation carved into typed buffers: plan() the sizes, then commit(). The block is kept
// and reused while later plans fit in it, so a model sizes its activations to the largest batch
// seen so far.
class Arena {
 public:
  Arena() = default;
  ~Arena();
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  void begin() {
    requests_.clear();
    overflow_ = false;
  }
  template <typename T>
  void plan(T** slot, int64_t count) {
    // Counts are products of batch and model sizes: one that wraps fails commit() instead of
    // making a small block that kernels then write past.
    constexpr int64_t size = static_cast<int64_t>(sizeof(T));
    if (count < 0 || count > INT64_MAX / size - 64) overflow_ = true;
    requests_.push_back({reinterpret_cast<void**>(slot), overflow_ ? 0 : count * size});
  }
  Status commit(const char* what);
  int64_t bytes() const { return capacity_; }

 private:
  struct Request {
    void** slot;
    int64_t bytes;
  };
  std::vector<Request> requests_;
  bool overflow_ = false;
  char* block_ = nullptr;
  int64_t capacity_ = 0;
};

}  // namespace shapca
