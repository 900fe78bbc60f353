#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the autograder image
# (choose the Ubuntu 24.04 base image: raftlab needs Boost >= 1.80). The framework is
# in source/raftlab; run_autograder grades each submission with it.
#
# It installs the Debian packages raftlab needs (the entry script does that as
# root), builds the grader, and builds the checks against the untouched starter
# code, so that grading a submission recompiles only the student's own files.
#
# RAFTLAB_AUTOGRADER_ROOT replaces /autograder, so that the whole thing can be tried
# out in a temporary folder (raftlab's own tests do).
set -euo pipefail
AG="${RAFTLAB_AUTOGRADER_ROOT:-/autograder}"
SRC="$AG/source/raftlab"
LABS="@RAFTLAB_LABS@"

chmod +x "$SRC/raftlab" "$AG/source/run_autograder" 2>/dev/null || true
# run_autograder puts each submission on top of a fresh copy of the starter code.
rm -rf "$AG/source/starter-original"
cp -R "$SRC/starter" "$AG/source/starter-original"

cd "$SRC"
status=0
# shellcheck disable=SC2086
bash ./raftlab grade $LABS --impl starter >"$AG/source/setup-grade.log" 2>&1 || status=$?
if [ "$status" -gt 1 ]; then  # 0: all passed, 1: checks failed (expected for the starter)
  tail -n 20 "$AG/source/setup-grade.log" >&2
  echo "setup.sh: raftlab could not be built; the log is in $AG/source/setup-grade.log" >&2
  exit 1
fi
echo "setup.sh: raftlab is built; labs: ${LABS:-all}"
