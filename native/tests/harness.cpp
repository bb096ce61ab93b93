#include "harness.h"

#include <cstring>

#include "core/rng.h"

namespace shapca::test {

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

double tolerance_ratio(const float* a, const float* b, size_t n, double atol, double rtol, size_t* worst) {
  double ratio = 0.0;
  for (size_t i = 0; i < n; ++i) {
    double err = std::fabs(static_cast<double>(a[i]) - b[i]);
    double r = err / (atol + rtol * std::fabs(static_cast<double>(b[i])));
    if (std::isnan(err)) r = INFINITY;
    if (r > ratio) {
      ratio = r;
      if (worst) *worst = i;
    }
  }
  return ratio;
}

std::vector<float> numeric_grad(std::vector<float>& x, const std::function<double()>& loss) {
  std::vector<float> g(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    float keep = x[i];
    x[i] = keep + 1e-2f;
    double up = loss();
    x[i] = keep - 1e-2f;
    double down = loss();
    x[i] = keep;
    g[i] = static_cast<float>((up - down) / 2e-2);
  }
  return g;
}

std::vector<float> numeric_grad(std::vector<float>& x, const std::vector<float>& probe,
                                const std::function<std::vector<float>()>& f) {
  return numeric_grad(x, [&]() {
    std::vector<float> y = f();
    double l = 0.0;
    for (size_t i = 0; i < y.size(); ++i) l += static_cast<double>(probe[i]) * y[i];
    return l;
  });
}

}  // namespace shapca::test

int main(int argc, char** argv) {
  using namespace shapca::test;
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int passed = 0, failed = 0;
  for (const Case& c : registry()) {
    if (filter && std::strstr(c.name, filter) == nullptr) continue;
    g_case_failures = 0;
    c.fn();
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
