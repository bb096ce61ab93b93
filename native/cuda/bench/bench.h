// What the benchmark's files share (bench.cpp: the kernels and main; bench_models.cpp: the
// device models): validation bookkeeping, timing and the JSON report line.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace shapca_bench {

extern const char* g_filter;  // only the benches whose name contains it (null: all)
extern int g_failures;        // failed validations and calls; main's exit status

std::vector<float> random_vector(size_t n, uint64_t seed, float scale = 1.0f);
// true for ok; otherwise prints the status and last_error() and counts a failure.
bool ok(shapca::Status s, const char* what);
// Median milliseconds over reps runs after 3 warm-up runs: CUDA events, or the host clock.
double time_gpu(const std::function<void()>& fn, int reps = 20);
double time_cpu(const std::function<void()>& fn, int reps = 5);
bool wanted(const std::string& bench);
// One JSON line; peer may be null.
void report(const std::string& bench, const std::string& shape, double ours_ms, const char* peer, double peer_ms,
            const char* unit, double value);

// BERT-base forward, forward+backward and a training step at B=32 T=128, ViT-B/16 forward at
// B=32 (tiny: toy sizes, so that the emulator runs them).
void bench_models(bool tiny);

}  // namespace shapca_bench
