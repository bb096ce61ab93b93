#include "args.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>

#include "buffer_hold.h"
#include "core/cpu.h"
#include "core/tensor.h"
#include "kernels/avx2/avx2.h"

namespace shapca::binding {

namespace {
std::string format_number(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) {
    switch (v.As<Napi::TypedArray>().TypedArrayType()) {
      case napi_float32_array: return "Float32Array";
      case napi_float64_array: return "Float64Array";
      case napi_int32_array: return "Int32Array";
      case napi_uint32_array: return "Uint32Array";
      case napi_uint8_array: return "Uint8Array";
      case napi_int8_array: return "Int8Array";
      case napi_int16_array: return "Int16Array";
      case napi_uint16_array: return "Uint16Array";
      default: return "a typed array of another type";
    }
  }
  if (v.IsArray()) return "Array";
  if (v.IsNumber()) return "number " + format_number(v.As<Napi::Number>().DoubleValue());
  if (v.IsString()) return "string '" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsBoolean()) return "boolean";
  if (v.IsFunction()) return "function";
  return "object";
}
// Index of the first NaN or infinity in x[0, n), or n. The check runs on the JS thread before
// every call, so it must cost memory bandwidth, not a branch per element: blocks are scanned with
// a vector loop (exponent bits all ones ⇔ not finite; AVX2 when the CPU has it), and only a block that has
// one is searched element by element.
size_t first_non_finite(const float* x, size_t n) {
  constexpr size_t kBlock = 4096;
  const bool avx = use_avx2();
  for (size_t b = 0; b < n; b += kBlock) {
    const size_t e = std::min(n, b + kBlock);
    uint32_t any = 0;
    if (avx) {
      any = avx2::any_non_finite(x + b, static_cast<int64_t>(e - b));
    } else {
      for (size_t i = b; i < e; ++i) {
        uint32_t bits;
        std::memcpy(&bits, x + i, sizeof bits);
        any |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
      }
    }
    if (any) {
      for (size_t i = b; i < e; ++i) {
        if (!std::isfinite(x[i])) return i;
      }
    }
  }
  return n;
}

}  // namespace

Args::Args(const Napi::CallbackInfo& info, const char* fn) : env_(info.Env()), fn_(fn) {
  if (info.Length() < 1 || !info[0].IsObject()) {
    type_error(std::string("expected an options object but received ") +
               (info.Length() < 1 ? "nothing" : describe(info[0])));
  }
  options_ = info[0].As<Napi::Object>();
}

void Args::type_error(const std::string& message) const {
  throw Napi::TypeError::New(env_, std::string(fn_) + ": " + message);
}

void Args::range_error(const std::string& message) const {
  throw Napi::RangeError::New(env_, std::string(fn_) + ": " + message);
}

Napi::Value Args::field(const char* name) const { return options_.Get(name); }

int64_t Args::integer(const char* name, int64_t min, int64_t max, int64_t fallback) {
  Napi::Value v = field(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) type_error(std::string("expected an integer for ") + name + " but received " + describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d) || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    range_error(std::string("expected ") + name + " to be an integer in [" + std::to_string(min) + ", " +
                std::to_string(max) + "] but received " + describe(v).substr(7));
  }
  return static_cast<int64_t>(d);
}

int64_t Args::size(const char* name, int64_t max) {
  Napi::Value v = field(name);
  if (v.IsUndefined()) type_error(std::string("expected an integer for ") + name + " but received undefined");
  return integer(name, 0, max, 0);
}

double Args::number(const char* name, double fallback, bool finite) {
  Napi::Value v = field(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) type_error(std::string("expected a number for ") + name + " but received " + describe(v));
  double d = v.As<Napi::Number>().DoubleValue();
  if (finite && !std::isfinite(d)) range_error(std::string("expected a finite number for ") + name + " but received " + describe(v).substr(7));
  return d;
}

bool Args::boolean(const char* name, bool fallback) {
  Napi::Value v = field(name);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) type_error(std::string("expected a boolean for ") + name + " but received " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

std::string Args::choice(const char* name, std::initializer_list<const char*> allowed, const char* fallback) {
  Napi::Value v = field(name);
  if (v.IsUndefined()) return fallback;
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "'" : ", '") + std::string(a) + "'";
  if (!v.IsString()) type_error("expected one of " + list + " for " + name + " but received " + describe(v));
  std::string s = v.As<Napi::String>().Utf8Value();
  for (const char* a : allowed) {
    if (s == a) return s;
  }
  range_error("expected one of " + list + " for " + name + " but received '" + s + "'");
}

Napi::TypedArray Args::typed(const char* name, napi_typedarray_type type, const char* type_name, int64_t min_len,
                             bool optional, bool* present) {
  Napi::Value v = field(name);
  *present = !(v.IsUndefined() || v.IsNull());
  if (!*present) {
    if (optional) return Napi::TypedArray();
    type_error(std::string("expected ") + type_name + " for " + name + " but received " + describe(v));
  }
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    type_error(std::string("expected ") + type_name + " for " + name + " but received " + describe(v));
  }
  Napi::TypedArray arr = v.As<Napi::TypedArray>();
  if (is_resizable_view(arr)) {
    type_error(std::string("expected ") + type_name + " for " + name +
               " over a fixed-length buffer but it views a resizable ArrayBuffer (it could shrink while the call runs)");
  }
  if (static_cast<int64_t>(arr.ElementLength()) < min_len) {
    range_error(std::string("expected ") + name + " to have at least " + std::to_string(min_len) +
                " elements but received " + std::to_string(arr.ElementLength()));
  }
  keep_.push_back(Napi::Persistent(arr.As<Napi::Object>()));
  const size_t bytes = static_cast<size_t>(std::max<int64_t>(min_len, 0)) * arr.ElementSize();
  const char* begin = static_cast<const char*>(arr.ArrayBuffer().Data()) + arr.ByteOffset();
  ranges_.push_back({name, begin, begin + bytes});
  return arr;
}

void Args::refuse_overlap(const char* out, std::initializer_list<const char*> inputs) const {
  const Range* o = nullptr;
  for (const Range& r : ranges_) {
    if (std::strcmp(r.name, out) == 0) o = &r;
  }
  if (o == nullptr || o->begin == o->end) return;
  for (const char* in : inputs) {
    for (const Range& r : ranges_) {
      if (std::strcmp(r.name, in) == 0 && r.begin < o->end && o->begin < r.end) {
        range_error(std::string("expected ") + out + " not to share memory with " + in +
                    " (the output would overwrite the input while it is read); pass a separate array");
      }
    }
  }
}

float* Args::f32(const char* name, int64_t min_len, bool finite, bool optional) {
  bool present = false;
  Napi::TypedArray arr = typed(name, napi_float32_array, "Float32Array", min_len, optional, &present);
  if (!present) return nullptr;
  float* data = arr.As<Napi::Float32Array>().Data();
  if (finite) {
    const size_t n = static_cast<size_t>(min_len);  // only what the kernel reads
    const size_t bad = first_non_finite(data, n);
    if (bad < n) {
      range_error(std::string("expected finite values in ") + name + " but " + name + "[" + std::to_string(bad) +
                  "] is " + (std::isnan(data[bad]) ? "NaN" : "infinite"));
    }
  }
  return data;
}

int32_t* Args::i32(const char* name, int64_t min_len, bool optional) {
  bool present = false;
  Napi::TypedArray arr = typed(name, napi_int32_array, "Int32Array", min_len, optional, &present);
  return present ? arr.As<Napi::Int32Array>().Data() : nullptr;
}

uint8_t* Args::u8(const char* name, int64_t min_len, bool optional) {
  bool present = false;
  Napi::TypedArray arr = typed(name, napi_uint8_array, "Uint8Array", min_len, optional, &present);
  return present ? arr.As<Napi::Uint8Array>().Data() : nullptr;
}

int64_t product(const Args& args, std::initializer_list<int64_t> dims) {
  int64_t n = 0;
  if (!checked_numel(dims, &n)) args.range_error("the sizes given multiply past the largest supported tensor");
  return n;
}

int64_t strided_extent(int64_t rows, int64_t cols, int64_t ld) {
  if (rows == 0 || cols == 0) return 0;
  return (rows - 1) * ld + cols;
}

}  // namespace shapca::binding
