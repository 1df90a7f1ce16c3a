# Sourced by the benchmarks' run.sh: the bench stack's settings (BENCH_STACK=bench1..bench4 runs beside
# another checkout's benchmark: dev/lib.sh ports) and its reset.
# shellcheck shell=bash
export STACK=${BENCH_STACK:-bench}
source "$(dirname "${BASH_SOURCE[0]}")/../dev/lib.sh"
cd "$ROOT"

# The bench stack rebuilt from the migrations and the seed, and stopped when the benchmark exits.
bench_reset() {
  mkdir -p "$STATE"
  echo "resetting the $STACK stack (port $DB_PORT)"
  bash dev/stack.sh reset-db >"$STATE/reset.log" 2>&1 || { cat "$STATE/reset.log"; exit 1; }
  trap 'bash dev/stack.sh stop >/dev/null 2>&1' EXIT
}
