#!/usr/bin/env bash
# walkthrough.sh: the capacity walk-through of examples/capacity/README.md,
# end to end, in about two and a half minutes on a 2-core machine.
#
#   examples/capacity/walkthrough.sh            # runs and reports
#   REPORTS_ONLY=1 examples/capacity/walkthrough.sh   # reports again from
#                                               # the saved results files
#
# It starts two `load target`s on free loopback ports (staging: 2 workers,
# production: 8, each request 5 ms, so 400/s and 1,600/s), runs a 10-step
# capacity staircase against each with --out, samples the production
# target's CPU and memory during its run (sample-usage.sh), stops the
# targets, and writes `load capacity` (both sides), `load parity` and
# `load rightsize` as Markdown, HTML and JSON into examples/capacity/out/.
# Every command is bounded by `timeout`. LOAD overrides the binary
# (default bin/load, built with `make build` when missing); OUT overrides
# the output directory (default examples/capacity/out).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
load=${LOAD:-bin/load}
out=${OUT:-examples/capacity/out}
mkdir -p "$out"
if [[ ! -x $load ]]; then
	make build
fi

slo=(--slo 'p(95)<50ms' --slo 'errors<1%')

pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT

# start_target WORKERS LOG: starts a target in the background, its output
# in LOG; target_url LOG waits for it and prints its base URL.
start_target() {
	timeout 600 "$load" target --addr 127.0.0.1:0 --workers "$1" --service-time 5ms >"$2" 2>&1 &
	pids+=($!)
}
target_url() {
	for _ in $(seq 50); do
		if grep -q '^listening on ' "$1"; then
			sed -n 's/^listening on //p' "$1" | head -1
			return
		fi
		sleep 0.1
	done
	echo "walkthrough: load target did not start (see $1)" >&2
	exit 1
}

if [[ -z ${REPORTS_ONLY:-} ]]; then
	tmp=$(mktemp -d)
	{
		echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
		echo "cpus: $(nproc)"
		echo "load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
	} >"$out/machine.txt"

	start_target 2 "$tmp/staging.log"
	start_target 8 "$tmp/production.log"
	pids_targets=("${pids[@]}")
	staging=$(target_url "$tmp/staging.log")
	production=$(target_url "$tmp/production.log")
	echo "staging $staging, production $production"

	# 10 steps of a 1 s ramp and a 5 s hold, up to almost twice each
	# target's capacity, so the knee falls in the middle of the staircase.
	timeout 120 "$load" run -q --no-summary --out "$out/staging.jsonl.gz" --label env=staging --label instances=1 \
		-e TARGET="$staging" --capacity-steps 10 --capacity-max-rate 750 --step-duration 5s \
		examples/capacity/scenario.js

	"$here/sample-usage.sh" "$production" api 1 >"$out/usage.csv" &
	sampler=$!
	pids+=("$sampler")
	timeout 120 "$load" run -q --no-summary --out "$out/production.jsonl.gz" --label env=production --label instances=1 \
		-e TARGET="$production" --capacity-steps 10 --capacity-max-rate 3000 --step-duration 5s \
		examples/capacity/scenario.js
	sleep 1 # one more sample after the last step
	kill "$sampler" "${pids_targets[@]}" 2>/dev/null || true
	echo "load average after the runs: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
	rm -rf "$tmp"
fi

timeout 60 "$load" capacity -q "$out/staging.jsonl.gz" "${slo[@]}" --forecast-peak 3000 --headroom 30% \
	--md "$out/staging-capacity.md" --html "$out/staging-capacity.html" --json "$out/staging-capacity.json"
timeout 60 "$load" capacity -q "$out/production.jsonl.gz" "${slo[@]}" --forecast-peak 3000 --headroom 30% \
	--md "$out/production-capacity.md" --html "$out/production-capacity.html" --json "$out/production-capacity.json"
timeout 60 "$load" parity --staging examples/capacity/staging.yaml --production examples/capacity/production.yaml \
	--staging-run "$out/staging.jsonl.gz" --production-run "$out/production.jsonl.gz" --slo 'p(95)<50ms' \
	--md "$out/parity.md" --html "$out/parity.html" --json "$out/parity.json" >/dev/null
timeout 60 "$load" rightsize --usage "$out/usage.csv" --from "$out/production.jsonl.gz" --slo 'p(95)<50ms' \
	--env examples/capacity/production.yaml \
	--md "$out/rightsize.md" --html "$out/rightsize.html" --json "$out/rightsize.json" >/dev/null
echo "reports in $out/"
