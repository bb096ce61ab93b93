// Entry points of the AVX-512 BF16 / VNNI translation units (compiled with -mavx512f -mavx512bw
// -mavx512vl -mavx512bf16 -mavx512vnni). Call the bf16 ones only when use_avx512_bf16() and the
// int8 ones only when use_avx512_vnni() (core/cpu.h). Shapes and layouts: kernels/linear_lowp.h.
// Each has a scalar twin in linear_lowp.cpp with the same contract; the int8 ones give identical
// results, the bf16 ones agree up to the order of the fp32 additions.
#pragma once
#include <cstdint>

namespace shapca::avx512_lowp {

// dst row r (ldd ≥ k, even) = bf16(src row r) for k values, zeros up to ldd.
void bf16_convert_rows(uint16_t* dst, int64_t ldd, const float* src, int64_t lds, int64_t rows, int64_t k);
// c[r][j] = Σ_k a[r][k]·b[k][j] + bias[j] for r < rows (1..12), j < cols (1..32); a rows of
// kp = 2·pairs bf16 with stride lda (elements), b one packed 32-column panel; bias may be null.
// With gelu, c = gelu(...) (kernels/gelu.h), applied in the registers before the store; with
// add_c (and no gelu), c = (...) + c: the sums plus what c held.
void bf16_tile(int64_t rows, int64_t pairs, const uint16_t* a, int64_t lda, const uint16_t* b, float* c, int64_t ldc,
               int64_t cols, const float* bias, bool gelu = false, bool add_c = false);

// dst row r = q_x + 128 as bytes (zeros up to ldd), scale[r] = sa of that row (linear_lowp.h).
void int8_quantize_rows(uint8_t* dst, int64_t ldd, float* scale, const float* src, int64_t lds, int64_t rows,
                        int64_t k);
// c[r][j] = row_scale[r]·col_scale[j]·(Σ_k a[r][k]·b[k][j] − comp[j]) + bias[j]; quads = kp / 4;
// col_scale and comp hold 32 values (the panel's, zero padded), bias cols values or null.
// With gelu, c = gelu(...), with add_c, c = (...) + c, as in bf16_tile.
void int8_tile(int64_t rows, int64_t quads, const uint8_t* a, int64_t lda, const int8_t* b, float* c, int64_t ldc,
               int64_t cols, const float* row_scale, const float* col_scale, const int32_t* comp, const float* bias,
               bool gelu = false, bool add_c = false);

// The loops of measure_peak (kernels/peak.h): `iters` 12×32×512 tiles on L1 data; return the operations.
double bf16_dot_loop(int64_t iters);
double int8_dot_loop(int64_t iters);

}  // namespace shapca::avx512_lowp
