package report

import (
	"math"
	"strconv"
	"strings"
)

// FormatDuration formats ms (a duration in milliseconds, as Time metrics
// hold it) for humans. unit is summaryTimeUnit: "" picks a unit from the
// magnitude (µs below 1 ms, ms below 1 s, s below 1 min, then "1m2.5s" or
// "1h2m3s"); "us" (or "µs"), "ms", "s" and "m" force that unit. Values are
// rounded to two decimals and trailing zeros are dropped ("200ms",
// "201.03ms", "1.5s"). Zero is "0s" in the automatic unit. An unknown unit
// falls back to the automatic one.
func FormatDuration(ms float64, unit string) string {
	if math.IsNaN(ms) || math.IsInf(ms, 0) {
		return strconv.FormatFloat(ms, 'f', -1, 64)
	}
	switch unit {
	case "us", "µs":
		return fixed2(ms*1000) + "µs"
	case "ms":
		return fixed2(ms) + "ms"
	case "s":
		return fixed2(ms/1000) + "s"
	case "m":
		return fixed2(ms/60000) + "m"
	}
	sign := ""
	if ms < 0 {
		sign, ms = "-", -ms
	}
	switch {
	case ms == 0:
		return "0s"
	case ms < 1:
		return sign + fixed2(ms*1000) + "µs"
	case ms < 1000:
		return sign + fixed2(ms) + "ms"
	case ms < 60000:
		return sign + fixed2(ms/1000) + "s"
	}
	// Round to centiseconds first so that 59.999 s never prints as "60s".
	cs := int64(math.Round(ms / 10))
	h := cs / 360000
	m := cs % 360000 / 6000
	s := float64(cs%6000) / 100
	var b strings.Builder
	b.WriteString(sign)
	if h > 0 {
		b.WriteString(strconv.FormatInt(h, 10))
		b.WriteByte('h')
	}
	b.WriteString(strconv.FormatInt(m, 10))
	b.WriteByte('m')
	b.WriteString(fixed2(s))
	b.WriteByte('s')
	return b.String()
}

// FormatBytes formats n bytes with SI (1000-based) prefixes as the summary
// shows data metrics: "512 B", "1.2 kB", "34 MB". Below 10 of a unit one
// decimal is kept ("1.2 kB"), above it none ("12 kB"); a trailing ".0" is
// dropped.
func FormatBytes(n float64) string {
	if math.IsNaN(n) || math.IsInf(n, 0) {
		return strconv.FormatFloat(n, 'f', -1, 64) + " B"
	}
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	units := [...]string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	i := 0
	for n >= 999.5 && i < len(units)-1 {
		n /= 1000
		i++
	}
	var s string
	switch {
	case i == 0:
		s = strconv.FormatFloat(math.Round(n), 'f', 0, 64)
	case n < 9.95:
		s = strings.TrimSuffix(strconv.FormatFloat(n, 'f', 1, 64), ".0")
	default:
		s = strconv.FormatFloat(math.Round(n), 'f', 0, 64)
	}
	return sign + s + " " + units[i]
}

// FormatBytesRate formats a throughput of bytesPerSecond as FormatBytes
// does, followed by "/s" ("3.9 kB/s").
func FormatBytesRate(bytesPerSecond float64) string {
	return FormatBytes(bytesPerSecond) + "/s"
}

// FormatNumber formats a plain (unitless) metric value with at most six
// decimals and no trailing zeros: "120", "152.355556", "0.5".
func FormatNumber(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 6, 64))
}

// FormatPercent formats a fraction (0..1) as a percentage with two decimals:
// 0.5 is "50.00%".
func FormatPercent(fraction float64) string {
	return strconv.FormatFloat(fraction*100, 'f', 2, 64) + "%"
}

// fixed2 rounds v to two decimals and drops trailing zeros.
func fixed2(v float64) string {
	s := trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
	if s == "-0" {
		return "0"
	}
	return s
}

func trimZeros(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}
