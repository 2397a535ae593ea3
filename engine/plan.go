package engine

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Executor names, as in k6.
const (
	SharedIterations    = "shared-iterations"
	PerVUIterations     = "per-vu-iterations"
	ConstantVUs         = "constant-vus"
	RampingVUs          = "ramping-vus"
	ConstantArrivalRate = "constant-arrival-rate"
	RampingArrivalRate  = "ramping-arrival-rate"
)

// Late-start policies of the arrival-rate executors (ScenarioConfig.LateStarts).
const (
	// LateStartsDrop drops a start that finds no free VU and counts it in
	// dropped_iterations (k6's behaviour; the default).
	LateStartsDrop = "drop"
	// LateStartsQueue makes a start that finds no free VU wait for the next
	// free VU (wrk2's model); it is never dropped.
	LateStartsQueue = "queue"
)

// Default values that Resolve fills in, as in k6.
const (
	DefaultGracefulStop     = 30 * time.Second
	DefaultGracefulRampDown = 30 * time.Second
	DefaultMaxDuration      = 10 * time.Minute
	DefaultTimeUnit         = time.Second
	DefaultScenarioName     = "default"
	DefaultExec             = "default"
)

// Plan is the resolved execution plan: scenarios with their executor
// parameters, ordered by start time then name.
type Plan struct {
	Scenarios []*ScenarioPlan
	// Segment is the execution segment this instance runs ("" or "0:1" for
	// the whole plan), and Sequence the segment sequence it belongs to, as
	// given in Options; Resolve checks that they parse.
	Segment, Sequence string
}

// ScenarioPlan is one scenario's resolved parameters.
type ScenarioPlan struct {
	Name   string
	Config ScenarioConfig // with every default filled in
	// MaxVUs is the most VUs the scenario can use at once.
	MaxVUs int64
	// PreAllocatedVUs is how many VUs are initialised before the start.
	PreAllocatedVUs int64
	// Duration is the scenario's length without its graceful stop.
	Duration time.Duration
	// MaxDuration includes the graceful stop.
	MaxDuration time.Duration
}

// Starts returns the number of iteration starts an arrival-rate scenario
// schedules in the unsegmented plan: ceil of the area under its rate curve
// over [0, duration), e.g. 30 for rate 10/s over 3 s (see the package's
// boundary rule). It is 0 for closed-model executors.
func (sp *ScenarioPlan) Starts() int64 {
	if r := sp.rateSchedule(); r != nil {
		return r.Count()
	}
	return 0
}

// rateSchedule is the start schedule of an arrival-rate scenario, or nil.
func (sp *ScenarioPlan) rateSchedule() *rateSchedule {
	c := sp.Config
	switch c.Executor {
	case ConstantArrivalRate:
		return constantRateSchedule(*c.Rate, time.Duration(*c.Duration), time.Duration(*c.TimeUnit))
	case RampingArrivalRate:
		return newRateSchedule(*c.StartRate, c.Stages, time.Duration(*c.TimeUnit))
	}
	return nil
}

// MaxVUs returns the number of VUs the engine initialises before the start:
// the sum of every scenario's PreAllocatedVUs (k6's rule: no sharing between
// scenarios, so the count does not depend on timing).
func (p *Plan) MaxVUs() int64 {
	var n int64
	for _, s := range p.Scenarios {
		n += s.PreAllocatedVUs
	}
	return n
}

// MaxDuration returns the longest the plan can run: the latest
// startTime + MaxDuration over its scenarios.
func (p *Plan) MaxDuration() time.Duration {
	var d time.Duration
	for _, s := range p.Scenarios {
		d = max(d, time.Duration(*s.Config.StartTime)+s.MaxDuration)
	}
	return d
}

// Resolve applies k6's shortcut mapping (vus/duration/iterations/stages to a
// "default" scenario), fills in defaults and validates, returning the plan.
//
// Shortcut mapping: nothing set gives 1 VU running 1 iteration
// (shared-iterations); iterations (with vus, default 1) gives
// shared-iterations, with maxDuration = duration when duration is set too;
// duration (with vus) gives constant-vus; stages give ramping-vus with
// startVUs = vus (default 1). Shortcuts next to scenarios, or duration next
// to stages, are an error. Errors name the scenario and the field.
func (o *Options) Resolve() (*Plan, error) {
	scenarios := o.Scenarios
	shortcut := o.VUs != nil || o.Duration != nil || o.Iterations != nil || o.Stages != nil
	if shortcut && o.Scenarios != nil {
		return nil, errors.New("options: `vus`/`duration` next to `scenarios`; move them into a scenario")
	}
	if o.Scenarios == nil {
		sc, err := o.shortcutScenario()
		if err != nil {
			return nil, err
		}
		scenarios = map[string]*ScenarioConfig{DefaultScenarioName: sc}
	}
	if len(scenarios) == 0 {
		return nil, errors.New("options: `scenarios` is empty")
	}
	if err := validateHosts(o.Hosts); err != nil {
		return nil, err
	}
	plan := &Plan{Segment: o.ExecutionSegment, Sequence: o.ExecutionSegmentSequence}
	if _, err := NewSegmentShare(o.ExecutionSegment, o.ExecutionSegmentSequence); err != nil {
		return nil, err
	}
	for name, sc := range scenarios {
		if sc == nil {
			return nil, fmt.Errorf("options: scenario %q: empty", name)
		}
		sp, err := resolveScenario(name, *sc)
		if err != nil {
			return nil, err
		}
		plan.Scenarios = append(plan.Scenarios, sp)
	}
	sort.Slice(plan.Scenarios, func(i, j int) bool {
		a, b := plan.Scenarios[i], plan.Scenarios[j]
		if *a.Config.StartTime != *b.Config.StartTime {
			return *a.Config.StartTime < *b.Config.StartTime
		}
		return a.Name < b.Name
	})
	return plan, nil
}

func (o *Options) shortcutScenario() (*ScenarioConfig, error) {
	vus := ptr(int64(1))
	if o.VUs != nil {
		vus = ptr(*o.VUs)
	}
	switch {
	case o.Iterations != nil:
		sc := &ScenarioConfig{Executor: SharedIterations, VUs: vus, Iterations: ptr(*o.Iterations)}
		if o.Stages != nil {
			return nil, errors.New("options: `iterations` next to `stages`; use one")
		}
		if o.Duration != nil {
			sc.MaxDuration = ptr(*o.Duration)
		}
		return sc, nil
	case o.Stages != nil:
		if o.Duration != nil {
			return nil, errors.New("options: `duration` next to `stages`; use one")
		}
		return &ScenarioConfig{Executor: RampingVUs, StartVUs: vus, Stages: append([]Stage(nil), o.Stages...)}, nil
	case o.Duration != nil:
		return &ScenarioConfig{Executor: ConstantVUs, VUs: vus, Duration: ptr(*o.Duration)}, nil
	default:
		return &ScenarioConfig{Executor: SharedIterations, VUs: vus, Iterations: ptr(int64(1))}, nil
	}
}

func ptr[T any](v T) *T { return &v }

// fieldsOf lists the executor-specific fields each executor accepts.
var fieldsOf = map[string][]string{
	SharedIterations:    {"vus", "iterations", "maxDuration"},
	PerVUIterations:     {"vus", "iterations", "maxDuration"},
	ConstantVUs:         {"vus", "duration"},
	RampingVUs:          {"startVUs", "stages", "gracefulRampDown"},
	ConstantArrivalRate: {"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs", "lateStarts"},
	RampingArrivalRate:  {"startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs", "lateStarts"},
}

func setFields(c *ScenarioConfig) []string {
	var f []string
	add := func(ok bool, name string) {
		if ok {
			f = append(f, name)
		}
	}
	add(c.VUs != nil, "vus")
	add(c.Iterations != nil, "iterations")
	add(c.Duration != nil, "duration")
	add(c.MaxDuration != nil, "maxDuration")
	add(c.StartVUs != nil, "startVUs")
	add(c.Stages != nil, "stages")
	add(c.GracefulRampDown != nil, "gracefulRampDown")
	add(c.Rate != nil, "rate")
	add(c.StartRate != nil, "startRate")
	add(c.TimeUnit != nil, "timeUnit")
	add(c.PreAllocatedVUs != nil, "preAllocatedVUs")
	add(c.MaxVUs != nil, "maxVUs")
	add(c.LateStarts != "", "lateStarts")
	return f
}

func resolveScenario(name string, c ScenarioConfig) (*ScenarioPlan, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("options: scenario %q: "+format, append([]any{name}, args...)...)
	}
	if name == "" {
		return nil, errors.New("options: a scenario has an empty name")
	}
	allowed, ok := fieldsOf[c.Executor]
	if !ok {
		if c.Executor == "" {
			return nil, bad("`executor` is missing")
		}
		return nil, bad("unknown executor %q", c.Executor)
	}
	for _, f := range setFields(&c) {
		if !slices.Contains(allowed, f) {
			return nil, bad("`%s` is not an option of %s", f, c.Executor)
		}
	}
	if c.Exec == "" {
		c.Exec = DefaultExec
	}
	def := func(p **Duration, d time.Duration) {
		if *p == nil {
			*p = ptr(Duration(d))
		}
	}
	defInt := func(p **int64, v int64) {
		if *p == nil {
			*p = ptr(v)
		}
	}
	def(&c.StartTime, 0)
	def(&c.GracefulStop, DefaultGracefulStop)
	sp := &ScenarioPlan{Name: name}
	switch c.Executor {
	case SharedIterations, PerVUIterations:
		defInt(&c.VUs, 1)
		defInt(&c.Iterations, 1)
		def(&c.MaxDuration, DefaultMaxDuration)
		if *c.VUs < 1 {
			return nil, bad("`vus` must be at least 1, got %d", *c.VUs)
		}
		if *c.Iterations < 1 {
			return nil, bad("`iterations` must be at least 1, got %d", *c.Iterations)
		}
		if c.Executor == SharedIterations && *c.Iterations < *c.VUs {
			return nil, bad("`iterations` (%d) must be at least `vus` (%d)", *c.Iterations, *c.VUs)
		}
		if *c.MaxDuration <= 0 {
			return nil, bad("`maxDuration` must be positive")
		}
		sp.MaxVUs, sp.Duration = *c.VUs, time.Duration(*c.MaxDuration)
	case ConstantVUs:
		defInt(&c.VUs, 1)
		if *c.VUs < 1 {
			return nil, bad("`vus` must be at least 1, got %d", *c.VUs)
		}
		if c.Duration == nil || *c.Duration <= 0 {
			return nil, bad("`duration` must be set and positive")
		}
		sp.MaxVUs, sp.Duration = *c.VUs, time.Duration(*c.Duration)
	case RampingVUs:
		defInt(&c.StartVUs, 1)
		def(&c.GracefulRampDown, DefaultGracefulRampDown)
		if *c.StartVUs < 0 {
			return nil, bad("`startVUs` must not be negative")
		}
		if len(c.Stages) == 0 {
			return nil, bad("`stages` must have at least one stage")
		}
		sp.MaxVUs = *c.StartVUs
		for i, st := range c.Stages {
			if st.Target < 0 {
				return nil, bad("stage %d: `target` must not be negative", i)
			}
			sp.MaxVUs = max(sp.MaxVUs, st.Target)
			sp.Duration += time.Duration(st.Duration)
		}
		if sp.MaxVUs == 0 {
			return nil, bad("every stage targets 0 VUs and startVUs is 0")
		}
	case ConstantArrivalRate, RampingArrivalRate:
		def(&c.TimeUnit, DefaultTimeUnit)
		if c.LateStarts == "" {
			c.LateStarts = LateStartsDrop
		}
		if c.LateStarts != LateStartsDrop && c.LateStarts != LateStartsQueue {
			return nil, bad("`lateStarts` must be %q or %q, got %q", LateStartsDrop, LateStartsQueue, c.LateStarts)
		}
		if *c.TimeUnit <= 0 {
			return nil, bad("`timeUnit` must be positive")
		}
		if c.PreAllocatedVUs == nil {
			return nil, bad("`preAllocatedVUs` must be set")
		}
		defInt(&c.MaxVUs, *c.PreAllocatedVUs)
		if *c.PreAllocatedVUs < 0 {
			return nil, bad("`preAllocatedVUs` must not be negative")
		}
		if *c.MaxVUs < *c.PreAllocatedVUs {
			return nil, bad("`maxVUs` (%d) must be at least `preAllocatedVUs` (%d)", *c.MaxVUs, *c.PreAllocatedVUs)
		}
		if *c.MaxVUs < 1 {
			return nil, bad("`maxVUs` must be at least 1")
		}
		if c.Executor == ConstantArrivalRate {
			if c.Rate == nil || !(*c.Rate > 0) {
				return nil, bad("`rate` must be set and positive")
			}
			if c.Duration == nil || *c.Duration <= 0 {
				return nil, bad("`duration` must be set and positive")
			}
			sp.Duration = time.Duration(*c.Duration)
		} else {
			if c.StartRate == nil {
				c.StartRate = ptr(0.0)
			}
			if *c.StartRate < 0 {
				return nil, bad("`startRate` must not be negative")
			}
			if len(c.Stages) == 0 {
				return nil, bad("`stages` must have at least one stage")
			}
			for i, st := range c.Stages {
				if st.Target < 0 {
					return nil, bad("stage %d: `target` must not be negative", i)
				}
				sp.Duration += time.Duration(st.Duration)
			}
		}
		sp.MaxVUs, sp.PreAllocatedVUs = *c.MaxVUs, *c.PreAllocatedVUs
	}
	if c.Executor != ConstantArrivalRate && c.Executor != RampingArrivalRate {
		sp.PreAllocatedVUs = sp.MaxVUs
	}
	if *c.GracefulStop < 0 || (c.GracefulRampDown != nil && *c.GracefulRampDown < 0) {
		return nil, bad("graceful stop durations must not be negative")
	}
	if sp.Duration <= 0 {
		return nil, bad("the scenario lasts 0 s; give it a duration or stages")
	}
	sp.MaxDuration = sp.Duration + time.Duration(*c.GracefulStop)
	sp.Config = c
	return sp, nil
}

// validateHosts checks the hosts option as k6 does. A key is "name" or
// "name:port", where name is a host name or an IP address (IPv6 in
// brackets when a port follows), or a pattern whose only "*" is its first
// character ("*.example.com", "*example.com", "*"); a value is an IP
// address or "IP:port". Ports are 1-65535, digits only.
func validateHosts(hosts map[string]string) error {
	const hint = "use 'name', 'name:port' or '*.domain[:port]' mapped to 'IP' or 'IP:port'"
	for k, v := range hosts {
		name, port, ok := splitHostKey(k)
		if !ok || port != "" && !validPort(port) {
			return fmt.Errorf("options: hosts: invalid port in %q: %s", k, hint)
		}
		pattern, isPattern := strings.CutPrefix(name, "*")
		switch {
		case name == "":
			return fmt.Errorf("options: hosts: key %q has no host name: %s", k, hint)
		case strings.Contains(pattern, "*"):
			return fmt.Errorf("options: hosts: invalid host pattern %q: a '*' may only start a key, as in '*.example.com'", k)
		case !validHostChars(strings.TrimSuffix(pattern, ".")) && !(!isPattern && isIP(name)):
			return fmt.Errorf("options: hosts: invalid host name in %q: %s", k, hint)
		}
		ip, vport, ok := splitHostKey(v)
		if !ok || !isIP(ip) || vport != "" && !validPort(vport) {
			return fmt.Errorf("options: hosts: %q maps to %q, which is not an IP address or IP:port", k, v)
		}
	}
	return nil
}

// splitHostKey splits "name:port", "[v6]:port", "[v6]", "v6" and "name"
// into name (brackets removed) and port ("" if none); ok is false for a
// port separator with nothing after it.
func splitHostKey(k string) (name, port string, ok bool) {
	if strings.HasPrefix(k, "[") {
		end := strings.IndexByte(k, ']')
		if end < 0 {
			return k, "", true
		}
		name, rest := k[1:end], k[end+1:]
		if rest == "" {
			return name, "", true
		}
		port, ok := strings.CutPrefix(rest, ":")
		return name, port, ok && port != ""
	}
	if strings.Count(k, ":") != 1 {
		return k, "", true // a name, or an IPv6 address without a port
	}
	i := strings.IndexByte(k, ':')
	return k[:i], k[i+1:], i+1 < len(k)
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// validHostChars reports whether s has only the characters of host names
// (letters, digits, '-', '_', '.'); "" is valid (the pattern "*").
func validHostChars(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func isIP(s string) bool {
	_, err := netip.ParseAddr(s)
	return err == nil
}
