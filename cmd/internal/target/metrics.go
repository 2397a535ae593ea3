package target

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serverMetrics holds the Prometheus collectors of one Server, registered in
// a registry of its own (never the global one), so several servers can run
// in one process (tests) without clashing.
type serverMetrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	inFlight  prometheus.Gauge
	queueWait prometheus.Histogram
	service   prometheus.Histogram
}

func newServerMetrics(queueLen func() float64) *serverMetrics {
	m := &serverMetrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "target_requests_total",
			Help: "HTTP requests answered by the target, by route pattern and status code.",
		}, []string{"route", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "target_requests_in_flight",
			Help: "HTTP requests being served right now, on all routes.",
		}),
		queueWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "target_capacity_queue_wait_seconds",
			Help:    "Time /capacity requests waited in the FIFO queue for a worker slot, on the slot's schedule.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 18), // 100 µs .. ~13 s
		}),
		service: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "target_capacity_service_seconds",
			Help:    "Time /capacity requests held a worker slot, on the slot's schedule (the service time unless cut short).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5 ms .. ~16 s
		}),
	}
	m.reg.MustRegister(
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewGoCollector(),
		m.requests,
		m.inFlight,
		m.queueWait,
		m.service,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "target_capacity_queue_length",
			Help: "/capacity requests currently waiting for a worker slot.",
		}, queueLen),
	)
	return m
}

// instrument wraps h so that its responses are counted under route. The
// route's label is curried once here; per request only the status code is
// looked up. promhttp's delegator keeps http.Flusher and http.Hijacker, which
// go-httpbin's /sse, /drip and /websocket/echo need.
func (m *serverMetrics) instrument(route string, h http.Handler) http.Handler {
	return promhttp.InstrumentHandlerCounter(m.requests.MustCurryWith(prometheus.Labels{"route": route}), h)
}

// instrumentInFlight wraps h so that target_requests_in_flight counts the
// requests inside it.
func (m *serverMetrics) instrumentInFlight(h http.Handler) http.Handler {
	return promhttp.InstrumentHandlerInFlight(m.inFlight, h)
}

// handler serves the registry in the Prometheus text exposition format.
func (m *serverMetrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
