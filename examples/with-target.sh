#!/usr/bin/env bash
# Starts `load target` on a free loopback port, runs the given command with
# TARGET set to the target's base URL, then stops the target.
#
# usage: examples/with-target.sh LOAD_BINARY [target flags --] COMMAND [ARGS...]
#   The word TARGET_URL in ARGS is replaced by the target's URL.
set -euo pipefail

bin=$1; shift
tflags=()
if [[ " $* " == *" -- "* ]]; then
  while [ "$1" != "--" ]; do tflags+=("$1"); shift; done
  shift
fi

log=$(mktemp "${TMPDIR:-/tmp}/load-target.XXXXXX")
"$bin" target --addr 127.0.0.1:0 "${tflags[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -f "$log"' EXIT

url=""
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$log" | head -n1 || true)
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "with-target.sh: load target exited:" >&2; cat "$log" >&2; exit 1
  fi
  sleep 0.1
done
[ -n "$url" ] || { echo "with-target.sh: load target did not start within 10 s" >&2; cat "$log" >&2; exit 1; }

export TARGET=$url
args=()
for a in "$@"; do args+=("${a//TARGET_URL/$url}"); done
set +e
"${args[@]}"
code=$?
exit $code
