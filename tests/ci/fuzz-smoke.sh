#!/usr/bin/env bash
# CI stage fuzz-smoke: builds the libFuzzer targets with Clang 14 (-DCASSIOPEIA_FUZZ=ON) into
# build-fuzz and runs each for a minute from its committed corpus. Crashes land in
# build-fuzz/artifacts/; new inputs in build-fuzz/corpus/ (the committed corpus stays as it is).
# Copyright (c) 2026 the Cassiopeia authors. Licence: GPL-3.0-or-later.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

build=$(realpath -m "${CASS_FUZZ_BUILD_DIR:-build-fuzz}")
seconds=${CASS_FUZZ_SECONDS:-60}

mapfile -t targets < <(grep -oE 'cassiopeia_add_fuzzer\([a-z0-9_]+' tests/fuzz/CMakeLists.txt |
    sed 's/.*(//')
if [[ ${#targets[@]} -eq 0 ]]; then
    echo "fuzz-smoke: no fuzz targets in tests/fuzz/CMakeLists.txt" >&2
    exit 1
fi

# The libraries under test get coverage instrumentation and the sanitizers too, not only the
# fuzz targets' own files.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCASSIOPEIA_FUZZ=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined"
cmake --build "$build" -j "${CASS_JOBS:-$(nproc)}" --target "${targets[@]}"

mkdir -p "$build/artifacts"
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=${CASS_DETECT_LEAKS:-1}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=()
for target in "${targets[@]}"; do
    corpus=tests/fuzz/corpus/$target
    scratch=$build/corpus/$target
    mkdir -p "$scratch"
    args=(-max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=10
        -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-")
    for dict in "tests/fuzz/$target.dict" "tests/fuzz/${target#fuzz_}.dict"; do
        [[ -f $dict ]] && args+=(-dict="$dict") && break
    done
    dirs=("$scratch")
    [[ -d $corpus ]] && dirs+=("$corpus")
    echo "== $target for ${seconds} s"
    if ! "$build/bin/$target" "${args[@]}" "${dirs[@]}" >"$build/$target.log" 2>&1; then
        tail -n 60 "$build/$target.log" >&2
        failed+=("$target")
    else
        grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/$target.log" || true
    fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "fuzz-smoke: failed: ${failed[*]} (inputs in $build/artifacts/)" >&2
    exit 1
fi
echo "fuzz-smoke: ${#targets[@]} targets ran ${seconds} s each without a finding"
