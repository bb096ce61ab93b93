// The machine's arithmetic ceiling, measured: every thread of the pool runs a short loop of
// independent multiply-adds without memory traffic, with the instructions the GEMMs of each
// precision use on the active path — fp32 FMA chains in registers (AVX-512, AVX2 or scalar), and
// the bf16 (vdpbf16ps) and int8 (vpdpbusd) linear tiles themselves over L1-resident data.
// `shapca bench` reports its GEMMs as a fraction of this figure. A multiply-add counts as 2
// operations.
#pragma once
#include <cstdint>

#include "../core/status.h"
#include "linear_lowp.h"

namespace shapca {

// ops_per_second over about `seconds` (0.01–10) of the loop on every pool thread at once.
// bf16 / int8 without their kernels on the active path: Status::unsupported.
Status measure_peak(Precision p, double seconds, double* ops_per_second);

}  // namespace shapca
