#!/usr/bin/env bash
# Start-up time of `load run` for many VUs: from just before the process is
# started to the start of the VUs' first iterations.
#
# usage: bench/startup.sh          (or: make bench-startup)
#
# Environment:
#   START_VUS=1000   VUs
#   ROUNDS=3         runs; the table shows the median and min-max
#   LOAD_BIN, NGINX_CPU, KEEP: see bench/lib.sh
#
# Method: bench/scenarios/startup.js logs Date.now() (ms since the epoch) in
# every VU's first iteration to --console-output. The start time is bash's
# $EPOCHREALTIME read immediately before the exec of `load` (no fork between
# the two). Figures, relative to that start:
#   first  - the first iteration started by any VU
#   all    - the last VU's first iteration (every VU initialised and running)
#   nginx  - the first request nginx logged ($msec), as a cross-check that
#            does not rely on the script's clock or console output
# Target: all / START_VUS <= 0.1 ms per VU.
#
# Exit status: 0 when every run completed (a missed target is reported as
# FAIL); 1 on a harness error.
set -euo pipefail
# shellcheck source=bench/lib.sh source-path=SCRIPTDIR/..
source "$(dirname "$0")/lib.sh"

START_VUS=${START_VUS:-1000}
ROUNDS=${ROUNDS:-3}
[[ $START_VUS =~ ^[1-9][0-9]*$ ]] || die "START_VUS must be a positive integer, got '$START_VUS'"
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "ROUNDS must be a positive integer, got '$ROUNDS'"
TIMED_LIMIT=120

bench_init
ensure_tools nginx:nginx taskset:util-linux /usr/bin/time:time
start_nginx access-log
load_ready || die "load cannot run yet"

RES=$WORK/startup.tsv # round first_ms all_ms nginx_ms vus_seen
: >"$RES"

for ((r = 1; r <= ROUNDS; r++)); do
  f=$WORK/startup.$r
  # nginx writes the log unbuffered with O_APPEND, so after truncation its
  # next line lands at the start of the file.
  : >"$WORK/nginx/access.log"
  rc=0
  (
    start=$EPOCHREALTIME
    echo "$start" >"$f.start"
    exec timeout -k 5 "$TIMED_LIMIT" "$LOAD_BIN" run -q --no-summary --console-output "$f.console" \
      -u "$START_VUS" -d 3s -e TARGET="$URL" "$BENCH_DIR/scenarios/startup.js"
  ) >"$f.out" 2>"$f.err" || rc=$?
  [ "$rc" = 0 ] || { tail -n 30 "$f.err" >&2; die "round $r: load run failed (exit $rc)"; }
  start_us=$(awk '{ split($1, p, /[.,]/); printf "%d%06d\n", p[1], p[2] }' "$f.start")
  [ -s "$f.console" ] || { tail -n 30 "$f.err" >&2; die "round $r: no console output in $f.console"; }
  # One line per VU: "first-iteration vu=N ms=T", whatever the log prefix.
  read -r seen first last < <(grep -o 'first-iteration vu=[0-9]* ms=[0-9]*' "$f.console" |
    awk -F'[= ]' '{ if (!($3 in v)) { v[$3] = 1; n++ } t = $5; if (min == "" || t < min) min = t; if (t > max) max = t }
      END { print n + 0, min, max }')
  [ "$seen" = "$START_VUS" ] || die "round $r: $seen of $START_VUS VUs logged a first iteration"
  nginx_first=$(awk 'min == "" || $1 < min { min = $1 } END { print min }' "$WORK/nginx/access.log")
  [ -n "$nginx_first" ] || die "round $r: nginx logged no request"
  first_ms=$(calc "$first - $start_us / 1000" %.1f)
  all_ms=$(calc "$last - $start_us / 1000" %.1f)
  nginx_ms=$(calc "$nginx_first * 1000 - $start_us / 1000" %.1f)
  printf '%s\t%s\t%s\t%s\t%s\n' "$r" "$first_ms" "$all_ms" "$nginx_ms" "$seen" >>"$RES"
  note "round $r: first iteration +${first_ms} ms, all $seen VUs +${all_ms} ms, first request at nginx +${nginx_ms} ms"
done

col() { awk -F'\t' -v c="$1" '{ print $c }' "$RES" | stats; }
read -r fm fl fh < <(col 2)
read -r am al ah < <(col 3)
read -r nm nl nh < <(col 4)
per_vu=$(calc "$am / $START_VUS" %.4f)

echo
echo "== Loadline start-up: $(date -u '+%Y-%m-%d %H:%M UTC'), $START_VUS VUs, $ROUNDS rounds =="
machine_facts | sed 's/^/   /'
echo
printf '%-52s %s\n' 'from process start to ...' 'ms med (min-max)'
printf '%-52s %s\n' 'first iteration started (any VU)' "$fm ($fl-$fh)"
printf '%-52s %s\n' "first iteration of all $START_VUS VUs started" "$am ($al-$ah)"
printf '%-52s %s\n' 'first request logged by nginx' "$nm ($nl-$nh)"
echo
verdict=FAIL
[ "$(calc "$per_vu <= 0.1" %d)" = 1 ] && verdict=PASS
printf '%-44s %-10s %-10s %s\n' target measured limit verdict
printf '%-44s %-10s %-10s %s\n' 'ms per VU until all VUs are iterating' "$per_vu" '<= 0.1' "$verdict"
