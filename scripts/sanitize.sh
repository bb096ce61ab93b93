#!/usr/bin/env bash
# `npm run test:sanitize`: builds the native test binary with AddressSanitizer + UBSan
# (leaks included) and runs it. Any report fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S native -B build-sanitize -DSHAPCA_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-sanitize -j 2
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
./build-sanitize/shapca_tests "$@"
