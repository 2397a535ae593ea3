package capacity

import (
	"math"
	"strconv"

	"github.com/loadline/loadline/report/svgchart"
)

// num formats a rate or count for people (svgchart.Num): whole numbers
// as such, values of 1000 and more rounded to units, smaller ones to 4
// significant digits.
func num(v float64) string { return svgchart.Num(v) }

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
