#!/usr/bin/env bash
# A/B of whole commands' cost, CPU and wall, for comparing two builds of the client (or anything):
# ROUNDS interleaved rounds, each running every command RUNS times under `perf stat`; prints the
# median over the rounds of each command's mean CPU (task-clock) and wall time. Needs perf(1).
#
#   bash bench/call-ab.sh ROUNDS RUNS "CMD1 ARGS" "CMD2 ARGS" ...
#   e.g. UNITSYNC_SOCKET_PATH=/tmp/a/agent.sock bash bench/call-ab.sh 15 20 bench/out/floor \
#          "old/unitsync exp sync ping" "dist/unitsync exp sync ping"
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: bash bench/call-ab.sh ROUNDS RUNS CMD..." >&2; exit 2; }
command -v perf >/dev/null || { echo "error: needs perf (apt-get install linux-perf)" >&2; exit 1; }
rounds=$1 runs=$2
shift 2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
declare -A cpu wall
for ((round = 0; round < rounds; round++)); do
  for cmd in "$@"; do
    # shellcheck disable=SC2086 # each command is a word list on purpose
    perf stat -o "$out" -r "$runs" -x, -e task-clock,duration_time $cmd >/dev/null 2>&1
    cpu[$cmd]+="$(awk -F, '/task-clock/ {print $1}' "$out") "
    wall[$cmd]+="$(awk -F, '/duration_time/ {print $1 / 1e6}' "$out") "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for cmd in "$@"; do
  printf '%-50s cpu %7.2f ms  wall %7.2f ms\n' "$cmd" "$(echo "${cpu[$cmd]}" | median)" "$(echo "${wall[$cmd]}" | median)"
done
