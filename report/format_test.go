package report

import (
	"math"
	"testing"
	"time"
)

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		name string
		ms   float64
		unit string
		want string
	}{
		{"zero", 0, "", "0s"},
		{"sub-millisecond in µs", 0.53913, "", "539.13µs"},
		{"milliseconds", 201.03, "", "201.03ms"},
		{"whole milliseconds drop the decimals", 200, "", "200ms"},
		{"rounded to two decimals", 54.4249, "", "54.42ms"},
		{"seconds", 1500, "", "1.5s"},
		{"just under a minute stays in seconds", 59994, "", "59.99s"},
		{"minutes", 62500, "", "1m2.5s"},
		{"rounding carries into minutes", 119999, "", "2m0s"},
		{"hours", 3723000, "", "1h2m3s"},
		{"negative", -1.5, "", "-1.5ms"},
		{"forced ms", 1500, "ms", "1500ms"},
		{"forced s", 250, "s", "0.25s"},
		{"forced us", 1.5, "us", "1500µs"},
		{"forced µs", 0.002, "µs", "2µs"},
		{"forced m", 90000, "m", "1.5m"},
		{"unknown unit is automatic", 1500, "h", "1.5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatDuration(tt.ms, tt.unit); got != tt.want {
				t.Errorf("FormatDuration(%v, %q) = %q, want %q", tt.ms, tt.unit, got, tt.want)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		name string
		n    float64
		want string
	}{
		{"zero", 0, "0 B"},
		{"bytes", 512, "512 B"},
		{"rounds up into kB", 999.6, "1 kB"},
		{"one decimal below ten", 1234, "1.2 kB"},
		{"trailing .0 dropped", 2000, "2 kB"},
		{"no decimal from ten", 12345, "12 kB"},
		{"megabytes", 3_400_000, "3.4 MB"},
		{"gigabytes", 5e9, "5 GB"},
		{"negative", -1500, "-1.5 kB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatBytes(tt.n); got != tt.want {
				t.Errorf("FormatBytes(%v) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
	if got := FormatBytesRate(3900); got != "3.9 kB/s" {
		t.Errorf("FormatBytesRate(3900) = %q, want 3.9 kB/s", got)
	}
}

func TestFormatNumberAndPercent(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"integer", FormatNumber(120), "120"},
		{"six decimals", FormatNumber(152.3555559), "152.355556"},
		{"trailing zeros dropped", FormatNumber(0.5), "0.5"},
		{"percent of half", FormatPercent(0.5), "50.00%"},
		{"percent of two thirds", FormatPercent(2.0 / 3), "66.67%"},
		{"percent of zero", FormatPercent(0), "0.00%"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestValidateTrendStats(t *testing.T) {
	tests := []struct {
		name    string
		stats   []string
		wantErr bool
	}{
		{"defaults", DefaultTrendStats, false},
		{"count and fractional percentiles", []string{"med", "p(98)", "p(99.9)", "max", "count"}, false},
		{"p(0) and p(100)", []string{"p(0)", "p(100)"}, false},
		{"unknown name", []string{"avg", "mean"}, true},
		{"percentile over 100", []string{"p(101)"}, true},
		{"percentile not a number", []string{"p(x)"}, true},
		{"missing parenthesis", []string{"p(95"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidateTrendStats(tt.stats)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ValidateTrendStats(%q) error = %v, want error %v", tt.stats, err, tt.wantErr)
			}
			if err != nil && err.Error()[:8] != "report: " {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestValidateTimeUnit(t *testing.T) {
	tests := []struct {
		name    string
		unit    string
		wantErr bool
	}{
		{"automatic", "", false},
		{"seconds", "s", false},
		{"milliseconds", "ms", false},
		{"microseconds", "us", false},
		{"minutes are display-only", "m", true},
		{"unknown", "hours", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := ValidateTimeUnit(tt.unit); (err != nil) != tt.wantErr {
				t.Errorf("ValidateTimeUnit(%q) = %v, want error %v", tt.unit, err, tt.wantErr)
			}
		})
	}
}

func FuzzParseStat(f *testing.F) {
	for _, s := range []string{"avg", "med", "p(95)", "p(99.9)", "p(100)", "p(-1)", "p()", "p(1e2)", "count", "p(NaN)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		st, ok := parseStat(s)
		if (ValidateTrendStats([]string{s}) == nil) != ok {
			t.Fatalf("parseStat and ValidateTrendStats disagree on %q", s)
		}
		if !ok {
			return
		}
		if st.name != s {
			t.Fatalf("name %q, want %q", st.name, s)
		}
		if st.agg == "p" && !(st.p >= 0 && st.p <= 100) {
			t.Fatalf("%q accepted with p = %v", s, st.p)
		}
	})
}

func FuzzFormatDuration(f *testing.F) {
	for _, v := range []float64{0, 0.5, 1, 999.999, 59999.99, 119999, 3.6e6, -5} {
		f.Add(v, "")
		f.Add(v, "ms")
	}
	f.Fuzz(func(t *testing.T, ms float64, unit string) {
		out := FormatDuration(ms, unit)
		if out == "" {
			t.Fatalf("empty output for %v %q", ms, unit)
		}
		if unit != "" || math.IsNaN(ms) || math.Abs(ms) > 1e12 {
			return
		}
		// The automatic form is a valid Go duration that rounds to ms.
		d, err := time.ParseDuration(out)
		if err != nil {
			t.Fatalf("FormatDuration(%v) = %q, not a duration: %v", ms, out, err)
		}
		got := float64(d) / float64(time.Millisecond)
		if diff := math.Abs(got - ms); diff > 10 && diff > math.Abs(ms)*0.005 {
			t.Fatalf("FormatDuration(%v) = %q reads back as %v ms", ms, out, got)
		}
	})
}
