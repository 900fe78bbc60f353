#!/usr/bin/env bash
# The parts' never-rules (README, "Architecture"), proved from the compiler's own
# records: ninja's dependency log holds, for every object, each file the compiler
# read, and the link command of lab10-server names every library it links.
#
#   grader/tests/check_parts.sh ROOT TOOL_BUILD SOLUTIONS_BUILD STARTER_BUILD
#
# Rules:
#   1. the grader never includes a Raft, simulator or lab header;
#   2. the Raft core (raft/ of the solutions and the starter) never includes Asio,
#      the simulator or the runtime (system/);
#   3. starter/ never includes anything under labs/;
#   4. lab 10's server never links the simulator;
#   5. the lab 10 runtime (system/ of the solutions and the starter) and the KV
#      protocol (harness/system) never call RaftNode's inspection members, which are
#      the checks' alone: they learn what they need from the Env calls.
# Prints one line per broken rule (the object, and the file it read) and exits 1;
# exits 2 when a build it needs is missing.
set -uo pipefail
root=$(cd "${1:?ROOT}" && pwd)
tool=${2:?TOOL_BUILD} solutions=${3:?SOLUTIONS_BUILD} starter=${4:?STARTER_BUILD}
for b in "$tool" "$solutions" "$starter"; do
  [ -f "$b/.ninja_deps" ] || { echo "check_parts: $b has no ninja dependency log; build it first" >&2; exit 2; }
done

broken=0
say() { echo "check_parts: $*"; broken=1; }

# deps BUILD: "object<TAB>source<TAB>dependency" for every dependency of every
# object, with paths made absolute and normal, the build folder's link `impl`
# followed (the source is an object's first dependency).
deps() {
  local build=$1 impl
  impl=$(readlink -f "$build/impl" 2>/dev/null || true)
  ninja -C "$build" -t deps 2>/dev/null | awk -v b="$build" -v impl="$impl" '
    function normal(p,   n, parts, out, i, k) {
      if (p !~ /^\//) p = b "/" p
      if (impl != "" && index(p, b "/impl/") == 1) p = impl "/" substr(p, length(b "/impl/") + 1)
      n = split(p, parts, "/"); k = 0
      for (i = 1; i <= n; i++) {
        if (parts[i] == "" || parts[i] == ".") continue
        if (parts[i] == "..") { if (k > 0) k--; continue }
        out[++k] = parts[i]
      }
      p = ""; for (i = 1; i <= k; i++) p = p "/" out[i]
      return p
    }
    /^[^ ]/ { obj = $1; sub(/:$/, "", obj); first = 1; next }
    /^ +[^ ]/ {
      d = normal($1)
      if (first) { src = d; first = 0 }
      print obj "\t" src "\t" d
    }'
}

# rule NAME SOURCES BANNED...: every dependency, of an object whose source lies under
# SOURCES, that lies under one of BANNED; read from standard input (deps).
rule() {
  local name=$1 sources=$2; shift 2
  awk -F'\t' -v name="$name" -v sources="$sources/" -v root="$root/" -v banned="$*" '
    BEGIN { n = split(banned, b, " ") }
    index($2, sources) == 1 {
      for (i = 1; i <= n; i++)
        if (index($3 "/", b[i] "/") == 1) {
          s = $2; d = $3; sub("^" root, "", s); sub("^" root, "", d)
          print name ": " s " includes " d
        }
    }' | sort -u
}

report() { while IFS= read -r line; do say "$line"; done; }

# 1. The grader: the objects of grader/src.
report < <(deps "$tool" | rule "rule 1 (the grader includes no Raft, simulator or lab header)" "$root/grader/src" \
  "$root/harness/include/raftlab/raft" "$root/harness/include/raftlab/sim" "$root/harness/sim" \
  "$root/labs" "$root/starter" "$root/solutions")

# 2 and 3. The Raft core (raft/ of the solutions and the starter) and the starter.
for impl in solutions starter; do
  build=$solutions
  [ "$impl" = starter ] && build=$starter
  all=$(deps "$build")
  report < <(rule "rule 2 (the Raft core includes no Asio, simulator or runtime)" "$root/$impl/raft" \
    /usr/include/boost/asio "$root/harness/include/raftlab/sim" "$root/harness/sim" "$root/$impl/system" <<<"$all")
  if [ "$impl" = starter ]; then
    report < <(rule "rule 3 (starter/ includes nothing of labs/)" "$root/starter" "$root/labs" <<<"$all")
  fi
done

# 4. lab10-server's link line.
for build in "$solutions" "$starter"; do
  link=$(ninja -C "$build" -t commands labs/10-system/lab10-server 2>/dev/null | tail -n 1)
  [ -n "$link" ] || continue  # the starter's lab 10 may not be complete enough to define it
  case "$link" in *libraftlab_sim.a*) say "rule 4: lab10-server in ${build#$root/} links the simulator (libraftlab_sim.a)" ;; esac
done

# 5. A call of an inspection member on a server object, in the runtime's sources.
inspection='role|current_term|voted_for|leader_id|commit_index|last_applied|last_log_index|log_entry|next_index|match_index'
while IFS= read -r hit; do
  say "rule 5 (the runtime never inspects the server): ${hit#$root/}"
done < <(grep -nE "(server_?|node|raft_?)(->|\.)($inspection)\(" \
           "$root"/solutions/system/*.{h,cpp} "$root"/starter/system/*.{h,cpp} "$root"/harness/system/*.cpp 2>/dev/null)

if [ "$broken" = 0 ]; then
  echo "check_parts: the grader, the Raft core, the starter, lab 10's server and its runtime keep their rules"
fi
exit "$broken"
