#!/bin/sh
# demo_cli_test.sh GRADER DEMO: raftlab-demo's command line without a browser. A bad
# flag is one line on stderr naming the value and the fix, with exit 2; --prepare
# (given a built server) tries a cluster once and exits 0 saying the next demo starts
# in about a second. Run by ctest as harness.demo_cli.
set -u
grader=$1 demo=$2
failed=0
fail() { echo "FAIL: $*"; failed=1; }

# expect_usage_error "ARGS" PATTERN: exit 2 and one line on stderr matching PATTERN.
expect_usage_error() {
  # shellcheck disable=SC2086
  err=$("$demo" $1 2>&1 >/dev/null)
  status=$?
  [ "$status" -eq 2 ] || fail "raftlab-demo $1: exit $status, expected 2"
  [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] || fail "raftlab-demo $1: expected one line, got: $err"
  printf '%s\n' "$err" | grep -q -- "$2" || fail "raftlab-demo $1: expected \"$2\" in: $err"
  echo "ok: raftlab-demo $1 -> $err"
}
expect_usage_error "--nodes 4" '--nodes: "4" is not 3, 5 or 7.*--nodes 5'
expect_usage_error "--nodes five" '"five" is not 3, 5 or 7'
expect_usage_error "--port 70000" '--port: "70000" is not a port; give a whole number from 1 to 65535'
expect_usage_error "--prepre" '--prepre is not an option of raftlab demo; did you mean --prepare?'
expect_usage_error "--prepare --open" '--prepare: .*--open has no page to open'

server=$("$grader" build-server --impl solutions 2>/dev/null | tail -n 1)
[ -x "$server" ] || { echo "FAIL: grader build-server printed no server: $server"; exit 1; }
out=$(RAFTLAB_STARTED_NS= "$demo" --prepare --server-binary "$server" 2>&1)
status=$?
echo "$out"
[ "$status" -eq 0 ] || fail "--prepare: exit $status, expected 0"
echo "$out" | grep -q 'prepared in .*a trial run of 3 servers: leader n[0-2] after' || fail "--prepare: no summary"
echo "$out" | grep -q 'the next ./raftlab demo starts in about a second' || fail "--prepare: does not say the next demo is quick"
exit $failed
