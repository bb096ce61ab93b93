// AVX2/FMA entry points of the Shapley scans (native/kernels/avx2/shapley_avx2.cpp), the same
// contract as the scalar scans in shapley_scan.cpp. One call scans one permutation over a block
// of 16 games; every table is (k,16) doubles with one row per player, padding lanes included
// (num 0, den 1). Only call them when use_avx2() is true (see avx2.h for the rules these units
// follow).
#pragma once
#include <cstdint>

namespace shapca::avx2 {

// x[π_t] += scale·(v_t − v_{t−1}), v_0 = 0, v_t = off + Σ_{l≤t} num[π_l] / Σ_{l≤t} den[π_l].
void shapley_scan_ratio(double* x, const double* num, const double* den, const double* off, const int32_t* perm,
                        int64_t k, double scale);
// x[π_t] += scale·(v_t − v_{t−1}), v_0 = 0, v_t = c[t]·Σ_{l≤t} num[π_l].
void shapley_scan_linear(double* x, const double* num, const double* c, const int32_t* perm, int64_t k, double scale);

// Backward of shapley_scan_ratio with num = w·s̃, den = w: ds[π_t] += ∂/∂s given dx = ∂/∂δ.
// work is (2k,16).
void shapley_scan_ratio_backward(double* ds, double* work, const double* dx, const double* num, const double* den,
                                 const double* st, const int32_t* perm, int64_t k, double inv_tau);
// Backward of shapley_scan_linear: ds[π_t] += ∂/∂num, dc[t] += Σ_lanes ∂/∂c[t]. work is (k,16).
void shapley_scan_linear_backward(double* ds, double* dc, double* work, const double* dx, const double* num,
                                  const double* c, const int32_t* perm, int64_t k);

}  // namespace shapca::avx2
