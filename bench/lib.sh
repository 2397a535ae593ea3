# shellcheck shell=bash
# Shared helpers for bench/compare.sh, memory.sh, startup.sh and soak.sh.
# Sourced, never run. Callers set `set -euo pipefail` before sourcing.
#
# What it provides:
#   bench_init              temp dir ($WORK) and an EXIT trap that stops nginx and removes it
#   ensure_tools CMD:PKG... installs missing commands with apt-get (update only if needed)
#   start_nginx LOG         nginx pinned to $NGINX_CPU on a free 127.0.0.1 port; sets $URL
#   stop_nginx              stops that nginx (also done by the EXIT trap)
#   load_ready              copies $LOAD_BIN into $WORK and smoke-tests it against $URL
#   timed FILE CMD...       runs CMD under /usr/bin/time; FILE gets "wall user sys maxrss_kib"
#   leaf_pid PID            the measured program under time/timeout wrappers
#   sample_rss PID FILE     VmRSS once a second until PID exits
#   to_us VALUE             wrk's "123.4us" / "1.2ms" / "1.5s" -> microseconds
#   stats                   reads numbers on stdin, prints "median min max"
#   peak_rss KIB FILE       the larger of GNU time's maximum RSS and the samples in FILE
#   quarters FILE           max RSS per quarter of a run from sample_rss output
#   machine_facts           nproc, CPU model, kernel, Go, wrk and nginx versions
#
# Environment honoured everywhere:
#   LOAD_BIN   the load binary (default: bin/load at the repo root)
#   NGINX_CPU  CPU nginx is pinned to (default 0)
#   CLIENT_CPU CPU the client under test is pinned to (default 1)
#   KEEP=1     keep the temp dir (nginx config, logs, raw outputs) for inspection
#   BENCH_RT=1 run nginx and the measured programs under SCHED_FIFO (chrt -f 10),
#              so other work on a shared machine cannot preempt them: for the
#              long RSS runs (soak.sh), where a starved client would add VUs
#              for its own stalls; not for CPU comparisons

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
LOAD_BIN=${LOAD_BIN:-$ROOT/bin/load}
NGINX_CPU=${NGINX_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
RT_PREFIX=()
if [ "${BENCH_RT:-0}" = 1 ]; then
  RT_PREFIX=(chrt -f 10)
fi
WORK=""
LOAD_VERSION=""
NGINX_PID=""
URL=""
PORT=""

die() {
  echo "bench: $*" >&2
  exit 1
}

note() {
  echo "bench: $*" >&2
}

# bench_init creates $WORK and installs the cleanup trap. Call once.
bench_init() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/loadline-bench.XXXXXX")
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

bench_cleanup() {
  local code=$?
  stop_nginx
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "${KEEP:-0}" = 1 ]; then
      note "kept $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$code"
}

# ensure_tools installs, with apt-get, the package of every CMD that is not
# found. Arguments are CMD:PACKAGE pairs; CMD may be a path. `apt-get update`
# runs only if the first install attempt fails (stale or empty lists). While
# installing, service start-up is disabled through policy-rc.d when the
# machine has none, so installing nginx does not start a system nginx.
ensure_tools() {
  local spec cmd pkg missing=()
  for spec in "$@"; do
    cmd=${spec%%:*}
    pkg=${spec#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "$cmd" ]; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get to install them"
  note "installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
  fi
  local rc=0
  if ! DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >"$WORK/apt.log" 2>&1; then
    note "apt-get install failed; running apt-get update first"
    if timeout 600 apt-get update -qq >>"$WORK/apt.log" 2>&1; then
      DEBIAN_FRONTEND=noninteractive timeout 600 apt-get install -y -qq "${missing[@]}" >>"$WORK/apt.log" 2>&1 || rc=$?
    else
      rc=1
    fi
  fi
  [ "$made_policy" = 1 ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    tail -n 20 "$WORK/apt.log" >&2
    die "could not install ${missing[*]}"
  fi
}

# port_in_use reports whether a TCP port is listening on any IPv4/IPv6 address.
port_in_use() {
  local hex
  hex=$(printf ':%04X ' "$1")
  # state 0A is LISTEN in /proc/net/tcp{,6}.
  cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk -v p="$hex" 'index($2 " ", p) && $4 == "0A" { found = 1 } END { exit !found }'
}

# http_probe sends one GET to 127.0.0.1:$1/ and prints the response (first 20
# lines); fails if nothing answers within 2 s.
http_probe() {
  # shellcheck disable=SC2016 # expanded by the inner bash
  timeout 2 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3
    head -n 20 <&3
  ' _ "$1"
}

# start_nginx writes an nginx config into $WORK/nginx and starts nginx in the
# foreground (daemon off, one worker), pinned to $NGINX_CPU with taskset, on a
# free loopback port picked now. LOG is "no-log" (access_log off) or
# "access-log": every request is then logged to $WORK/nginx/access.log as "<msec since epoch, ms.µs resolution>".
# Sets PORT, URL (with the trailing slash) and NGINX_PID.
start_nginx() {
  local mode=$1
  local dir=$WORK/nginx attempt log_directive="access_log off;"
  mkdir -p "$dir/tmp"
  case $mode in
  no-log) ;;
  access-log) log_directive="log_format bench '\$msec'; access_log $dir/access.log bench;" ;;
  *) die "start_nginx: LOG must be no-log or access-log, got '$mode'" ;;
  esac
  for attempt in $(seq 1 20); do
    PORT=$((20000 + RANDOM % 40000))
    port_in_use "$PORT" && continue
    cat >"$dir/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {
    worker_connections 8192;
    multi_accept on;
}
http {
    $log_directive
    default_type text/plain;
    keepalive_timeout 120s;
    keepalive_requests 100000000;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
    server {
        listen 127.0.0.1:$PORT;
        location / {
            return 200 "hello world!\n";
        }
    }
}
EOF
    : >"$dir/error.log"
    ${RT_PREFIX[@]+"${RT_PREFIX[@]}"} taskset -c "$NGINX_CPU" nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log" &
    NGINX_PID=$!
    local _
    for _ in $(seq 1 50); do
      if ! kill -0 "$NGINX_PID" 2>/dev/null; then
        break
      fi
      if http_probe "$PORT" >"$dir/probe.txt" 2>/dev/null && grep -q 'hello world!' "$dir/probe.txt"; then
        URL="http://127.0.0.1:$PORT/"
        note "nginx $NGINX_PID on $URL (CPU $NGINX_CPU)"
        return 0
      fi
      sleep 0.1
    done
    if grep -q 'Address already in use' "$dir/error.log"; then
      stop_nginx
      continue
    fi
    stop_nginx
    cat "$dir/error.log" >&2
    die "nginx did not start (attempt $attempt)"
  done
  die "no free port for nginx after 20 attempts"
}

# stop_nginx stops the nginx master this script started (by its pid) and
# waits for it; the master stops its worker.
stop_nginx() {
  if [ -n "$NGINX_PID" ]; then
    kill -TERM "$NGINX_PID" 2>/dev/null || true
    local _
    for _ in $(seq 1 50); do
      kill -0 "$NGINX_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$NGINX_PID" 2>/dev/null || true
    wait "$NGINX_PID" 2>/dev/null || true
    NGINX_PID=""
  fi
}

# timed runs CMD under GNU time, bounded by `timeout` ($TIMED_LIMIT seconds,
# default 300), and writes "wall_s user_s sys_s maxrss_kib" to FILE. CMD's
# stdout and stderr go to FILE.out and FILE.err. Returns CMD's exit status.
timed() {
  local file=$1
  shift
  local rc=0
  /usr/bin/time -f '%e %U %S %M' -o "$file" \
    timeout -k 5 "${TIMED_LIMIT:-300}" ${RT_PREFIX[@]+"${RT_PREFIX[@]}"} "$@" >"$file.out" 2>"$file.err" || rc=$?
  # GNU time prefixes "Command exited with non-zero status N" on failure.
  local last
  last=$(tail -n 1 "$file")
  printf '%s\n' "$last" >"$file"
  return "$rc"
}

# leaf_pid prints the deepest first descendant of PID (time -> timeout ->
# the measured program), waiting up to 5 s for it to appear.
leaf_pid() {
  local pid=$1 child _
  for _ in $(seq 1 50); do
    while child=$(pgrep -P "$pid" | awk 'NR == 1'); [ -n "$child" ]; do
      pid=$child
    done
    # Done once the leaf is not one of the wrappers any more.
    case $(cat "/proc/$pid/comm" 2>/dev/null) in
    time | timeout | taskset | chrt | env | bash | "") sleep 0.1 ;;
    *)
      echo "$pid"
      return 0
      ;;
    esac
    pid=$1
  done
  return 1
}

# sample_rss PID FILE appends "seconds_since_start rss_kib" to FILE once a
# second (VmRSS from /proc) until PID exits.
sample_rss() {
  local pid=$1 file=$2 t=0 rss
  while rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) && [ -n "$rss" ]; do
    echo "$t $rss" >>"$file"
    sleep 1
    t=$((t + 1))
  done
}

# peak_rss KIB FILE prints the peak RSS of a run: the larger of GNU time's
# maximum (KIB) and the highest sample in FILE ("seconds rss_kib" lines).
# GNU time's figure can trail a sample by a few pages (the kernel updates
# the high-water mark lazily).
peak_rss() {
  awk -v m="$1" '$2 > m { m = $2 } END { print m }' "$2"
}

# quarters FILE prints the highest sampled RSS (KiB) in each quarter of the
# run, "q1 q2 q3 q4" ("-" for a quarter with no sample): steady memory
# shows flat quarters, a leak a rising line.
quarters() {
  awk '{ t[NR] = $1; r[NR] = $2 } END {
    if (NR == 0) { print "- - - -"; exit }
    span = t[NR] + 1
    for (i = 1; i <= NR; i++) { q = int(4 * t[i] / span); if (!(q in m) || r[i] > m[q]) m[q] = r[i] }
    for (q = 0; q < 4; q++) printf "%s%s", (q in m) ? m[q] : "-", (q < 3) ? " " : "\n"
  }' "$1"
}

# to_us converts one of wrk's durations (123.45us, 1.20ms, 2.00s, 1.00m) to
# microseconds, printed with two decimals; prints NaN for anything else.
to_us() {
  awk -v v="$1" 'BEGIN {
    n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
    if (u == "us") f = 1; else if (u == "ms") f = 1000; else if (u == "s") f = 1000000;
    else if (u == "m") f = 60000000; else if (u == "h") f = 3600000000; else { print "NaN"; exit }
    printf "%.2f\n", n * f
  }'
}

# stats reads numbers, one per line, and prints "median min max" (the median
# of an even count is the mean of the two middle values). Prints "NaN NaN NaN"
# for no input.
stats() {
  sort -g | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "NaN NaN NaN"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.6g %.6g %.6g\n", m, v[1], v[NR]
  }'
}

# calc evaluates an awk arithmetic expression and prints it with FMT (default %.2f).
calc() {
  awk "BEGIN { printf \"${2:-%.2f}\", ($1) }"
}

# machine_facts prints the facts RESULTS.md records for a run.
machine_facts() {
  echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc:   $(nproc)"
  echo "cpu:     $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "kernel:  $(uname -r)"
  echo "go:      $(go version 2>/dev/null || echo 'not found')"
  echo "wrk:     $(wrk -v 2>&1 | awk 'NR == 1 { print $1, $2 }')"
  echo "nginx:   $(nginx -v 2>&1 | sed 's/^nginx version: //')"
  if [ -n "${LOAD_VERSION:-}" ]; then
    echo "load:    $LOAD_VERSION"
  elif [ -x "$LOAD_BIN" ]; then
    echo "load:    $("$LOAD_BIN" version 2>/dev/null || echo unknown) ($LOAD_BIN)"
  else
    echo "load:    not built ($LOAD_BIN)"
  fi
}

# load_ready copies $LOAD_BIN into $WORK and points LOAD_BIN at the copy, so
# every run of this invocation uses the same binary even if bin/load is
# rebuilt meanwhile; then reports whether it can run a one-iteration scenario
# against $URL. On failure prints why to stderr.
load_ready() {
  if [ ! -x "$LOAD_BIN" ]; then
    note "load binary not found at $LOAD_BIN (run make build, or set LOAD_BIN)"
    return 1
  fi
  LOAD_VERSION="$("$LOAD_BIN" version 2>/dev/null || echo unknown) ($LOAD_BIN)"
  cp "$LOAD_BIN" "$WORK/load"
  LOAD_BIN=$WORK/load
  local f=$WORK/load-smoke
  if ! timed "$f" "$LOAD_BIN" run -q --no-summary -i 1 -u 1 -e TARGET="$URL" "$BENCH_DIR/scenarios/get.js"; then
    note "load run failed a one-iteration smoke test:"
    tail -n 20 "$f.err" >&2
    return 1
  fi
  return 0
}
