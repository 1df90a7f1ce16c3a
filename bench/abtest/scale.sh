#!/usr/bin/env bash
# bench/abtest/scale.sh: the hourly A/B job's cost as running tests accumulate. For each size, on a fresh
# bench stack's tables: N tests of one client (a control and one variant, 3 published posts each, metrics
# read), then private.conclude_ab_tests timed at its first evaluation and again (the hourly steady state:
# the same tests, still running). Its time a test at each size against the smallest size, in one run.
#   BENCH_STACK=bench3 bash bench/abtest/scale.sh [sizes...]      default 1000 5000 20000
set -euo pipefail
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 5000 20000)
source "$(dirname "$0")/../lib.sh"
bench_reset
psql_stack -c "update cron.job set active = false" >/dev/null
echo "| running tests | posts | first evaluation, ms | again, ms | again, us a test | against the smallest |"
echo "| --- | --- | --- | --- | --- | --- |"
base=""
for n in "${sizes[@]}"; do
  out=$(psql_stack -X -q -t -A -F ' ' -v groups="$n" -f bench/abtest/scale.sql)
  read -r posts first again <<<"$out"
  per=$(awk -v a="$again" -v n="$n" 'BEGIN { printf "%.1f", 1000 * a / n }')
  [ -n "$base" ] || base=$per
  ratio=$(awk -v p="$per" -v b="$base" 'BEGIN { printf "%.2fx", p / b }')
  echo "| $n | $posts | $first | $again | $per | $ratio |"
done
