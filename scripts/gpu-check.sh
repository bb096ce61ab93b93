#!/usr/bin/env bash
# The GPU check of the CUDA kernels (issue 8), for a machine with an NVIDIA GPU, cmake, a C++
# compiler and nvcc; Node is not needed. From a bare checkout:
#
#   OUT=/some/folder scripts/gpu-check.sh
#
# 1. builds native/ with SHAPCA_CUDA=ON for sm_80 and sm_90 (cuBLAS for SGEMM when the toolkit
#    has it; if that build fails, again without cuBLAS),
# 2. runs the CUDA tests: every CUDA kernel against the CPU kernel (normalised MSE, gradients too),
# 3. runs the benchmark (cudaEvent timings, median of repetitions): the kernels, then the device
#    models (BERT-base forward, forward+backward and a training step at B=32 T=128, ViT-B/16
#    forward at B=32), each validated against the CPU model first,
# 4. when python3 has torch, times the same cases in PyTorch CUDA eager and writes both as a table,
#    with issue 8's target (BERT-base forward >= 1.0x PyTorch eager) marked met or not.
# Each step has its own time limit (tests 150 s, benchmark 180 s, PyTorch 120 s); the whole run
# fits a 10-minute command on a 16-core machine (the build takes 1–3 minutes there).
# Results in $OUT (default ./gpu-check-out): summary.txt, build.log, nvidia-smi.txt, tests.txt,
# bench.jsonl, torch.jsonl, table.md. The last line printed is the summary; the exit status is
# 0 only when the build and every test passed and the benchmark validated its results.
# Environment: OUT, BUILD_DIR (default build-cuda), CUDA_ARCHS (default "80;90"), JOBS.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ -z "${OUT:-}" ]; then OUT=$PWD/gpu-check-out; mkdir -p "$OUT" && echo '*' >"$OUT/.gitignore"; fi
BUILD=${BUILD_DIR:-build-cuda}
ARCHS=${CUDA_ARCHS:-80;90}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 4)}
mkdir -p "$OUT"
summary() { echo "gpu-check: $*" | tee -a "$OUT/summary.txt"; }
: >"$OUT/summary.txt"

if ! command -v nvcc >/dev/null 2>&1; then
  for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do [ -x "$d/nvcc" ] && export PATH="$d:$PATH" && break; done
fi
command -v nvcc >/dev/null 2>&1 || { summary "nvcc not found: install the CUDA toolkit or put nvcc on PATH"; exit 1; }
command -v cmake >/dev/null 2>&1 || { summary "cmake not found"; exit 1; }
nvidia-smi >"$OUT/nvidia-smi.txt" 2>&1 || echo "(nvidia-smi failed)" >>"$OUT/nvidia-smi.txt"
{ git rev-parse HEAD 2>/dev/null || echo "(not a git checkout)"; nvcc --version; cmake --version | head -n 1; } \
  >"$OUT/build.log" 2>&1

build() {  # build DIR [extra cmake args...]
  local dir=$1; shift
  mkdir -p "$dir" && echo '*' >"$dir/.gitignore"
  cmake -S native -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSHAPCA_CUDA=ON "-DCMAKE_CUDA_ARCHITECTURES=$ARCHS" "$@" \
    >>"$OUT/build.log" 2>&1 &&
    cmake --build "$dir" -j "$JOBS" --target shapca_cuda_tests shapca_cuda_bench >>"$OUT/build.log" 2>&1
}
start=$(date +%s)
if build "$BUILD"; then
  summary "built $BUILD (sm $ARCHS) in $(($(date +%s) - start)) s: $(grep -o 'CUDA kernels enabled.*' "$OUT/build.log" | tail -n 1)"
else
  summary "the build in $BUILD failed (see build.log); trying again without cuBLAS"
  BUILD="$BUILD-nocublas"
  build "$BUILD" -DSHAPCA_CUBLAS=OFF || { summary "the build failed (see build.log)"; tail -n 30 "$OUT/build.log"; exit 1; }
  summary "built $BUILD without cuBLAS"
fi

status=0
timeout 150 "$BUILD/shapca_cuda_tests" >"$OUT/tests.txt" 2>&1
test_rc=$?
tests=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$OUT/tests.txt" | tail -n 1)
grep -E 'FAIL|^    |device:|skipped' "$OUT/tests.txt" | head -n 40
summary "tests: ${tests:-no summary} (exit $test_rc)"
[ "$test_rc" -eq 0 ] && grep -q '^device:' "$OUT/tests.txt" || status=1

timeout 180 "$BUILD/shapca_cuda_bench" >"$OUT/bench.jsonl" 2>"$OUT/bench.err"
bench_rc=$?
cat "$OUT/bench.err" >>"$OUT/tests.txt" && rm -f "$OUT/bench.err"
summary "benchmark: $(grep -c '^{' "$OUT/bench.jsonl") cases (exit $bench_rc)"
[ "$bench_rc" -eq 0 ] || status=1

if python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' >/dev/null 2>&1; then
  timeout 120 python3 native/cuda/bench/torch_peer.py >"$OUT/torch.jsonl" 2>>"$OUT/tests.txt" ||
    summary "the PyTorch peer failed (its error is at the end of tests.txt)"
else
  summary "no python3 with CUDA torch: PyTorch peer skipped"
fi
python3 native/cuda/bench/torch_peer.py --table "$OUT/bench.jsonl" "$OUT/torch.jsonl" >"$OUT/table.md" 2>/dev/null &&
  cat "$OUT/table.md"
summary "$([ $status -eq 0 ] && echo PASS || echo FAIL) in $(($(date +%s) - start)) s; results in $OUT"
exit $status
