#!/usr/bin/env bash
# Side-by-side throughput and latency comparison of `load` against wrk, both
# driving the same nginx on this machine, same pinning, same run.
#
# usage: bench/compare.sh          (or: make bench-compare)
#
# Environment:
#   ROUNDS=3           rounds; the order of the clients rotates every round
#   SECONDS_PER_RUN=10 duration of every run, in seconds
#   VUS=50             VUs for load, connections for wrk
#   LAT_FRACTION=0.2   latency rows: target rate as a fraction of measured capacity
#   LAT_RATE=N         latency rows: a fixed target rate (req/s) instead
#   WRK_ONLY=1         measure wrk only (while `load run` does not work yet)
#   BENCH_OUT=FILE     also write the final table to FILE
#   LOAD_BIN, NGINX_CPU, CLIENT_CPU, KEEP: see bench/lib.sh
#
# Latency rows: the open model (load-rate: constant-arrival-rate at the
# target rate; wrk-paced and wrk-c1 for reference) and the closed loop
# (wrk-closed and load-closed with the same N connections/VUs, N from a
# 3 s `wrk -c1` probe so that wrk runs near the target rate).
#
# Method (details in bench/RESULTS.md): nginx runs one worker pinned to
# NGINX_CPU; each client runs pinned to CLIENT_CPU (load also with
# GOMAXPROCS=1). Client CPU time (user+sys) and peak RSS come from GNU time;
# requests from wrk's output or load's --summary-export. The table shows the
# median and min-max across rounds, and each ratio is of medians.
#
# Exit status: 0 when every run completed (targets missed are reported as
# FAIL, not an error); 1 on a harness error (a tool missing, nginx or a
# client failing to run, a client reporting errors).
set -euo pipefail
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "$0")/lib.sh"

ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_PER_RUN:-10}
VUS=${VUS:-50}
LAT_FRACTION=${LAT_FRACTION:-0.2}
LAT_RATE=${LAT_RATE:-}
WRK_ONLY=${WRK_ONLY:-0}
TIMED_LIMIT=$((SECS * 3 + 60))

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "SECONDS_PER_RUN must be a positive integer, got '$SECS'"
[[ $VUS =~ ^[1-9][0-9]*$ ]] || die "VUS must be a positive integer, got '$VUS'"
[[ $LAT_FRACTION =~ ^(0?\.[0-9]*[1-9][0-9]*|1(\.0*)?)$ ]] || die "LAT_FRACTION must be in (0, 1], got '$LAT_FRACTION'"
[[ -z $LAT_RATE || $LAT_RATE =~ ^[1-9][0-9]*$ ]] || die "LAT_RATE must be a positive integer, got '$LAT_RATE'"

bench_init
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
ensure_tools wrk:wrk nginx:nginx taskset:util-linux /usr/bin/time:time jq:jq
[ "$(nproc)" -ge 2 ] || note "only $(nproc) CPU: nginx and the client share it, ratios are still comparable but absolute figures are not"
start_nginx no-log

if [ "$WRK_ONLY" != 1 ]; then
  load_ready || die "load cannot run yet; use WRK_ONLY=1 to measure wrk alone"
fi

RES=$WORK/results.tsv # tool round rps requests cpu_s us_per_req rss_kib p50_us cpu_share_pct dropped
: >"$RES"

# run_wrk NAME ROUND CONNECTIONS [extra wrk args...]
run_wrk() {
  local name=$1 round=$2 conns=$3
  shift 3
  local f=$WORK/$name.$round
  timed "$f" taskset -c "$CLIENT_CPU" wrk -t1 -c"$conns" -d"${SECS}s" --latency "$@" "$URL" ||
    { cat "$f.err" "$f.out" >&2; die "$name round $round: wrk failed"; }
  local out=$f.out
  if grep -q 'Non-2xx or 3xx\|Socket errors' "$out"; then
    cat "$out" >&2
    die "$name round $round: wrk reported errors"
  fi
  local rps reqs p50
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
  reqs=$(awk '/requests in/ { print $1 }' "$out")
  p50=$(to_us "$(awk '$1 == "50%" { print $2 }' "$out")")
  if [ -z "$rps" ] || [ -z "$reqs" ] || [ "$p50" = NaN ]; then
    cat "$out" >&2
    die "$name: cannot parse wrk output"
  fi
  record "$name" "$round" "$rps" "$reqs" "$f" "$p50" 0
}

# run_load NAME ROUND SCRIPT [extra load args...]
run_load() {
  local name=$1 round=$2 script=$3
  shift 3
  local f=$WORK/$name.$round
  timed "$f" env GOMAXPROCS=1 taskset -c "$CLIENT_CPU" "$LOAD_BIN" run -q --no-summary \
    --summary-export "$f.json" --summary-trend-stats 'avg,min,med,max,p(90),p(99)' \
    -e TARGET="$URL" "$@" "$BENCH_DIR/scenarios/$script" ||
    { tail -n 30 "$f.err" >&2; die "$name round $round: load run failed"; }
  local reqs rps failed p50 dropped
  reqs=$(jq -r '.metrics.http_reqs.count // empty' "$f.json")
  rps=$(jq -r '.metrics.http_reqs.rate // empty' "$f.json")
  failed=$(jq -r '.metrics.http_req_failed.value // 0' "$f.json")
  p50=$(jq -r '.metrics.http_req_duration.med // empty' "$f.json")
  if [ -z "$reqs" ] || [ -z "$rps" ] || [ -z "$p50" ]; then
    die "$name: no http_reqs/http_req_duration in $f.json"
  fi
  [ "$(calc "$failed > 0" %d)" = 0 ] || die "$name round $round: http_req_failed rate $failed (expected 0)"
  if jq -e '.metrics.checks' "$f.json" >/dev/null; then
    [ "$(jq -r '.metrics.checks.fails' "$f.json")" = 0 ] || die "$name round $round: checks failed"
  fi
  # Arrival-rate runs: iterations the executor could not start (client saturated).
  dropped=$(jq -r '.metrics.dropped_iterations.count // 0' "$f.json")
  record "$name" "$round" "$rps" "$reqs" "$f" "$(calc "$p50 * 1000")" "$dropped"
}

# record NAME ROUND RPS REQUESTS F P50_US DROPPED appends one row; F is the
# GNU time file. The CPU share is CPU time over wall time: well under 100%
# for a client that should be CPU-bound means something else had its core.
record() {
  local name=$1 round=$2 rps=$3 reqs=$4 f=$5 p50=$6 dropped=$7 wall user sys rss cpu share
  read -r wall user sys rss <"$f"
  cpu=$(calc "$user + $sys" %.3f)
  share=$(calc "$cpu * 100 / $wall" %.0f)
  printf '%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$round" "$rps" "$reqs" "$cpu" \
    "$(calc "$cpu * 1e6 / $reqs")" "$rss" "$p50" "$share" "$dropped" >>"$RES"
  printf 'bench: %-12s round %d: %10.0f req/s  %7.2f s CPU (%3d%% of wall)  %6.2f us CPU/req  %7d KiB RSS  p50 %8.1f us%s\n' \
    "$name" "$round" "$rps" "$cpu" "$share" "$(calc "$cpu * 1e6 / $reqs")" "$rss" "$p50" \
    "$([ "$dropped" = 0 ] || echo "  $dropped dropped iterations")" >&2
}

# col NAME FIELD prints "median min max" of FIELD for NAME (3=rps 5=cpu
# 6=us/req 7=rss 8=p50 9=cpu share 10=dropped).
col() {
  awk -F'\t' -v n="$1" -v c="$2" '$1 == n { print $c }' "$RES" | stats
}

tools=(wrk load-get load-checks)
[ "$WRK_ONLY" = 1 ] && tools=(wrk)

echo "bench: throughput: $ROUNDS rounds x ${#tools[@]} clients x ${SECS}s, $VUS connections/VUs" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  n=${#tools[@]}
  for ((k = 0; k < n; k++)); do
    t=${tools[$(((k + r - 1) % n))]}
    case $t in
    wrk) run_wrk wrk "$r" "$VUS" ;;
    load-get) run_load load-get "$r" get.js -u "$VUS" -d "${SECS}s" ;;
    load-checks) run_load load-checks "$r" checks.js -u "$VUS" -d "${SECS}s" ;;
    esac
  done
done

# Latency overhead: an arrival rate at LAT_FRACTION of the capacity wrk
# measured. load runs constant-arrival-rate at that rate; wrk has no rate
# control (wrk2 is not packaged), so it runs (a) with one connection, closed
# loop, and (b) paced: CONN connections each waiting 1 ms (wrk's delay(),
# millisecond resolution) between requests, which lands near the same rate.
read -r cap _ _ < <(col wrk 3)
rate=${LAT_RATE:-$(calc "$cap * $LAT_FRACTION" %.0f)}
paced_conns=$(calc "$rate / 1000 < 1 ? 1 : int($rate / 1000 + 0.5)" %d)
lua=$WORK/paced.lua
printf 'function delay()\n  return 1\nend\n' >"$lua"
# Closed loop at the same load: wrk with N connections, N picked so that
# wrk's rate lands nearest the target rate (from a 3 s probe with one
# connection), and load with N VUs running get.js. Both then measure one
# request at a time per connection against a mostly idle nginx: the
# difference of their p50 is what each tool adds to what it reports.
probe=$WORK/probe
timed "$probe" taskset -c "$CLIENT_CPU" wrk -t1 -c1 -d3s "$URL" ||
  { cat "$probe.err" "$probe.out" >&2; die "wrk probe failed"; }
r1=$(awk '/^Requests\/sec:/ { print $2 }' "$probe.out")
[ -n "$r1" ] || die "cannot parse the wrk probe's output"
closed_conns=$(calc "$rate / $r1 < 1.5 ? 1 : int($rate / $r1 + 0.5)" %d)
closed_why="N = round($rate / $r1, the probe's req/s with one connection)"
[ "$(calc "$rate / $r1 < 1.5" %d)" = 1 ] && closed_why="N = 1: one connection already runs at $r1 req/s, more than the target; wrk-closed is then wrk-c1 again"
lat_tools=(wrk-c1 wrk-paced load-rate wrk-closed load-closed)
[ "$WRK_ONLY" = 1 ] && lat_tools=(wrk-c1 wrk-paced wrk-closed)
echo "bench: latency: capacity ${cap} req/s (wrk median), rate ${rate}/s, wrk paced with ${paced_conns} connections; closed loop with ${closed_conns} connections/VUs (wrk -c1 probe: ${r1} req/s)" >&2
for ((r = 1; r <= ROUNDS; r++)); do
  n=${#lat_tools[@]}
  for ((k = 0; k < n; k++)); do
    t=${lat_tools[$(((k + r - 1) % n))]}
    case $t in
    wrk-c1) run_wrk wrk-c1 "$r" 1 ;;
    wrk-paced) run_wrk wrk-paced "$r" "$paced_conns" -s "$lua" ;;
    load-rate) run_load load-rate "$r" rate.js -e RATE="$rate" -e DURATION="${SECS}s" -e VUS="$VUS" -e MAX_VUS="$((VUS * 20))" ;;
    wrk-closed) run_wrk wrk-closed "$r" "$closed_conns" ;;
    load-closed) run_load load-closed "$r" get.js -u "$closed_conns" -d "${SECS}s" ;;
    esac
  done
done

# verdict ACTUAL OP LIMIT prints PASS or FAIL.
verdict() {
  if [ "$(calc "$1 $2 $3" %d)" = 1 ]; then echo PASS; else echo FAIL; fi
}

{
  echo
  echo "== Loadline vs wrk: $(date -u '+%Y-%m-%d %H:%M UTC'), $ROUNDS rounds x ${SECS}s, nginx on CPU $NGINX_CPU, client on CPU $CLIENT_CPU =="
  machine_facts | sed 's/^/   /'
  echo "   loadavg: $LOADAVG_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end (other work on the machine skews every figure)"
  if [ "$(calc "${LOADAVG_START%% *} > 1" %d)" = 1 ]; then
    echo "   WARNING: the machine was busy before the run started (1-min load average ${LOADAVG_START%% *}); rerun on a quiet machine"
  fi
  if [ -n "$LAT_RATE" ]; then
    echo "   latency: target rate $rate/s (LAT_RATE); wrk paced with $paced_conns connection(s) x 1 ms delay"
  else
    echo "   latency: target rate $rate/s ($LAT_FRACTION of wrk's median ${cap} req/s); wrk paced with $paced_conns connection(s) x 1 ms delay"
  fi
  echo "            closed loop (wrk-closed, load-closed): $closed_conns connection(s)/VU(s); $closed_why"
  echo
  printf '%-12s %-24s %-22s %-8s %-26s %-15s %-26s %s\n' client 'req/s med (min-max)' 'CPU s med (min-max)' 'CPU %' 'CPU us/req med (min-max)' 'RSS KiB med' 'p50 us med (min-max)' 'dropped med'
  for t in "${tools[@]}" "${lat_tools[@]}"; do
    read -r rm rl rh < <(col "$t" 3)
    read -r cm cl ch < <(col "$t" 5)
    read -r um ul uh < <(col "$t" 6)
    read -r sm _ _ < <(col "$t" 7)
    read -r pm pl ph < <(col "$t" 8)
    read -r qm _ _ < <(col "$t" 9)
    read -r dm _ _ < <(col "$t" 10)
    printf '%-12s %-24s %-22s %-8s %-26s %-15s %-26s %s\n' "$t" \
      "$(printf '%.0f (%.0f-%.0f)' "$rm" "$rl" "$rh")" \
      "$(printf '%.2f (%.2f-%.2f)' "$cm" "$cl" "$ch")" \
      "$(printf '%.0f' "$qm")" \
      "$(printf '%.2f (%.2f-%.2f)' "$um" "$ul" "$uh")" \
      "$(printf '%.0f' "$sm")" \
      "$(printf '%.1f (%.1f-%.1f)' "$pm" "$pl" "$ph")" \
      "$(printf '%.0f' "$dm")"
  done
  echo
  if [ "$WRK_ONLY" = 1 ]; then
    echo "targets: not judged (WRK_ONLY=1: load was not measured)"
  else
    read -r wu _ _ < <(col wrk 6)
    read -r wr _ _ < <(col wrk 3)
    read -r ws _ _ < <(col wrk 9)
    printf '%-48s %-10s %-10s %s\n' target measured limit verdict
    for t in load-get:1.6 load-checks:2.0; do
      name=${t%%:*}
      lim=${t#*:}
      read -r lu _ _ < <(col "$name" 6)
      read -r lr _ _ < <(col "$name" 3)
      # Three decimals, and the verdict on them: at two, 2.005 printed as
      # 2.00 and passed a limit of 2.0.
      cr=$(calc "$lu / $wu" %.3f)
      rr=$(calc "$lr / $wr" %.3f)
      printf '%-48s %-10s %-10s %s\n' "$name: CPU per request vs wrk" "${cr}x" "<= ${lim}x" "$(verdict "$cr" '<=' "$lim")"
      read -r ls _ _ < <(col "$name" 9)
      caveat=""
      if [ "$(calc "$ws < 90 || $ls < 90" %d)" = 1 ]; then
        caveat="  (CPU share wrk ${ws}%, $name ${ls}%: a client was not saturated, judge by CPU per request)"
      fi
      printf '%-48s %-10s %-10s %s\n' "$name: req/s vs wrk (same single core)" "${rr}x" ">= $(calc "1 / $lim" %.3f)x" "$(verdict "$rr" '>=' "$(calc "1 / $lim" %.4f)")$caveat"
    done
    read -r lp _ _ < <(col load-rate 8)
    read -r wp _ _ < <(col wrk-paced 8)
    read -r w1 _ _ < <(col wrk-c1 8)
    d=$(calc "$lp - $wp" %.1f)
    d1=$(calc "$lp - $w1" %.1f)
    read -r lc _ _ < <(col load-closed 8)
    read -r wc _ _ < <(col wrk-closed 8)
    read -r ld _ _ < <(col load-rate 10)
    dshare=$(calc "$ld * 100 / ($rate * $SECS)" %.2f)
    dc=$(calc "$lc - $wc" %.1f)
    printf '%-48s %-10s %-10s %s\n' "latency, closed loop: load p50 - wrk p50 (us)" "$dc" "<= 50" "$(verdict "$dc" '<=' 50)"
    note_drop=""
    if [ "$(calc "$dshare > 1" %d)" = 1 ]; then
      note_drop="  (load dropped $dshare% of the starts: the arrival rate is beyond what its core sustains, its p50 is its own queue)"
    elif [ "$(calc "$ld > 0" %d)" = 1 ]; then
      note_drop="  (load dropped $dshare% of the starts)"
    fi
    printf '%-48s %-10s %-10s %s\n' "latency, open model: load p50 - wrk paced (us)" "$d" "<= 50" "$(verdict "$d" '<=' 50)$note_drop"
    printf '%-48s %-10s %-10s %s\n' "latency, open model: load p50 - wrk -c1 (us)" "$d1" "(info)" "-"
  fi
  echo
  echo "raw rows (tool round req/s requests cpu_s cpu_us_per_req rss_kib p50_us cpu_share_pct dropped):"
  sed 's/^/   /' "$RES"
} | tee "${BENCH_OUT:-/dev/null}"
