// The inner loop of the 12×32 register tiles of the fp32 SGEMM (A read where it lies) and of the
// bf16 and int8 linear layers, written in assembly: GCC 12 keeps the 24 accumulators of the C++
// loop in registers only for part of the unrolled body and moves the rest through the stack on
// every pass (20 of them, loaded and stored per 8 steps), which cost the int8 tile about a fifth
// of its rate in the encoders. Here the accumulators are zmm0–23 for the whole loop and leave the
// registers once, at the end.
//
// One step reads one 32-bit word of each of the 12 rows of A (an fp32 value, a bf16 pair or a
// byte quad; row r at a + r·lda bytes) and two 64-byte vectors of the packed B panel (32 columns
// of the same step), and does, for each row r and each column j of the panel:
//     acc[r][j] += word of row r · lane j of B       (INSN: vfmadd231ps; or the dot product of
//                                                     the pair / quad: vdpbf16ps, vpdpbusd)
// BCAST broadcasts the word and LOAD loads B (vbroadcastss / vmovaps for fp32, the integer forms
// for the others). out receives acc as 12 rows of 32 lanes (fp32, or int32 for vpdpbusd).
#pragma once
#include <cstdint>

namespace shapca::avx512 {

// Written out for each of the 12 rows: accumulators 2r (columns 0–15) and 2r+1 (16–31).
#define SHAPCA_TILE_STEP(INSN, BCAST, LOAD)                                                        \
  LOAD " (%[b]), %%zmm24\n\t"                                                                      \
  LOAD " 64(%[b]), %%zmm25\n\t"                                                                    \
  BCAST " (%[a0]), %%zmm26\n\t"                                                                    \
  INSN " %%zmm24, %%zmm26, %%zmm0\n\t" INSN " %%zmm25, %%zmm26, %%zmm1\n\t"                        \
  BCAST " (%[a0],%[ld],1), %%zmm27\n\t"                                                            \
  INSN " %%zmm24, %%zmm27, %%zmm2\n\t" INSN " %%zmm25, %%zmm27, %%zmm3\n\t"                        \
  BCAST " (%[a0],%[ld],2), %%zmm26\n\t"                                                            \
  INSN " %%zmm24, %%zmm26, %%zmm4\n\t" INSN " %%zmm25, %%zmm26, %%zmm5\n\t"                        \
  BCAST " (%[a3]), %%zmm27\n\t"                                                                    \
  INSN " %%zmm24, %%zmm27, %%zmm6\n\t" INSN " %%zmm25, %%zmm27, %%zmm7\n\t"                        \
  BCAST " (%[a3],%[ld],1), %%zmm26\n\t"                                                            \
  INSN " %%zmm24, %%zmm26, %%zmm8\n\t" INSN " %%zmm25, %%zmm26, %%zmm9\n\t"                        \
  BCAST " (%[a3],%[ld],2), %%zmm27\n\t"                                                            \
  INSN " %%zmm24, %%zmm27, %%zmm10\n\t" INSN " %%zmm25, %%zmm27, %%zmm11\n\t"                      \
  BCAST " (%[a6]), %%zmm26\n\t"                                                                    \
  INSN " %%zmm24, %%zmm26, %%zmm12\n\t" INSN " %%zmm25, %%zmm26, %%zmm13\n\t"                      \
  BCAST " (%[a6],%[ld],1), %%zmm27\n\t"                                                            \
  INSN " %%zmm24, %%zmm27, %%zmm14\n\t" INSN " %%zmm25, %%zmm27, %%zmm15\n\t"                      \
  BCAST " (%[a6],%[ld],2), %%zmm26\n\t"                                                            \
  INSN " %%zmm24, %%zmm26, %%zmm16\n\t" INSN " %%zmm25, %%zmm26, %%zmm17\n\t"                      \
  BCAST " (%[a9]), %%zmm27\n\t"                                                                    \
  INSN " %%zmm24, %%zmm27, %%zmm18\n\t" INSN " %%zmm25, %%zmm27, %%zmm19\n\t"                      \
  BCAST " (%[a9],%[ld],1), %%zmm26\n\t"                                                            \
  INSN " %%zmm24, %%zmm26, %%zmm20\n\t" INSN " %%zmm25, %%zmm26, %%zmm21\n\t"                      \
  BCAST " (%[a9],%[ld],2), %%zmm27\n\t"                                                            \
  INSN " %%zmm24, %%zmm27, %%zmm22\n\t" INSN " %%zmm25, %%zmm27, %%zmm23\n\t"

#define SHAPCA_TILE_LOOP(INSN, BCAST, LOAD)                                                        \
  __asm__ volatile(                                                                                \
      "vpxord %%zmm0, %%zmm0, %%zmm0\n\t"                                                          \
      "vmovdqa64 %%zmm0, %%zmm1\n\t vmovdqa64 %%zmm0, %%zmm2\n\t vmovdqa64 %%zmm0, %%zmm3\n\t"     \
      "vmovdqa64 %%zmm0, %%zmm4\n\t vmovdqa64 %%zmm0, %%zmm5\n\t vmovdqa64 %%zmm0, %%zmm6\n\t"     \
      "vmovdqa64 %%zmm0, %%zmm7\n\t vmovdqa64 %%zmm0, %%zmm8\n\t vmovdqa64 %%zmm0, %%zmm9\n\t"     \
      "vmovdqa64 %%zmm0, %%zmm10\n\t vmovdqa64 %%zmm0, %%zmm11\n\t vmovdqa64 %%zmm0, %%zmm12\n\t"  \
      "vmovdqa64 %%zmm0, %%zmm13\n\t vmovdqa64 %%zmm0, %%zmm14\n\t vmovdqa64 %%zmm0, %%zmm15\n\t"  \
      "vmovdqa64 %%zmm0, %%zmm16\n\t vmovdqa64 %%zmm0, %%zmm17\n\t vmovdqa64 %%zmm0, %%zmm18\n\t"  \
      "vmovdqa64 %%zmm0, %%zmm19\n\t vmovdqa64 %%zmm0, %%zmm20\n\t vmovdqa64 %%zmm0, %%zmm21\n\t"  \
      "vmovdqa64 %%zmm0, %%zmm22\n\t vmovdqa64 %%zmm0, %%zmm23\n\t"                                \
      "test %[n], %[n]\n\t"                                                                        \
      "jz 2f\n\t"                                                                                  \
      "1:\n\t" SHAPCA_TILE_STEP(INSN, BCAST, LOAD)                                                 \
      "add $4, %[a0]\n\t add $4, %[a3]\n\t add $4, %[a6]\n\t add $4, %[a9]\n\t"                    \
      "add $128, %[b]\n\t"                                                                         \
      "dec %[n]\n\t"                                                                               \
      "jnz 1b\n\t"                                                                                 \
      "2:\n\t"                                                                                     \
      "vmovdqu32 %%zmm0, 0(%[out])\n\t vmovdqu32 %%zmm1, 64(%[out])\n\t"                           \
      "vmovdqu32 %%zmm2, 128(%[out])\n\t vmovdqu32 %%zmm3, 192(%[out])\n\t"                        \
      "vmovdqu32 %%zmm4, 256(%[out])\n\t vmovdqu32 %%zmm5, 320(%[out])\n\t"                        \
      "vmovdqu32 %%zmm6, 384(%[out])\n\t vmovdqu32 %%zmm7, 448(%[out])\n\t"                        \
      "vmovdqu32 %%zmm8, 512(%[out])\n\t vmovdqu32 %%zmm9, 576(%[out])\n\t"                        \
      "vmovdqu32 %%zmm10, 640(%[out])\n\t vmovdqu32 %%zmm11, 704(%[out])\n\t"                      \
      "vmovdqu32 %%zmm12, 768(%[out])\n\t vmovdqu32 %%zmm13, 832(%[out])\n\t"                      \
      "vmovdqu32 %%zmm14, 896(%[out])\n\t vmovdqu32 %%zmm15, 960(%[out])\n\t"                      \
      "vmovdqu32 %%zmm16, 1024(%[out])\n\t vmovdqu32 %%zmm17, 1088(%[out])\n\t"                    \
      "vmovdqu32 %%zmm18, 1152(%[out])\n\t vmovdqu32 %%zmm19, 1216(%[out])\n\t"                    \
      "vmovdqu32 %%zmm20, 1280(%[out])\n\t vmovdqu32 %%zmm21, 1344(%[out])\n\t"                    \
      "vmovdqu32 %%zmm22, 1408(%[out])\n\t vmovdqu32 %%zmm23, 1472(%[out])\n\t"                    \
      : [a0] "+r"(a0), [a3] "+r"(a3), [a6] "+r"(a6), [a9] "+r"(a9), [b] "+r"(bp), [n] "+r"(n)      \
      : [ld] "r"(ld), [out] "r"(out)                                                               \
      : "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",   \
        "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "xmm16", "xmm17", "xmm18", "xmm19", "xmm20",  \
        "xmm21", "xmm22", "xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "memory", "cc")

// out[r·32 + j] = Σ_p dot(a[r·lda + 4p .. +4), b[p·128 + 4j .. +4)) for r < 12, j < 32, over
// `steps` steps; a and b point to bytes, lda is in bytes, b is 64-byte aligned.
#define SHAPCA_TILE_FUNCTION(NAME, INSN, BCAST, LOAD, OUT)                                         \
  inline void NAME(int64_t steps, const void* a, int64_t lda, const void* b, OUT* out) {           \
    const char* a0 = static_cast<const char*>(a);                                                  \
    const char *a3 = a0 + 3 * lda, *a6 = a0 + 6 * lda, *a9 = a0 + 9 * lda;                         \
    const char* bp = static_cast<const char*>(b);                                                  \
    const int64_t ld = lda;                                                                        \
    int64_t n = steps;                                                                             \
    SHAPCA_TILE_LOOP(INSN, BCAST, LOAD);                                                           \
  }
SHAPCA_TILE_FUNCTION(tile12_dpbusd, "vpdpbusd", "vpbroadcastd", "vmovdqa64", int32_t)
SHAPCA_TILE_FUNCTION(tile12_dpbf16, "vdpbf16ps", "vpbroadcastd", "vmovdqa64", float)
SHAPCA_TILE_FUNCTION(tile12_fma, "vfmadd231ps", "vbroadcastss", "vmovaps", float)

#undef SHAPCA_TILE_FUNCTION
#undef SHAPCA_TILE_LOOP
#undef SHAPCA_TILE_STEP

}  // namespace shapca::avx512
