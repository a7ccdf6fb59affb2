#!/usr/bin/env bash
# Measures req/s and p99 ack latency at 64 connections for each store mode, with
# and without group commit, and events per commit (fsync). Server pinned to core
# 0, wrk to core 1, on loopback. Usage: bench/store_modes.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
bin=build/solarhook
[ -x "$bin" ] || { cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null && cmake --build build --target solarhook; }
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
port=18200
printf '%-28s %10s %10s %10s %14s\n' mode req/s p50_ms p99_ms events/commit
run() {
  local name=$1; shift
  local dir; dir=$(mktemp -d)
  local log="$dir/log"
  taskset -c 0 "$bin" serve --listen 127.0.0.1:$port --data-dir "$dir/data" "$@" >"$log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.05; done
  local out; out=$(taskset -c 1 wrk -t1 -c64 -d"${secs}s" --latency -s bench/wrk/post.lua "http://127.0.0.1:$port/webhooks/solarproof")
  kill -TERM $pid; wait $pid || true
  local rps p50 p99 per_commit="-"
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  if [ -f "$dir/data/solarhook.db" ]; then
    local rows commits
    rows=$(sqlite3 "$dir/data/solarhook.db" "select count(*) from events")
    commits=$(grep -o '"store_commits":[0-9]*' "$log" | cut -d: -f2 || true)
    [ -n "$commits" ] && [ "$commits" -gt 0 ] && per_commit=$(awk -v r="$rows" -v c="$commits" 'BEGIN{printf "%.1f", r/c}')
  fi
  printf '%-28s %10s %10s %10s %14s\n' "$name" "$rps" "$p50" "$p99" "$per_commit"
  rm -rf "$dir"
}
run "memory"                      --store memory
run "normal, group commit"        --durability normal
run "normal, no group commit"     --durability normal --config bench/no-group-commit.json
run "full, group commit"          --durability full
run "full, no group commit"       --durability full --config bench/no-group-commit.json
