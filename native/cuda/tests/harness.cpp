#include "harness.h"

#include <cmath>
#include <cstring>

#include "core/rng.h"
#include "cuda/cuda_status.h"
#include "cuda/gemm.h"
#include "cuda/probe.h"

namespace shapca::cuda_test {

namespace {
int g_case_failures = 0;
}

std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

void record_failure(const char* file, int line, const std::string& message) {
  ++g_case_failures;
  if (g_case_failures <= 5) std::printf("    %s:%d: %s\n", file, line, message.c_str());
}

std::vector<float> random_vector(size_t n, uint64_t seed, float scale) {
  CounterRng rng(seed, 0);
  std::vector<float> v(n);
  for (float& x : v) x = (rng.next_uniform() * 2.0f - 1.0f) * scale;
  return v;
}

double nmse(const float* a, const float* ref, size_t n) {
  double err = 0.0, norm = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double d = static_cast<double>(a[i]) - ref[i];
    if (!std::isfinite(a[i]) && a[i] != ref[i]) return INFINITY;
    if (std::isfinite(ref[i])) {
      err += d * d;
      norm += static_cast<double>(ref[i]) * ref[i];
    }
  }
  if (err == 0.0) return 0.0;
  return err / (norm > 0.0 ? norm : 1e-300);
}

std::string status_message(Status s, const std::string& label) {
  return label + ": " + status_code(s) + ": " + last_error();
}

}  // namespace shapca::cuda_test

// shapca_cuda_tests [--host] [FILTER]: every case whose name contains FILTER; --host runs only
// the cases that need no device. Without a device, nothing runs and the run says so (exit 0).
int main(int argc, char** argv) {
  using namespace shapca::cuda_test;
  bool host_only = false;
  const char* filter = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--host") == 0) {
      host_only = true;
    } else {
      filter = argv[i];
    }
  }
  if (!host_only) {
    const shapca::cuda::Probe p = shapca::cuda::probe();
    if (p.device_count == 0) {
      std::printf("no CUDA device found (%s): the CUDA tests need a GPU\n", p.message);
      std::printf("0 passed, 0 failed\n");
      std::printf("every case was skipped because no CUDA device was found\n");
      return 0;
    }
    std::printf("device: %s, CUDA runtime %d, SGEMM through %s\n", p.device_name, p.runtime_version,
                shapca::cuda::have_cublas() ? "cuBLAS" : "the tiled kernel");
  }
  int passed = 0, failed = 0;
  for (const Case& c : registry()) {
    if (host_only && c.needs_device) continue;
    if (filter && std::strstr(c.name, filter) == nullptr) continue;
    g_case_failures = 0;
    shapca::clear_error();
    c.fn();
    if (c.needs_device) {  // an asynchronous error of this case must not surface in the next one
      if (shapca::Status s = shapca::cuda::synchronize("after the case"); s != shapca::Status::ok) {
        record_failure(__FILE__, __LINE__, status_message(s, c.name));
      }
    }
    if (g_case_failures == 0) {
      ++passed;
      std::printf("  ok   %s\n", c.name);
    } else {
      ++failed;
      std::printf("  FAIL %s (%d failed checks)\n", c.name, g_case_failures);
    }
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
