package svgchart

import (
	"encoding/xml"
	"io"
	"math"
	"strings"
	"testing"
)

// wellFormed fails the test when s is not well-formed XML.
func wellFormed(t *testing.T, s string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(s))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, s)
		}
	}
}

func TestChart_PointsAboveTheAxisAreShownAndCounted(t *testing.T) {
	tests := []struct {
		name      string
		ys        []float64
		wantAbove int
	}{
		{"all inside", []float64{10, 50, 199}, 0},
		{"one above", []float64{10, 50, 450}, 1},
		{"two above, one NaN skipped", []float64{201, math.NaN(), 9000}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(Options{ID: "t", Title: "latency", XMax: 10, YMax: 200})
			for i, y := range tt.ys {
				c.Dot(float64(i), y, Blue)
			}
			if c.Above() != tt.wantAbove {
				t.Errorf("Above() = %d, want %d", c.Above(), tt.wantAbove)
			}
			svg := c.SVG()
			wellFormed(t, svg)
			if got := strings.Count(svg, `class="above"`); got != tt.wantAbove {
				t.Errorf("%d edge markers, want %d", got, tt.wantAbove)
			}
			caption := strings.Contains(svg, "above 200 are drawn on the top edge")
			if caption != (tt.wantAbove > 0) {
				t.Errorf("caption present %v, want %v", caption, tt.wantAbove > 0)
			}
			for _, y := range tt.ys {
				if y > 200 && !strings.Contains(svg, "↑"+Num(y)) {
					t.Errorf("the value %s of a point above the axis is not shown", Num(y))
				}
			}
			wantCircles := 0
			for _, y := range tt.ys {
				if !math.IsNaN(y) && y <= 200 {
					wantCircles++
				}
			}
			if got := strings.Count(svg, "<circle"); got != wantCircles {
				t.Errorf("%d circles, want %d", got, wantCircles)
			}
		})
	}
}

func TestChart_Mapping(t *testing.T) {
	c := New(Options{ID: "m", XMin: 0, XMax: 100, YMin: 0, YMax: 50, Width: 400, Height: 300})
	// The plot spans x 64..384 and y 28..256 (padding 64/16/28/44).
	tests := []struct {
		name         string
		x, y, px, py float64
	}{
		{"origin", 0, 0, 64, 256},
		{"top right", 100, 50, 384, 28},
		{"middle", 50, 25, 224, 142},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.PX(tt.x); math.Abs(got-tt.px) > 1e-9 {
				t.Errorf("PX(%g) = %g, want %g", tt.x, got, tt.px)
			}
			if got := c.PY(tt.y); math.Abs(got-tt.py) > 1e-9 {
				t.Errorf("PY(%g) = %g, want %g", tt.y, got, tt.py)
			}
		})
	}
}

func TestChart_ElementsAndEscaping(t *testing.T) {
	c := New(Options{ID: "e", Title: `a <b> & "c"`, XLabel: "x", YLabel: "y", XMax: 4, YMax: 2,
		XTicks: []Tick{{1, "GET /a"}, {3, "GET /b"}, {9, "outside"}}})
	c.Line([]float64{0, 1, 2}, []float64{0, 5, 1}, Red, "4 2")
	c.HLine(1, Green, "6 3", "objective")
	c.VLine(2, Purple, "2 2", "knee")
	c.ErrorBar(1, 0.5, 1.5, Blue)
	c.ErrorBar(3, 1.5, 9, Blue) // high end clipped: no top cap
	c.Bar(0.5, 1.5, 0, 1, Orange, "bar")
	c.Band(2, 3, Grey, "window")
	c.Legend(Red, "", "fit")
	c.Note("a note")
	svg := c.SVG()
	wellFormed(t, svg)
	for _, want := range []string{"a &lt;b&gt; &amp; &#34;c&#34;", "GET /a", "GET /b", "objective", "knee", "fit", "a note", `stroke-dasharray="4 2"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("SVG lacks %q", want)
		}
	}
	if strings.Contains(svg, "outside") {
		t.Error("a tick outside the x range was drawn")
	}
	if strings.Contains(svg, "%HEIGHT%") {
		t.Error("height placeholder left in the SVG")
	}
}

func TestChart_EmptyRangeIsWidened(t *testing.T) {
	c := New(Options{ID: "z", XMin: 5, XMax: 5, YMin: 3, YMax: 3})
	if px := c.PX(6); math.IsNaN(px) || math.IsInf(px, 0) {
		t.Fatalf("PX on an empty range = %v", px)
	}
	wellFormed(t, c.SVG())
}

func TestNum(t *testing.T) {
	tests := []struct {
		name string
		v    float64
		want string
	}{
		{"whole", 400, "400"},
		{"large", 1234.56, "1235"},
		{"small", 3.14159, "3.142"},
		{"tiny", 0.0012345, "0.001234"},
		{"nan", math.NaN(), "n/a"},
		{"inf", math.Inf(1), "∞"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Num(tt.v); got != tt.want {
				t.Errorf("Num(%v) = %q, want %q", tt.v, got, tt.want)
			}
		})
	}
}

func TestNiceMax(t *testing.T) {
	tests := []struct {
		name    string
		v, want float64
	}{
		{"already round", 200, 200},
		{"seconds", 59.82, 60},
		{"throughput", 478.9, 480},
		{"rate", 1983, 2000},
		{"ratio", 2.29, 2.4},
		{"small", 0.0133, 0.016},
		{"exact multiple", 100, 100},
		{"zero", 0, 0},
		{"negative", -3, -3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NiceMax(tt.v)
			if math.Abs(got-tt.want) > 1e-9*math.Max(1, tt.want) {
				t.Errorf("NiceMax(%g) = %g, want %g", tt.v, got, tt.want)
			}
			if tt.v > 0 && got < tt.v {
				t.Errorf("NiceMax(%g) = %g is below the value", tt.v, got)
			}
		})
	}
}
