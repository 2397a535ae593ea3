#!/usr/bin/env bash
# Memory over run length at a steady request rate: `load run` of
# bench/scenarios/rate.js (constant-arrival-rate, one http.get per
# iteration) against nginx, a short run and a long run at the same rate,
# compared by peak RSS. The issue's figure is a 1-hour run at 10,000
# requests/s holding the RSS of a 1-minute run within 10%.
#
# usage: bench/soak.sh             (or: make bench-soak)
#
# Environment:
#   SOAK_RATE=10000    iterations (requests) per second
#   SOAK_SHORT=60      the short run, seconds
#   SOAK_LONG=600      the long run, seconds (3600 for the issue's hour)
#   LOAD_BIN, NGINX_CPU, KEEP, BENCH_RT: see bench/lib.sh (BENCH_RT=1 on a
#   shared machine: a client starved by other work adds VUs for its own
#   stalls, and the RSS then measures the neighbours, not Loadline)
#
# Output: each run's peak RSS (GNU time) and, for the long run, the largest
# RSS sampled in each tenth of it (a rising series is growth, a flat one is
# steady state). Exit status: 0 when both runs completed (a missed target is
# reported as FAIL), 1 on a harness error (including more than 0.1% of the
# iterations dropped, or any failed request: the rate must be one the
# machine sustains).
set -euo pipefail
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "$0")/lib.sh"

SOAK_RATE=${SOAK_RATE:-10000}
SOAK_SHORT=${SOAK_SHORT:-60}
SOAK_LONG=${SOAK_LONG:-600}
for v in SOAK_RATE SOAK_SHORT SOAK_LONG; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
TIMED_LIMIT=$((SOAK_LONG * 2 + 120))

bench_init
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
ensure_tools nginx:nginx taskset:util-linux /usr/bin/time:time jq:jq
start_nginx no-log
load_ready || die "load cannot run yet"

# soak_run NAME SECONDS: runs the scenario, prints peak RSS in KiB;
# samples RSS once a second into $WORK/NAME.rss ("seconds rss_kib").
soak_run() {
  local name=$1 secs=$2 f=$WORK/$1
  note "$name: $SOAK_RATE/s for ${secs}s"
  local rc=0 bg leaf
  timed "$f" "$LOAD_BIN" run -q --no-summary --summary-export "$f.json" \
    -e TARGET="$URL" -e RATE="$SOAK_RATE" -e DURATION="${secs}s" -e VUS=50 -e MAX_VUS=1000 \
    "$BENCH_DIR/scenarios/rate.js" &
  bg=$!
  : >"$f.rss"
  if leaf=$(leaf_pid "$bg"); then
    sample_rss "$leaf" "$f.rss"
  fi
  wait "$bg" || rc=$?
  [ "$rc" = 0 ] || { tail -n 30 "$f.err" >&2; die "$name: load run failed"; }
  local failed reqs dropped wall user sys rss
  failed=$(jq -r '.metrics.http_req_failed.value // 0' "$f.json")
  reqs=$(jq -r '.metrics.http_reqs.count // 0' "$f.json")
  dropped=$(jq -r '.metrics.dropped_iterations.count // 0' "$f.json")
  [ "$(calc "$failed > 0" %d)" = 0 ] || die "$name: http_req_failed rate $failed (expected 0)"
  [ "$(calc "$dropped > $SOAK_RATE * $secs / 1000" %d)" = 0 ] ||
    die "$name: $dropped dropped iterations: the machine does not sustain $SOAK_RATE/s; lower SOAK_RATE"
  read -r wall user sys rss <"$f"
  rss=$(peak_rss "$rss" "$f.rss")
  note "$name: peak RSS $rss KiB, $reqs requests, $dropped dropped, ${wall}s wall, $(calc "$user + $sys") s CPU"
  echo "$rss"
}

# tenths FILE prints the largest sampled RSS in each tenth of the run.
# (A run with fewer than ten samples shows one figure per sample.)
tenths() {
  awk '{ t[NR] = $2 } END { n = NR; k = n < 10 ? n : 10; for (q = 0; q < k; q++) { m = 0; for (i = int(q * n / k) + 1; i <= int((q + 1) * n / k); i++) if (t[i] > m) m = t[i]; printf "%s%d", (q ? " " : ""), m } print "" }' "$1"
}

short=$(soak_run "short-${SOAK_SHORT}s" "$SOAK_SHORT")
long=$(soak_run "long-${SOAK_LONG}s" "$SOAK_LONG")
growth=$(calc "($long - $short) * 100 / $short" %.1f)
[ "$growth" = "-0.0" ] && growth=0.0
pass() { if [ "$(calc "$1" %d)" = 1 ]; then echo PASS; else echo FAIL; fi; }

echo
echo "== Loadline soak: $(date -u '+%Y-%m-%d %H:%M UTC'), $SOAK_RATE requests/s =="
machine_facts | sed 's/^/   /'
echo "   loadavg: $LOADAVG_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
echo
printf '%-24s %12s   %s\n' 'run' 'peak RSS KiB' 'sampled RSS KiB, max per tenth of the run'
printf '%-24s %12s   %s\n' "${SOAK_SHORT}s" "$short" "$(tenths "$WORK/short-${SOAK_SHORT}s.rss")"
printf '%-24s %12s   %s\n' "${SOAK_LONG}s" "$long" "$(tenths "$WORK/long-${SOAK_LONG}s.rss")"
echo
printf '%-40s %-10s %-10s %s\n' target measured limit verdict
printf '%-40s %-10s %-10s %s\n' "peak RSS ${SOAK_LONG}s vs ${SOAK_SHORT}s (%)" "$growth" '<= 10' "$(pass "$growth <= 10")"
