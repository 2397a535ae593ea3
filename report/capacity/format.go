package capacity

import (
	"math"
	"strconv"
)

// num formats a rate or count for people: whole numbers as such, values of
// 1000 and more rounded to units, smaller ones to 4 significant digits.
func num(v float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case math.IsInf(v, 1):
		return "∞"
	case math.IsInf(v, -1):
		return "−∞"
	case v == math.Trunc(v) || math.Abs(v) >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	}
	d := 3 - int(math.Floor(math.Log10(math.Abs(v))))
	return strconv.FormatFloat(v, 'f', min(max(d, 0), 6), 64)
}

// sci formats a model parameter with 4 significant digits.
func sci(v float64) string {
	if math.IsNaN(v) {
		return "n/a"
	}
	if v != 0 && math.Abs(v) < 1e-3 {
		return strconv.FormatFloat(v, 'e', 3, 64)
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

// pct formats a fraction as a percentage with at most one decimal.
func pct(f float64) string {
	return strconv.FormatFloat(math.Round(f*1000)/10, 'f', -1, 64) + "%"
}
