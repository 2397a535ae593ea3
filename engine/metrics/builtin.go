package metrics

// Builtin holds the handles of the built-in metrics (k6's names).
type Builtin struct {
	HTTPReqs              *Metric // counter
	HTTPReqFailed         *Metric // rate
	HTTPReqDuration       *Metric // trend, time
	HTTPReqBlocked        *Metric // trend, time
	HTTPReqConnecting     *Metric // trend, time
	HTTPReqTLSHandshaking *Metric // trend, time
	HTTPReqSending        *Metric // trend, time
	HTTPReqWaiting        *Metric // trend, time
	HTTPReqReceiving      *Metric // trend, time
	Iterations            *Metric // counter
	IterationDuration     *Metric // trend, time
	IterationLatency      *Metric // trend, time: completion minus intended start (arrival-rate only)
	ScheduleLag           *Metric // trend, time: actual start minus intended start (arrival-rate only)
	DroppedIterations     *Metric // counter
	VUs                   *Metric // gauge
	VUsMax                *Metric // gauge
	DataSent              *Metric // counter, data
	DataReceived          *Metric // counter, data
	Checks                *Metric // rate
	GroupDuration         *Metric // trend, time
}

// RegisterBuiltin registers the built-in metrics in r and returns their
// handles.
func RegisterBuiltin(r *Registry) *Builtin {
	must := func(name string, t Type, vt ValueType) *Metric {
		m, err := r.New(name, t, vt)
		if err != nil {
			panic(err) // built-in names are valid and registered first
		}
		return m
	}
	return &Builtin{
		HTTPReqs:              must("http_reqs", Counter, Default),
		HTTPReqFailed:         must("http_req_failed", Rate, Default),
		HTTPReqDuration:       must("http_req_duration", Trend, Time),
		HTTPReqBlocked:        must("http_req_blocked", Trend, Time),
		HTTPReqConnecting:     must("http_req_connecting", Trend, Time),
		HTTPReqTLSHandshaking: must("http_req_tls_handshaking", Trend, Time),
		HTTPReqSending:        must("http_req_sending", Trend, Time),
		HTTPReqWaiting:        must("http_req_waiting", Trend, Time),
		HTTPReqReceiving:      must("http_req_receiving", Trend, Time),
		Iterations:            must("iterations", Counter, Default),
		IterationDuration:     must("iteration_duration", Trend, Time),
		IterationLatency:      must("iteration_latency", Trend, Time),
		ScheduleLag:           must("schedule_lag", Trend, Time),
		DroppedIterations:     must("dropped_iterations", Counter, Default),
		VUs:                   must("vus", Gauge, Default),
		VUsMax:                must("vus_max", Gauge, Default),
		DataSent:              must("data_sent", Counter, Data),
		DataReceived:          must("data_received", Counter, Data),
		Checks:                must("checks", Rate, Default),
		GroupDuration:         must("group_duration", Trend, Time),
	}
}
