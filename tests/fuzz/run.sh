#!/usr/bin/env bash
# Builds the fuzz targets with clang-14, libFuzzer and AddressSanitizer into
# build-fuzz/ and runs each for SECONDS (default 600), two at a time.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(kuaidi100 kuaidiniao 17track control push config)
CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DPW_FUZZ=ON -DPW_BUILD_BENCH=OFF >/dev/null
cmake --build build-fuzz -j "$(nproc)" --target $(printf 'fuzz_%s ' "${targets[@]}")
seed_dir() {
  case "$1" in
    control | push | config) echo "tests/fuzz/corpus/$1" ;;
    *) echo "tests/data/$1" ;;
  esac
}
mkdir -p build-fuzz/corpus build-fuzz/logs
pids=()
status=0  # a target that finds a crash must not stop the others
for t in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$t"
  build-fuzz/tests/fuzz/fuzz_$t -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=1 "build-fuzz/corpus/$t" "$(seed_dir "$t")" >"build-fuzz/logs/$t.log" 2>&1 &
  pids+=($!)
  if [ ${#pids[@]} -ge "$(nproc)" ]; then wait "${pids[0]}" || status=1; pids=("${pids[@]:1}"); fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
for t in "${targets[@]}"; do
  echo "== $t: $(grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "build-fuzz/logs/$t.log" | tail -1)"
  grep -E 'ERROR|SUMMARY' "build-fuzz/logs/$t.log" && status=1 || true
done
exit $status
