// The bf16 and int8 loops of measure_peak (kernels/peak.h): the linear layers' own 12×32 tiles
// (bf16_tile, int8_tile) over one L1-resident block, so that the ceiling is that of their
// instruction mix (broadcast loads feeding vdpbf16ps / vpdpbusd) without memory traffic. A
// register-only loop of chains that all read the same operands ran at half this rate on Zen 5
// and understated the ceiling.
#include <cstring>

#include "avx512_lowp.h"

namespace shapca::avx512_lowp {

namespace {

constexpr int64_t kRows = 12, kCols = 32, kK = 512;  // A 6 KiB (int8) or 12 KiB (bf16), B 16 or 32 KiB

}  // namespace

double bf16_dot_loop(int64_t iters) {
  alignas(64) uint16_t a[kRows * kK], b[kK * kCols];
  alignas(64) float c[kRows * kCols];
  for (int64_t i = 0; i < kRows * kK; ++i) a[i] = 0x3f80;  // 1.0
  for (int64_t i = 0; i < kK * kCols; ++i) b[i] = 0x3a83;  // ~1e-3
  for (int64_t i = 0; i < iters; ++i) bf16_tile(kRows, kK / 2, a, kK, b, c, kCols, kCols, nullptr);
  volatile float sink = c[0];
  (void)sink;
  return 2.0 * kRows * kCols * kK * static_cast<double>(iters);
}

double int8_dot_loop(int64_t iters) {
  alignas(64) uint8_t a[kRows * kK];
  alignas(64) int8_t b[kK * kCols];
  alignas(64) float c[kRows * kCols], row_scale[kRows], col_scale[kCols];
  alignas(64) int32_t comp[kCols];
  std::memset(a, 129, sizeof a);
  std::memset(b, 3, sizeof b);
  for (float& x : row_scale) x = 1.0f;
  for (float& x : col_scale) x = 1.0f;
  for (int32_t& x : comp) x = 0;
  for (int64_t i = 0; i < iters; ++i) int8_tile(kRows, kK / 4, a, kK, b, c, kCols, kCols, row_scale, col_scale, comp, nullptr);
  volatile float sink = c[0];
  (void)sink;
  return 2.0 * kRows * kCols * kK * static_cast<double>(iters);
}

}  // namespace shapca::avx512_lowp
