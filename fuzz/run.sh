#!/usr/bin/env bash
# Builds Minima's fuzz targets (libFuzzer with AddressSanitizer) and runs each for a while.
#
#   fuzz/run.sh [TARGET|all] [SECONDS]     (default: all targets, 10 seconds each)
#
# Targets are fuzz/targets/TARGET.swift (common.swift is shared); each starts from its seed
# corpus fuzz/corpus/TARGET and keeps what it finds in .build/fuzz/corpus/TARGET. A crash, a
# leak of memory past 2 GiB, an input slower than 10 s or an error other than MinimaError is a
# finding: the input is saved as .build/fuzz/findings/TARGET-*, and the script exits 1 after
# running every target. The last line of each run says how many inputs were executed.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
seconds=${2:-10}
build=.build/fuzz
mkdir -p "$build/findings" "$build/corpus"

# The library layers the targets use (MinimaExperiments and everything below it), instrumented
# (coverage for libFuzzer, AddressSanitizer).
swift build --build-path "$build" --sanitize=fuzzer --sanitize=address --target MinimaExperiments >&2
debug="$build/debug"
libraries=$(swift package dump-package | python3 -c '
import json, sys
for t in json.load(sys.stdin)["targets"]:
    if t["type"] == "regular": print(t["name"])')
objects=()
for lib in $libraries; do
    if compgen -G "$debug/$lib.build/*.o" > /dev/null; then objects+=("$debug/$lib.build"/*.o); fi
done
# The C libraries' module maps, for the modules that import them.
modulemaps=()
for map in Sources/*/module.modulemap; do modulemaps+=("-Xcc" "-fmodule-map-file=$map"); done

if [ "$what" = all ]; then
    targets=$(ls fuzz/targets | sed -n 's/\.swift$//p' | grep -v '^common$')
else
    targets=$what
fi

status=0
for t in $targets; do
    binary="$build/fuzz-$t"
    if [ ! -x "$binary" ] || [ -n "$(find fuzz/targets "$debug/Modules" -newer "$binary" -print -quit)" ]; then
        swiftc -sanitize=fuzzer,address -parse-as-library -g -I "$debug/Modules" \
            "${modulemaps[@]}" \
            fuzz/targets/common.swift "fuzz/targets/$t.swift" "${objects[@]}" \
            $(pkg-config --libs openblas zlib libpng libturbojpeg) -llapacke -lglpk \
            -o "$binary" 2> >(grep -v 'ld.gold: warning' >&2)
    fi
    mkdir -p "$build/corpus/$t"
    echo "== $t: $seconds s" >&2
    # Swift's own backtracer would slow every crash report down; ASan reports instead.
    if SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 nice "$binary" \
        -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$build/findings/$t-" -print_final_stats=1 \
        "$build/corpus/$t" "fuzz/corpus/$t" > "$build/$t.log" 2>&1; then
        echo "$t: $(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build/$t.log" | grep -o '[0-9]*$') executions, no findings"
    else
        status=1
        echo "$t: FINDING (see $build/$t.log and $build/findings/$t-*)"
        grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz:|Fatal error|.*Fatal error)' "$build/$t.log" | head -5 || true
    fi
done
exit $status
