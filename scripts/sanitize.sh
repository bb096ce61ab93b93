#!/usr/bin/env bash
# `npm run test:sanitize`: AddressSanitizer + UBSan over the native code, in two parts. Any report
# fails the run.
#  1. the native test binary (leaks included), as before;
#  2. the addon itself, built with the same sanitizers into build-sanitize-addon/ (cmake, apart
#     from node-gyp's build/), loaded into an uninstrumented node: libasan must come first in the
#     process, hence LD_PRELOAD, and SHAPCA_ADDON points the loader at this build. The tests that
#     stress the binding run under it: arrays detached mid-call (hardening/buffer-lifetime), the
#     argument fuzzer (hardening/fuzz-native), the checkpoint bounds and the kernel argument
#     checks. Leak detection is off there: node keeps memory until exit on purpose.
#  npm run test:sanitize               both parts
#  npm run test:sanitize -- --addon    only part 2
set -euo pipefail
cd "$(dirname "$0")/.."
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

if [[ "${1:-}" != "--addon" ]]; then
  cmake -S native -B build-sanitize -DSHAPCA_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build build-sanitize -j 2
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1 ./build-sanitize/shapca_tests
fi

# Node's headers: where node-gyp was told to look (npm's nodedir), else next to the node binary.
node_prefix="${npm_config_nodedir:-$(dirname "$(dirname "$(command -v node)")")}"
node_inc="$node_prefix/include/node"
[[ -f "$node_inc/node_api.h" ]] || { echo "node headers not found in $node_inc (set npm_config_nodedir)"; exit 1; }
cmake -S . -B build-sanitize-addon -DSHAPCA_SANITIZE=ON -DSHAPCA_CUDA=OFF -DSHAPCA_BUILD_TESTS=OFF \
  -DCMAKE_JS_INC="$node_inc" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-sanitize-addon -j 2 --target shapca
echo '*' > build-sanitize-addon/.gitignore

asan="$(${CXX:-g++} -print-file-name=libasan.so)"
LD_PRELOAD="$asan" SHAPCA_ADDON="$PWD/build-sanitize-addon/shapca.node" SHAPCA_SANITIZED=1 \
  ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1:allow_user_segv_handler=1 \
  NO_COLOR=1 node --import tsx test/index.ts 'hardening/(buffer-lifetime|fuzz-native|checkpoint-bounds)|^kernels|shapley-errors' | tee build-sanitize-addon/uvu.log
grep -q 'Total:' build-sanitize-addon/uvu.log && ! grep -qE 'FAIL|✘|ERROR: AddressSanitizer|runtime error:' build-sanitize-addon/uvu.log
