// A tiny test harness for the native core: TEST(name) registers a case, CHECK records a
// failure without stopping the case, and the runner prints "N passed, N failed".
#pragma once
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace shapca::test {

struct Case {
  const char* name;
  std::function<void()> fn;
};
std::vector<Case>& registry();
void record_failure(const char* file, int line, const std::string& message);

struct Registrar {
  Registrar(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};

// Deterministic pseudo-random floats in [-scale, scale).
std::vector<float> random_vector(size_t n, uint64_t seed, float scale = 1.0f);

// Largest |a−b| / (atol + rtol·|b|); ≤ 1 means within tolerance.
double tolerance_ratio(const float* a, const float* b, size_t n, double atol, double rtol, size_t* worst = nullptr);

// Central differences (step 0.01) of loss() with respect to every element of x, which is perturbed
// in place and restored.
std::vector<float> numeric_grad(std::vector<float>& x, const std::function<double()>& loss);
// The same for L = Σ probe ⊙ f().
std::vector<float> numeric_grad(std::vector<float>& x, const std::vector<float>& probe,
                                const std::function<std::vector<float>()>& f);

}  // namespace shapca::test

#define SHAPCA_CONCAT2(a, b) a##b
#define SHAPCA_CONCAT(a, b) SHAPCA_CONCAT2(a, b)
#define TEST(name)                                                                       \
  static void SHAPCA_CONCAT(test_fn_, __LINE__)();                                       \
  static ::shapca::test::Registrar SHAPCA_CONCAT(test_reg_, __LINE__)(name, SHAPCA_CONCAT(test_fn_, __LINE__)); \
  static void SHAPCA_CONCAT(test_fn_, __LINE__)()

#define CHECK(cond)                                                                      \
  do {                                                                                   \
    if (!(cond)) ::shapca::test::record_failure(__FILE__, __LINE__, "CHECK(" #cond ")"); \
  } while (0)

#define CHECK_MSG(cond, msg)                                                             \
  do {                                                                                   \
    if (!(cond)) ::shapca::test::record_failure(__FILE__, __LINE__, (msg));              \
  } while (0)

// Element-wise |a−b| ≤ atol + rtol·|b| with the worst element in the message.
#define CHECK_CLOSE(a, b, n, atol, rtol, label)                                                           \
  do {                                                                                                    \
    size_t worst_ = 0;                                                                                    \
    double r_ = ::shapca::test::tolerance_ratio((a), (b), (n), (atol), (rtol), &worst_);                  \
    if (!(r_ <= 1.0)) {                                                                                   \
      char buf_[256];                                                                                     \
      std::snprintf(buf_, sizeof buf_, "%s: element %zu is %.8g, expected %.8g (ratio to tolerance %.3g)", \
                    std::string(label).c_str(), worst_, (double)(a)[worst_], (double)(b)[worst_], r_);     \
      ::shapca::test::record_failure(__FILE__, __LINE__, buf_);                                           \
    }                                                                                                     \
  } while (0)

#include "core/cpu.h"

namespace shapca::test {
// Runs fn once per kernel path this CPU has (scalar always, AVX2 and AVX-512 when supported),
// then restores the path that was active.
template <typename Fn>
void for_each_path(const Fn& fn) {
  const KernelPath saved = kernel_path();
  for (KernelPath p : {KernelPath::scalar, KernelPath::avx2, KernelPath::avx512}) {
    if (set_kernel_path(p) == Status::ok) fn(p);
  }
  set_kernel_path(saved);
}
}  // namespace shapca::test
