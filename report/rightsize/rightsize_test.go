package rightsize

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/loadline/loadline/engine/results"
	"github.com/loadline/loadline/report/parity"
)

func TestReadCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    int
		wantErr string
	}{
		{"rfc3339 and unix", CSVHeader + "\n2026-01-02T03:04:05Z,api,0.5,1000\n1767323046.5,api,0.25,\n", 2, ""},
		{"comment and spaces", "# exported\n" + CSVHeader + "\n 2026-01-02T03:04:05Z, api, 1, 2\n", 1, ""},
		{"wrong header", "time,svc,cpu,mem\n", 0, "header"},
		{"bad timestamp", CSVHeader + "\nyesterday,api,1,2\n", 0, "line 2"},
		{"negative cpu", CSVHeader + "\n1,api,-1,2\n", 0, "cpu_cores"},
		{"empty service", CSVHeader + "\n1,,1,2\n", 0, "empty service"},
		{"short row", CSVHeader + "\n1,api,1\n", 0, "fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadCSV(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(got) != tt.want {
				t.Fatalf("got %d samples, %v; want %d", len(got), err, tt.want)
			}
		})
	}
	got, _ := ReadCSV(strings.NewReader(CSVHeader + "\n1767323046.5,api,0.25,\n"))
	if !got[0].Time.Equal(time.Unix(1767323046, 5e8)) || got[0].CPUCores != 0.25 || !math.IsNaN(got[0].MemoryBytes) {
		t.Fatalf("sample %+v", got[0])
	}
}

func TestPercentile(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name string
		p    float64
		want float64
	}{
		{"min", 0, 1},
		{"median interpolates", 50, 5.5},
		{"p90: pos 8.1", 90, 9.1},
		{"p99: pos 8.91", 99, 9.91},
		{"max", 100, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Percentile(xs, tt.p); math.Abs(got-tt.want) > 1e-12 {
				t.Fatalf("P(%v) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
	if !math.IsNaN(Percentile(nil, 50)) {
		t.Fatal("no samples must be NaN")
	}
}

func TestRecommend(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	var samples []Sample
	// api: cpu 0.1..1.0 cores inside the window, plus a huge spike outside.
	for i := 0; i < 10; i++ {
		samples = append(samples, Sample{Time: t0.Add(time.Duration(i) * time.Second), Service: "api",
			CPUCores: float64(i+1) / 10, MemoryBytes: float64(100+i) * (1 << 20)})
	}
	samples = append(samples, Sample{Time: t0.Add(time.Hour), Service: "api", CPUCores: 50, MemoryBytes: 1 << 40})
	samples = append(samples, Sample{Time: t0, Service: "worker", CPUCores: 2, MemoryBytes: math.NaN()})
	desc, err := parity.ParseDescriptor([]byte("services: [{name: api, cpu: 2, memory: 512Mi, cpu_limit: 4}]"))
	if err != nil {
		t.Fatal(err)
	}
	recs := Recommend(samples, []Window{{t0, t0.Add(9 * time.Second)}}, DefaultRule(), desc)
	if len(recs) != 2 || recs[0].Service != "api" || recs[1].Service != "worker" {
		t.Fatalf("recs %+v", recs)
	}
	cpu := recs[0].CPU
	// p90 of 0.1..1.0 is 0.91 (pos 8.1); × 1.15 = 1.0465; limit 1.0/0.8.
	if cpu.Samples != 10 || math.Abs(cpu.P90-0.91) > 1e-12 || math.Abs(cpu.Request-0.91*1.15) > 1e-12 || math.Abs(cpu.Limit-1.25) > 1e-12 {
		t.Fatalf("cpu %+v", cpu)
	}
	if cpu.Current != 2 || cpu.CurrentLimit != 4 || math.Abs(*cpu.OverProvisionedPct-(2-0.91*1.15)/2*100) > 1e-9 {
		t.Fatalf("cpu current %+v over %v", cpu, *cpu.OverProvisionedPct)
	}
	mem := recs[0].Memory
	wantReq := (100 + 8.1) * (1 << 20) * 1.15
	if math.Abs(mem.Request-wantReq) > 1 || *mem.OverProvisionedPct <= 0 {
		t.Fatalf("memory %+v", mem)
	}
	if w := recs[1]; w.Memory.Samples != 0 || w.CPU.Samples != 1 || w.CPU.OverProvisionedPct != nil {
		t.Fatalf("worker %+v: no memory samples, no current value", w)
	}
}

func TestRecommend_LimitNeverBelowRequest(t *testing.T) {
	// Flat usage: p90 × 1.15 exceeds max ÷ 0.95.
	t0 := time.Unix(0, 0)
	s := []Sample{{t0, "a", 1, 1}, {t0, "a", 1, 1}}
	r := Recommend(s, []Window{{t0, t0}}, Rule{RequestPercentile: 90, SafetyMargin: 0.15, LimitUtilization: 0.95}, nil)
	if r[0].CPU.Limit != r[0].CPU.Request {
		t.Fatalf("limit %v below request %v", r[0].CPU.Limit, r[0].CPU.Request)
	}
}

func TestWindows(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC)
	whole := &results.Run{Header: results.Header{Start: t0}, Summary: &results.Summary{End: t0.Add(time.Minute)}}
	ws, rule, err := Windows([]*results.Run{whole}, parity.DefaultSLO())
	if err != nil || len(ws) != 1 || !ws[0].End.Equal(t0.Add(time.Minute)) || !strings.Contains(rule, "whole run") {
		t.Fatalf("windows %+v %q %v", ws, rule, err)
	}
	marked := &results.Run{Header: results.Header{Start: t0}, Marks: []results.Mark{{Name: "step 1", Start: t0, End: t0.Add(time.Second)}}}
	if _, _, err := Windows([]*results.Run{marked}, parity.DefaultSLO()); err == nil || !strings.Contains(err.Error(), "no marked step") {
		t.Fatalf("a step with no data cannot be sustainable: %v", err)
	}
	if _, _, err := Windows([]*results.Run{{}}, parity.DefaultSLO()); err == nil {
		t.Fatal("an empty run has no window")
	}
}

func TestDefaultStep(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		want   time.Duration
	}{
		{"short run", 15 * time.Second, time.Second},
		{"2 h", 2 * time.Hour, time.Second},
		{"6 h needs 3 s", 6 * time.Hour, 3 * time.Second},
		{"a day", 24 * time.Hour, 9 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultStep(tt.window)
			if got != tt.want || tt.window/got > 10000 {
				t.Fatalf("DefaultStep(%s) = %s, want %s", tt.window, got, tt.want)
			}
		})
	}
}
