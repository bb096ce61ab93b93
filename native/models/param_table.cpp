#include "param_table.h"

#include <cmath>
#include <cstdlib>

#include "../core/rng.h"
#include "../core/tensor.h"
#include "../core/thread_pool.h"

namespace shapca {

int64_t ParamTable::add(const std::string& name, std::initializer_list<int64_t> shape, ParamInit init) {
  ParamInfo p;
  p.name = name;
  p.init = init;
  for (int64_t d : shape) {
    if (p.ndim < 4) p.shape[p.ndim++] = d;
  }
  // Checked: a wrapped product would make a small allocation that kernels then write past.
  if (!checked_numel(shape, &p.numel) || p.numel > kMaxParams || total_ > kMaxParams - p.numel) {
    overflow_ = true;
    p.numel = 0;
  }
  p.offset = total_;
  total_ += p.numel;
  entries_.push_back(p);
  return p.offset;
}

Status ParamTable::check(const char* what) const {
  if (overflow_) {
    return fail(Status::out_of_range, "%s: the configured sizes give more than %lld parameters (or overflow)", what,
                static_cast<long long>(kMaxParams));
  }
  return Status::ok;
}

Status param_init(float* params, const ParamTable& table, uint64_t seed, float std) {
  if (params == nullptr) return fail(Status::invalid_argument, "param_init: params is null");
  if (!(std >= 0.0f) || !std::isfinite(std)) {
    return fail(Status::invalid_argument, "param_init: expected a finite std >= 0 but received %g", std);
  }
  const auto& entries = table.entries();
  return ThreadPool::global().run(static_cast<int64_t>(entries.size()), [&](int64_t e, int) {
    const ParamInfo& p = entries[e];
    float* dst = params + p.offset;
    if (p.init != ParamInit::normal) {
      const float v = p.init == ParamInit::ones ? 1.0f : 0.0f;
      for (int64_t i = 0; i < p.numel; ++i) dst[i] = v;
      return;
    }
    CounterRng rng(seed, static_cast<uint64_t>(e));
    for (int64_t i = 0; i < p.numel; i += 2) {  // Box–Muller, two normals per pair of uniforms
      const float u1 = 1.0f - rng.next_uniform(), u2 = rng.next_uniform();
      const float r = std * std::sqrt(-2.0f * std::log(u1));
      dst[i] = r * std::cos(6.28318530718f * u2);
      if (i + 1 < p.numel) dst[i + 1] = r * std::sin(6.28318530718f * u2);
    }
  });
}

Arena::~Arena() { std::free(block_); }

Status Arena::commit(const char* what) {
  int64_t total = 0;
  for (const Request& r : requests_) {
    const int64_t padded = (r.bytes + 63) / 64 * 64;
    if (overflow_ || total > INT64_MAX - padded) {
      return fail(Status::out_of_range, "%s: the activations these sizes need overflow a 64-bit byte count", what);
    }
    total += padded;
  }
  if (total > capacity_) {
    std::free(block_);
    block_ = static_cast<char*>(std::aligned_alloc(64, static_cast<size_t>(total)));
    capacity_ = block_ ? total : 0;
    if (block_ == nullptr) {
      return fail(Status::out_of_memory, "%s: could not allocate %.1f MiB of activations", what,
                  static_cast<double>(total) / (1 << 20));
    }
  }
  int64_t at = 0;
  for (const Request& r : requests_) {
    *r.slot = r.bytes > 0 ? block_ + at : nullptr;
    at += (r.bytes + 63) / 64 * 64;
  }
  return Status::ok;
}

}  // namespace shapca
