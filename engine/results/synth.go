package results

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand"
	"time"

	"github.com/loadline/loadline/engine/metrics"
)

// Synthesize writes a synthetic results file to path (gzip when it ends in
// .gz): hours of 1 s intervals of a constant load of rps requests per second
// spread evenly over endpoints endpoints, each with the tags k6 gives an
// HTTP request (name, url, method, status, proto, scenario,
// expected_response). It exists to size the format and to feed report
// benchmarks with a realistic file. The same seed gives the same file.
//
// Per request it records the nine HTTP metrics (http_reqs, http_req_failed
// with 0.1% failures, and the seven timing trends), and per interval the
// iteration metrics (one iteration per request), checks, data counters and
// the vus/vus_max gauges. Timings are log-normal: http_req_waiting with a
// median of 20 ms × e^u per endpoint (u uniform in ±0.7, so 10–40 ms) and σ
// 0.4 (p99 ≈ 2.5 × median); sending median 30 µs σ 0.3; receiving median
// 80 µs σ 0.5; blocked median 2 µs σ 0.5; connecting and TLS handshaking 0
// (connections are reused); http_req_duration is sending + waiting +
// receiving.
func Synthesize(path string, hours float64, rps, endpoints int, seed int64) error {
	return synthesize(path, hours, rps, endpoints, seed, time.Second)
}

// synthesize is Synthesize with intervals of every (rps × every requests
// each).
func synthesize(path string, hours float64, rps, endpoints int, seed int64, every time.Duration) error {
	if hours <= 0 || rps <= 0 || endpoints <= 0 || every <= 0 {
		return fmt.Errorf("results: synthesize: hours (%g), rps (%d), endpoints (%d) and the interval (%s) must be positive", hours, rps, endpoints, every)
	}
	perInterval := int(math.Round(float64(rps) * every.Seconds()))
	reg := metrics.NewRegistry()
	bi := metrics.RegisterBuiltin(reg)
	rng := rand.New(rand.NewSource(seed))
	type endpoint struct {
		ok, fail *metrics.TagSet
		median   float64
		share    int
	}
	eps := make([]endpoint, endpoints)
	for i := range eps {
		name := fmt.Sprintf("http://127.0.0.1:8080/api/v1/resource%02d", i)
		tags := func(status, expected string) *metrics.TagSet {
			return reg.Tags(
				metrics.Tag{Key: "expected_response", Value: expected},
				metrics.Tag{Key: "method", Value: "GET"},
				metrics.Tag{Key: "name", Value: name},
				metrics.Tag{Key: "proto", Value: "HTTP/1.1"},
				metrics.Tag{Key: "scenario", Value: "default"},
				metrics.Tag{Key: "status", Value: status},
				metrics.Tag{Key: "url", Value: name},
			)
		}
		eps[i] = endpoint{
			ok:     tags("200", "true"),
			fail:   tags("503", "false"),
			median: 20 * math.Exp(rng.Float64()*1.4-0.7),
			share:  perInterval / endpoints,
		}
		if i < perInterval%endpoints {
			eps[i].share++
		}
	}
	scen := reg.Tags(metrics.Tag{Key: "scenario", Value: "default"})
	check := reg.Tags(metrics.Tag{Key: "check", Value: "status is 200"}, metrics.Tag{Key: "scenario", Value: "default"})
	vus := int(math.Ceil(float64(rps) * 0.025)) // Little's law at ~25 ms per iteration

	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts, _ := json.Marshal(map[string]any{"scenarios": map[string]any{"default": map[string]any{
		"executor": "constant-arrival-rate", "rate": rps, "duration": fmt.Sprintf("%gh", hours), "preAllocatedVUs": vus,
	}}})
	w, err := Create(path, Header{
		ToolVersion: "synthetic",
		Start:       start,
		Script:      "synthetic.js",
		Options:     opts,
		Labels:      map[string]string{"synthetic": "true"},
		Host:        Host{Hostname: "synthetic", OS: "linux", Arch: "amd64", CPUs: 8, GoVersion: "go1.26"},
		Interval:    every,
	}, WriterOptions{})
	if err != nil {
		return err
	}
	logn := func(median, sigma float64) float64 { return median * math.Exp(sigma*rng.NormFloat64()) }
	intervals := int(math.Round(hours * float64(time.Hour) / float64(every)))
	// Generate one interval ahead of the writer, on another goroutine.
	snaps := make(chan *metrics.Snapshot, 2)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(snaps)
		for k := 0; k < intervals; k++ {
			t0 := start.Add(time.Duration(k) * every)
			snap := &metrics.Snapshot{Start: t0, End: t0.Add(every)}
			sinks := map[[2]uint32]*metrics.Series{}
			add := func(m *metrics.Metric, t *metrics.TagSet, v float64) {
				key := [2]uint32{m.ID, t.ID}
				s := sinks[key]
				if s == nil {
					s = &metrics.Series{Metric: m, Tags: t, Sink: metrics.NewSink(m.Type)}
					sinks[key] = s
					snap.Series = append(snap.Series, s)
				}
				s.Sink.Add(v)
			}
			for _, ep := range eps {
				for j := 0; j < ep.share; j++ {
					failed := rng.Float64() < 0.001
					tags := ep.ok
					if failed {
						tags = ep.fail
					}
					sending, waiting, receiving := logn(0.03, 0.3), logn(ep.median, 0.4), logn(0.08, 0.5)
					dur := sending + waiting + receiving
					add(bi.HTTPReqs, tags, 1)
					add(bi.HTTPReqFailed, tags, b2f(failed))
					add(bi.HTTPReqDuration, tags, dur)
					add(bi.HTTPReqBlocked, tags, logn(0.002, 0.5))
					add(bi.HTTPReqConnecting, tags, 0)
					add(bi.HTTPReqTLSHandshaking, tags, 0)
					add(bi.HTTPReqSending, tags, sending)
					add(bi.HTTPReqWaiting, tags, waiting)
					add(bi.HTTPReqReceiving, tags, receiving)
					add(bi.Iterations, scen, 1)
					add(bi.IterationDuration, scen, dur+0.05)
					add(bi.DataSent, scen, 120)
					add(bi.DataReceived, scen, 850)
					add(bi.Checks, check, b2f(!failed))
				}
			}
			add(bi.VUs, reg.Empty(), float64(vus))
			add(bi.VUsMax, reg.Empty(), float64(vus))
			sortSnapshot(snap)
			select {
			case snaps <- snap:
			case <-stop:
				return
			}
		}
	}()
	for snap := range snaps {
		if err := w.WriteInterval(Interval{Start: snap.Start, End: snap.End, Snapshot: snap}); err != nil {
			_ = w.Close(nil)
			return err
		}
	}
	end := start.Add(time.Duration(intervals) * every)
	return w.Close(&Summary{
		End:       end,
		EndReason: "finished",
		Scenarios: []ScenarioResult{{Name: "default", Executor: "constant-arrival-rate", Completed: int64(perInterval) * int64(intervals), OfferedRate: float64(rps)}},
	})
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
