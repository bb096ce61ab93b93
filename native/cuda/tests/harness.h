// The CUDA test harness (ggml's test-backend-ops, in small): each case runs an op on the GPU and
// its CPU kernel (the reference) on the same random inputs and compares them by normalised mean
// squared error, NMSE = Σ(gpu − cpu)² / Σ cpu², with a tolerance per op; backward ops are compared
// the same way. TEST cases need a device; HOST_TEST cases check host-callable code (the Philox
// port, argument checks) and also run with --host on a machine without a GPU.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"
#include "cuda/device_buffer.h"

namespace shapca::cuda_test {

struct Case {
  const char* name;
  bool needs_device;
  std::function<void()> fn;
};
std::vector<Case>& registry();
void record_failure(const char* file, int line, const std::string& message);

struct Registrar {
  Registrar(const char* name, bool needs_device, std::function<void()> fn) {
    registry().push_back({name, needs_device, std::move(fn)});
  }
};

// Deterministic floats in [−scale, scale) (the CPU harness's generator).
std::vector<float> random_vector(size_t n, uint64_t seed, float scale = 1.0f);

// Σ(a − ref)² / Σ ref² (0 when both are 0; infinite when a holds a NaN or infinity that ref does not).
double nmse(const float* a, const float* ref, size_t n);

// The record of a failed status: "<label>: <status code>: <last_error()>".
std::string status_message(Status s, const std::string& label);

// Copies to and from the device; a failure is recorded and leaves an empty result.
template <typename T>
cuda::DeviceBuffer<T> to_device(const std::vector<T>& host, const char* file, int line) {
  cuda::DeviceBuffer<T> d;
  if (Status s = d.upload(host.data(), host.size()); s != Status::ok) record_failure(file, line, status_message(s, "upload"));
  return d;
}
template <typename T>
std::vector<T> to_host(const cuda::DeviceBuffer<T>& d, const char* file, int line) {
  std::vector<T> h(d.size());
  if (Status s = d.download(h.data(), h.size()); s != Status::ok) record_failure(file, line, status_message(s, "download"));
  return h;
}

}  // namespace shapca::cuda_test

#define SHAPCA_CT_CONCAT2(a, b) a##b
#define SHAPCA_CT_CONCAT(a, b) SHAPCA_CT_CONCAT2(a, b)
#define SHAPCA_CT_CASE(name, device)                                                                        \
  static void SHAPCA_CT_CONCAT(cuda_test_fn_, __LINE__)();                                                  \
  static ::shapca::cuda_test::Registrar SHAPCA_CT_CONCAT(cuda_test_reg_, __LINE__)(                         \
      name, device, SHAPCA_CT_CONCAT(cuda_test_fn_, __LINE__));                                             \
  static void SHAPCA_CT_CONCAT(cuda_test_fn_, __LINE__)()
#define TEST(name) SHAPCA_CT_CASE(name, true)
#define HOST_TEST(name) SHAPCA_CT_CASE(name, false)

#define CHECK(cond)                                                                                        \
  do {                                                                                                     \
    if (!(cond)) ::shapca::cuda_test::record_failure(__FILE__, __LINE__, "CHECK(" #cond ")");              \
  } while (0)

#define CHECK_MSG(cond, msg)                                                                               \
  do {                                                                                                     \
    if (!(cond)) ::shapca::cuda_test::record_failure(__FILE__, __LINE__, (msg));                           \
  } while (0)

#define CHECK_OK(expr)                                                                                     \
  do {                                                                                                     \
    ::shapca::Status s_ = (expr);                                                                          \
    if (s_ != ::shapca::Status::ok)                                                                        \
      ::shapca::cuda_test::record_failure(__FILE__, __LINE__, ::shapca::cuda_test::status_message(s_, #expr)); \
  } while (0)

#define CHECK_STATUS(expr, expected)                                                                       \
  do {                                                                                                     \
    ::shapca::Status s_ = (expr);                                                                          \
    if (s_ != (expected))                                                                                  \
      ::shapca::cuda_test::record_failure(__FILE__, __LINE__,                                              \
                                          std::string("expected ") + ::shapca::status_code(expected) +     \
                                              " from " #expr " but received " + ::shapca::status_code(s_)); \
  } while (0)

// NMSE of n values of got against ref (vectors or pointers) at most tol.
#define CHECK_NMSE(got, ref, n, tol, label)                                                                \
  do {                                                                                                     \
    const double e_ = ::shapca::cuda_test::nmse((got), (ref), (n));                                        \
    if (!(e_ <= (tol))) {                                                                                  \
      char b_[320];                                                                                        \
      std::snprintf(b_, sizeof b_, "%s: NMSE %.3g above %.3g over %zu values", std::string(label).c_str(), e_, \
                    static_cast<double>(tol), static_cast<size_t>(n));                                     \
      ::shapca::cuda_test::record_failure(__FILE__, __LINE__, b_);                                         \
    }                                                                                                      \
  } while (0)

#define UP(...) ::shapca::cuda_test::to_device((__VA_ARGS__), __FILE__, __LINE__)
#define DOWN(d) ::shapca::cuda_test::to_host((d), __FILE__, __LINE__)
