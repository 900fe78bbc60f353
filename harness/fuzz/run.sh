#!/usr/bin/env bash
# run.sh: build raftlab's libFuzzer targets with clang, replay their seed corpora and
# regression inputs, then fuzz each target for a while and report.
#
#   run.sh --build DIR [--seconds N] [--folder DIR ...] [TARGET ...]
#
# --build    where the separate clang build lives (ctest: build/tool/fuzz)
# --seconds  fuzzing time per target (default 120; the ctest smoke pass uses 15)
# --folder   fuzz targets of another part of raftlab (the tool build passes
#            grader/fuzz): DIR/TARGET.cpp, its inputs in DIR/corpus/TARGET/ and
#            DIR/regressions/TARGET/, and DIR/fuzz.cmake, which project/ includes
# TARGET     fuzz only these (default: all; see project/CMakeLists.txt)
#
# Exit status: 0 no crash; 1 a target crashed, broke a property or a replayed input
# failed; 2 setup error (no clang, build failed). A crash input is saved under
# DIR/artifacts/TARGET/; copy it to harness/fuzz/regressions/TARGET/ with the fix.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TARGETS_ALL=(frame raft_codec kv_protocol history cluster_yaml)  # targets/, the harness's parsers
FOLDERS=()  # --folder
BUILD=""
SECONDS_PER_TARGET=120
TARGETS=()

say() { printf 'fuzz: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --build) BUILD="$2"; shift 2 ;;
    --seconds) SECONDS_PER_TARGET="$2"; shift 2 ;;
    --folder)
      [ -f "${2:-}/fuzz.cmake" ] || die "--folder ${2:-}: not a fuzz folder (it has no fuzz.cmake)"
      folder="$(cd "$2" && pwd)"
      FOLDERS+=("$folder")
      for src in "$folder"/*.cpp; do
        [ -f "$src" ] && TARGETS_ALL+=("$(basename "$src" .cpp)")
      done
      shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    -*) die "unknown option $1; see $0 --help" ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ -n "$BUILD" ] || die "--build DIR is required"
[[ "$SECONDS_PER_TARGET" =~ ^[1-9][0-9]*$ ]] || die "seconds per target must be a positive integer, got \"$SECONDS_PER_TARGET\""
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${TARGETS_ALL[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${TARGETS_ALL[*]} " == *" $t "* ]] || die "unknown target \"$t\"; known: ${TARGETS_ALL[*]}"
done

dict_for() {  # a target named *_yaml reads YAML, the others JSON
  case "$1" in
    *_yaml) echo "$HERE/dicts/yaml.dict" ;;
    *) echo "$HERE/dicts/json.dict" ;;
  esac
}

home_of() {  # the folder of TARGET's corpus/ and regressions/: its --folder, or this one
  local folder
  for folder in ${FOLDERS[@]+"${FOLDERS[@]}"}; do
    [ -f "$folder/$1.cpp" ] && { echo "$folder"; return; }
  done
  echo "$HERE"
}

# --- build ---------------------------------------------------------------------
command -v clang++ >/dev/null && command -v clang >/dev/null ||
  die "clang++ is missing; install it with: sudo apt-get install -y clang libclang-rt-14-dev"
mkdir -p "$BUILD"
folders_list=$(IFS=';'; echo "${FOLDERS[*]+${FOLDERS[*]}}")
if [ ! -f "$BUILD/build.ninja" ] ||
   ! grep -qxF "RAFTLAB_FUZZ_FOLDERS:STRING=$folders_list" "$BUILD/CMakeCache.txt" 2>/dev/null; then
  say "configuring the clang build in $BUILD"
  if ! CC=clang CXX=clang++ cmake -G Ninja -S "$HERE/project" -B "$BUILD" \
      -DRAFTLAB_FUZZ_FOLDERS:STRING="$folders_list" >"$BUILD/configure.log" 2>&1; then
    tail -n 20 "$BUILD/configure.log" >&2
    die "configuring the fuzz build failed; the whole log is in $BUILD/configure.log"
  fi
fi
say "building ${#TARGETS[@]} fuzz target(s)"
build_targets=()
for t in "${TARGETS[@]}"; do build_targets+=(--target "fuzz_$t"); done
if ! cmake --build "$BUILD" -j 2 "${build_targets[@]}" >"$BUILD/build.log" 2>&1; then
  grep -E -m 10 -A 3 'error:|FAILED' "$BUILD/build.log" >&2 || tail -n 30 "$BUILD/build.log" >&2
  if grep -q 'libclang_rt.fuzzer\|cannot find.*fuzzer' "$BUILD/build.log"; then
    die "libFuzzer's runtime is missing; install it with: sudo apt-get install -y libclang-rt-14-dev"
  fi
  die "building the fuzz targets failed; the whole log is in $BUILD/build.log"
fi

# Temporary files of the targets, and of a crashed target, stay inside the build.
export TMPDIR="$BUILD/tmp"
mkdir -p "$TMPDIR" "$BUILD/logs"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

# --- replay ----------------------------------------------------------------------
status=0
for t in "${TARGETS[@]}"; do
  inputs=()
  home=$(home_of "$t")
  for dir in "$home/corpus/$t" "$home/regressions/$t"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' f; do inputs+=("$f"); done < <(find "$dir" -type f ! -name '.*' ! -name '*.md' -print0 | sort -z)
  done
  if [ ${#inputs[@]} -eq 0 ]; then
    say "FAIL $t: no seed inputs in $home/corpus/$t"
    status=1
    continue
  fi
  if "$BUILD/fuzz_$t" -timeout=10 "${inputs[@]}" >"$BUILD/logs/$t.replay.log" 2>&1; then
    say "replayed $t: ${#inputs[@]} input(s) pass"
  else
    grep -E -m 20 'Running:|ERROR|fuzz property|runtime error|#[0-9]+ 0x' "$BUILD/logs/$t.replay.log" >&2 || tail -n 20 "$BUILD/logs/$t.replay.log" >&2
    say "FAIL $t: a seed or regression input fails (log: $BUILD/logs/$t.replay.log)"
    status=1
  fi
done
[ $status -eq 0 ] || { say "replay failed; not fuzzing"; exit 1; }

# --- fuzz --------------------------------------------------------------------------
final_stat() { sed -n "s/^stat::$1: *\([0-9]*\).*/\1/p" "$2" | tail -n 1; }

printf '%-14s %8s %12s %9s %7s  %s\n' target seconds executions exec/s corpus result
total_execs=0
for t in "${TARGETS[@]}"; do
  work="$BUILD/corpus/$t"
  artifacts="$BUILD/artifacts/$t/"
  home=$(home_of "$t")
  mkdir -p "$work" "$artifacts"
  corpora=("$work" "$home/corpus/$t")
  [ -d "$home/regressions/$t" ] && corpora+=("$home/regressions/$t")
  log="$BUILD/logs/$t.log"
  result=ok
  if ! "$BUILD/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -dict="$(dict_for "$t")" -artifact_prefix="$artifacts" \
      "${corpora[@]}" >"$log" 2>&1; then
    result=CRASH
    status=1
  fi
  execs=$(final_stat number_of_executed_units "$log"); execs=${execs:-0}
  rate=$(final_stat average_exec_per_sec "$log"); rate=${rate:-0}
  total_execs=$((total_execs + execs))
  printf '%-14s %8s %12s %9s %7s  %s\n' "$t" "$SECONDS_PER_TARGET" "$execs" "$rate" \
    "$(find "$work" -type f | wc -l)" "$result"
  if [ $result = CRASH ]; then
    grep -E -m 30 'ERROR|fuzz property|runtime error|#[0-9]+ 0x|Test unit written' "$log" >&2 || tail -n 30 "$log" >&2
    say "FAIL $t crashed (log: $log). Replay: $BUILD/fuzz_$t <the input written above>;"
    say "     after the fix, copy the input to $home/regressions/$t/"
  fi
done
printf '%-14s %8s %12s\n' total $((SECONDS_PER_TARGET * ${#TARGETS[@]})) "$total_execs"
exit $status
