/* The OpenBLAS side of `npm run bench -- gemm`: times cblas_sgemm on the shapes given on the
 * command line with the same deterministic inputs as bench/gemm.ts, and prints one JSON line
 * per shape with the median time and a few output entries for validation.
 *   openblas_gemm THREADS REPS  M N K TA TB  [M N K TA TB ...]
 * Built by bench/gemm.ts:  cc -O2 openblas_gemm.c -lopenblas */
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

extern char* openblas_get_corename(void);
extern void openblas_set_num_threads(int);

/* Same formula as bench/gemm.ts: a Weyl-style hash of the index in [-0.5, 0.5). */
static void fill(float* x, long n, uint32_t salt) {
  for (long i = 0; i < n; ++i) {
    uint32_t h = (uint32_t)(i + salt) * 2654435761u;
    x[i] = (float)((double)h / 4294967296.0 - 0.5);
  }
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc < 8 || (argc - 3) % 5 != 0) {
    fprintf(stderr, "usage: openblas_gemm THREADS REPS M N K TA TB [...]\n");
    return 2;
  }
  int threads = atoi(argv[1]), reps = atoi(argv[2]);
  openblas_set_num_threads(threads);
  for (int s = 3; s < argc; s += 5) {
    long m = atol(argv[s]), n = atol(argv[s + 1]), k = atol(argv[s + 2]);
    int ta = atoi(argv[s + 3]), tb = atoi(argv[s + 4]);
    float* a = malloc(sizeof(float) * m * k);
    float* b = malloc(sizeof(float) * k * n);
    float* c = malloc(sizeof(float) * m * n);
    double* t = malloc(sizeof(double) * reps);
    if (!a || !b || !c || !t) return 3;
    fill(a, m * k, 1);
    fill(b, k * n, 2);
    for (int r = -2; r < reps; ++r) { /* two warm-up runs */
      double t0 = now_ms();
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)m, (int)n,
                  (int)k, 1.0f, a, ta ? (int)m : (int)k, b, tb ? (int)k : (int)n, 0.0f, c, (int)n);
      if (r >= 0) t[r] = now_ms() - t0;
    }
    qsort(t, reps, sizeof(double), cmp);
    printf("{\"m\":%ld,\"n\":%ld,\"k\":%ld,\"ta\":%d,\"tb\":%d,\"ms\":%.4f,\"core\":\"%s\",\"sample\":[", m, n, k, ta,
           tb, t[reps / 2], openblas_get_corename());
    for (int i = 0; i < 16; ++i) printf("%s%.9g", i ? "," : "", c[((long)i * 7919) % (m * n)]);
    printf("]}\n");
    fflush(stdout);
    free(a); free(b); free(c); free(t);
  }
  return 0;
}
