#!/usr/bin/env bash
# sample-usage.sh URL SERVICE [INTERVAL_S]
#
# Samples a `load target`'s own Prometheus metrics (URL/metrics) every
# INTERVAL_S seconds (default 1) and prints the usage CSV `load rightsize
# --usage` reads, until it is killed:
#
#   timestamp,service,cpu_cores,memory_bytes
#
# timestamp is Unix seconds at the scrape; cpu_cores is the increase of
# process_cpu_seconds_total since the previous scrape divided by the seconds
# between the two (so the first scrape only starts the series);
# memory_bytes is process_resident_memory_bytes. A scrape that fails is
# skipped. Only for a loopback target; needs curl and awk.
set -u
url=${1:?usage: sample-usage.sh URL SERVICE [INTERVAL_S]}
service=${2:?usage: sample-usage.sh URL SERVICE [INTERVAL_S]}
interval=${3:-1}

echo "timestamp,service,cpu_cores,memory_bytes"
prev_t="" prev_cpu=""
while :; do
	t=$(date +%s.%N)
	if body=$(curl -sf --max-time 1 "$url/metrics"); then
		cpu=$(awk '$1 == "process_cpu_seconds_total" { print $2 }' <<<"$body")
		mem=$(awk '$1 == "process_resident_memory_bytes" { printf "%.0f", $2 }' <<<"$body")
		if [[ -n "$cpu" && -n "$mem" ]]; then
			if [[ -n "$prev_t" ]]; then
				awk -v t0="$prev_t" -v t1="$t" -v c0="$prev_cpu" -v c1="$cpu" -v s="$service" -v m="$mem" \
					'BEGIN { printf "%.3f,%s,%.4f,%s\n", t1, s, (c1 - c0) / (t1 - t0), m }'
			fi
			prev_t=$t prev_cpu=$cpu
		fi
	fi
	sleep "$interval"
done
