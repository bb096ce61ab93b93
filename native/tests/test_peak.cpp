// measure_peak: a positive rate on every path that has the instructions, unsupported elsewhere.
// (How fast is for the benchmarks; this only checks the contract.)
#include <string>

#include "harness.h"
#include "kernels/peak.h"

using namespace shapca;
using namespace shapca::test;

TEST("measure_peak: positive where the kernels exist, unsupported where not, bad times refused") {
  for_each_path([&](KernelPath path) {
    for (Precision p : {Precision::fp32, Precision::bf16, Precision::int8}) {
      double rate = -1.0;
      const Status s = measure_peak(p, 0.02, &rate);
      const std::string label = std::string(kernel_path_name(path)) + " " + precision_name(p);
      if (precision_fast(p)) {
        CHECK_MSG(s == Status::ok && rate > 1e6, label + ": rate " + std::to_string(rate));
      } else {
        CHECK_MSG(s == Status::unsupported, label + ": expected unsupported");
      }
    }
  });
  double rate = 0.0;
  CHECK(measure_peak(Precision::fp32, 0.0, &rate) == Status::invalid_argument);
  CHECK(measure_peak(Precision::fp32, 0.1, nullptr) == Status::invalid_argument);
}
