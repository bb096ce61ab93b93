// Argument checks for the binding: every raw addon function takes one options object, and each
// field is read through these helpers, which throw a TypeError or RangeError with a fixed
// message shape ("fn: expected X for name but received Y") before any native work starts.
#pragma once
#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace shapca::binding {

// Largest size accepted for any single dimension (fits int32 indexing on every backend).
constexpr int64_t kMaxDim = 2147483647;

class Args {
 public:
  Args(const Napi::CallbackInfo& info, const char* fn);

  Napi::Env env() const { return env_; }
  const char* fn() const { return fn_; }

  int64_t size(const char* name, int64_t max = kMaxDim);
  int64_t integer(const char* name, int64_t min, int64_t max, int64_t fallback);
  double number(const char* name, double fallback, bool finite = true);
  bool boolean(const char* name, bool fallback);
  std::string choice(const char* name, std::initializer_list<const char*> allowed, const char* fallback);

  // A Float32Array with at least min_len elements (checked for NaN/Inf when finite).
  // Optional arrays may be absent/undefined/null and then give nullptr.
  float* f32(const char* name, int64_t min_len, bool finite, bool optional = false);
  int32_t* i32(const char* name, int64_t min_len, bool optional = false);
  uint8_t* u8(const char* name, int64_t min_len, bool optional = false);

  // Throws a RangeError when the memory `out` covers (its elements the call uses) overlaps that of
  // any of `inputs` (arrays read so far; absent ones are skipped): a kernel writing its output
  // while reading an input that shares its bytes would compute garbage.
  void refuse_overlap(const char* out, std::initializer_list<const char*> inputs) const;

  // References that keep every array read so far alive while async work runs.
  std::vector<Napi::ObjectReference> take_keep_alive() { return std::move(keep_); }

  [[noreturn]] void type_error(const std::string& message) const;
  [[noreturn]] void range_error(const std::string& message) const;

 private:
  Napi::Value field(const char* name) const;
  Napi::TypedArray typed(const char* name, napi_typedarray_type type, const char* type_name, int64_t min_len,
                         bool optional, bool* present);

  Napi::Env env_;
  Napi::Object options_;
  const char* fn_;
  std::vector<Napi::ObjectReference> keep_;
  struct Range {
    const char* name;
    const char* begin;
    const char* end;
  };
  std::vector<Range> ranges_;  // bytes each array read so far covers, for refuse_overlap
};

// Checked product of sizes for length checks; throws RangeError on overflow.
int64_t product(const Args& args, std::initializer_list<int64_t> dims);
// Elements a strided rows×cols matrix occupies: (rows−1)·ld + cols, or 0 when empty.
int64_t strided_extent(int64_t rows, int64_t cols, int64_t ld);

}  // namespace shapca::binding
