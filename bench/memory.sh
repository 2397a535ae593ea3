#!/usr/bin/env bash
# Memory per VU and memory over run length of `load run`, against nginx on
# this machine. Each VU runs bench/scenarios/sleep.js: http.get, then sleep(1).
#
# usage: bench/memory.sh           (or: make bench-memory)
#
# Environment:
#   MEM_VUS=1000       VUs of the large run
#   MEM_SECONDS=20     duration of the 1-VU baseline and of the MEM_VUS run
#   MEM_SHORT=10       run-length check: the short run, seconds
#   MEM_LONG=60        run-length check: the long run, seconds (raise it to soak longer)
#   LOAD_BIN, NGINX_CPU, KEEP: see bench/lib.sh
#
# Figures: peak RSS (GNU time's maximum resident set size, KiB) of the whole
# process. KiB per VU = (peak RSS with MEM_VUS - peak RSS with 1 VU) / (MEM_VUS - 1).
# Targets: at most 40 KiB per VU; the long run's peak RSS within 10% of the
# short run's.
#
# Exit status: 0 when every run completed (targets missed are reported as
# FAIL); 1 on a harness error.
set -euo pipefail
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "$0")/lib.sh"

MEM_VUS=${MEM_VUS:-1000}
MEM_SECONDS=${MEM_SECONDS:-20}
MEM_SHORT=${MEM_SHORT:-10}
MEM_LONG=${MEM_LONG:-60}
for v in MEM_VUS MEM_SECONDS MEM_SHORT MEM_LONG; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"
done
[ "$MEM_VUS" -ge 2 ] || die "MEM_VUS must be at least 2"
TIMED_LIMIT=$((MEM_LONG * 2 + 120))

bench_init
ensure_tools nginx:nginx taskset:util-linux /usr/bin/time:time jq:jq
start_nginx no-log
load_ready || die "load cannot run yet"

# mem_run NAME VUS SECONDS: runs the scenario, prints peak RSS in KiB;
# samples RSS once a second into $WORK/NAME.rss ("seconds rss_kib").
mem_run() {
  local name=$1 vus=$2 secs=$3 f=$WORK/$1
  note "$name: $vus VUs for ${secs}s"
  local rc=0 bg leaf
  timed "$f" "$LOAD_BIN" run -q --no-summary --summary-export "$f.json" \
    -u "$vus" -d "${secs}s" -e TARGET="$URL" "$BENCH_DIR/scenarios/sleep.js" &
  bg=$!
  : >"$f.rss"
  if leaf=$(leaf_pid "$bg"); then
    sample_rss "$leaf" "$f.rss"
  fi
  wait "$bg" || rc=$?
  [ "$rc" = 0 ] || { tail -n 30 "$f.err" >&2; die "$name: load run failed"; }
  local failed iters wall user sys rss
  failed=$(jq -r '.metrics.http_req_failed.value // 0' "$f.json")
  iters=$(jq -r '.metrics.iterations.count // 0' "$f.json")
  [ "$(calc "$failed > 0" %d)" = 0 ] || die "$name: http_req_failed rate $failed (expected 0)"
  # Each VU completes about one iteration per second; fewer than half of that
  # means the VUs did not really run and the figure would mean nothing.
  [ "$(calc "$iters >= 0.5 * $vus * ($secs - 1)" %d)" = 1 ] ||
    die "$name: only $iters iterations for $vus VUs over ${secs}s"
  read -r wall user sys rss <"$f"
  rss=$(peak_rss "$rss" "$f.rss")
  note "$name: peak RSS $rss KiB, $iters iterations, ${wall}s wall, $(calc "$user + $sys") s CPU"
  echo "$rss"
}

base=$(mem_run baseline 1 "$MEM_SECONDS")
big=$(mem_run "vus-$MEM_VUS" "$MEM_VUS" "$MEM_SECONDS")
short=$(mem_run "short-${MEM_SHORT}s" "$MEM_VUS" "$MEM_SHORT")
long=$(mem_run "long-${MEM_LONG}s" "$MEM_VUS" "$MEM_LONG")

per_vu=$(calc "($big - $base) / ($MEM_VUS - 1)" %.1f)
growth=$(calc "($long - $short) * 100 / $short" %.1f)
[ "$growth" = "-0.0" ] && growth=0.0
pass() { if [ "$(calc "$1" %d)" = 1 ]; then echo PASS; else echo FAIL; fi; }

echo
echo "== Loadline memory: $(date -u '+%Y-%m-%d %H:%M UTC') =="
machine_facts | sed 's/^/   /'
echo
printf '%-24s %12s   %s\n' 'run' 'peak RSS KiB' 'sampled RSS KiB, max per quarter of the run'
printf '%-24s %12s   %s\n' "1 VU, ${MEM_SECONDS}s" "$base" "$(quarters "$WORK/baseline.rss")"
printf '%-24s %12s   %s\n' "$MEM_VUS VUs, ${MEM_SECONDS}s" "$big" "$(quarters "$WORK/vus-$MEM_VUS.rss")"
printf '%-24s %12s   %s\n' "$MEM_VUS VUs, ${MEM_SHORT}s" "$short" "$(quarters "$WORK/short-${MEM_SHORT}s.rss")"
printf '%-24s %12s   %s\n' "$MEM_VUS VUs, ${MEM_LONG}s" "$long" "$(quarters "$WORK/long-${MEM_LONG}s.rss")"
echo
printf '%-40s %-10s %-10s %s\n' target measured limit verdict
printf '%-40s %-10s %-10s %s\n' 'KiB per VU above the 1-VU baseline' "$per_vu" '<= 40' "$(pass "$per_vu <= 40")"
printf '%-40s %-10s %-10s %s\n' "peak RSS ${MEM_LONG}s vs ${MEM_SHORT}s (%)" "$growth" '<= 10' "$(pass "$growth <= 10")"
