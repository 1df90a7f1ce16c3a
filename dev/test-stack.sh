# Sourced by dev/test.sh and dev/clone-check.sh: claim_test_stack takes the first free test stack (test,
# test1, ... test9) and exports STACK. The shell holds that stack's lock (on fd 9) until it ends, so two runs
# side by side never share a cluster or its ports; a run started by another (a nested `npm test`) finds its
# parent's stack locked and takes the next. The locks are per machine (ports are), not per checkout.
# shellcheck shell=bash

claim_test_stack() {
  local candidate lock
  unset STACK
  for candidate in test test1 test2 test3 test4 test5 test6 test7 test8 test9; do
    # Opened for reading, which flock needs and which another user's lock file allows.
    lock="${TMPDIR:-/tmp}/distribution-system-$candidate.lock"
    [ -e "$lock" ] || (umask 0 && : >>"$lock") 2>/dev/null
    exec 9<"$lock" || continue
    if flock -n 9; then
      export STACK=$candidate
      return 0
    fi
    exec 9>&-
  done
  echo "every test stack is busy" >&2
  return 1
}
