package parity

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Risk is how much a drift threatens the prediction of production's
// performance from staging's.
type Risk int

// Risk levels, in increasing order.
const (
	Low Risk = iota + 1
	Medium
	High
)

// String returns "low", "medium" or "high".
func (r Risk) String() string {
	switch r {
	case Low:
		return "low"
	case Medium:
		return "medium"
	case High:
		return "high"
	}
	return "none"
}

// MarshalText writes the risk's name, so JSON shows "high".
func (r Risk) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// Drift is one difference between the staging and production descriptors.
type Drift struct {
	// Rule is the ID of the rule that ranked the drift (docs/parity.md
	// lists them): "service-missing", "replicas", "workers", "cpu",
	// "memory", "cpu-limit", "memory-limit", "instance-type",
	// "service-version", "config", "config-log", "store-missing",
	// "store-engine", "store-major-version", "store-version",
	// "store-data-size", "store-replicas", "cdn", "cache".
	Rule string `json:"rule"`
	// Subject names what drifted: "service api", "data store db",
	// "traffic".
	Subject string `json:"subject"`
	// Field is the descriptor field ("workers", "config.log_level").
	Field string `json:"field"`
	// Staging and Production are the two values as written.
	Staging    string `json:"staging"`
	Production string `json:"production"`
	// Ratio is production ÷ staging for numeric fields, 0 otherwise.
	Ratio float64 `json:"ratio,omitempty"`
	// Risk is the rank and Reason says why in a sentence.
	Risk   Risk   `json:"risk"`
	Reason string `json:"reason"`
}

// Penalty per risk level, subtracted from 100 for the environment score
// (see EnvScore).
const (
	PenaltyHigh   = 25
	PenaltyMedium = 10
	PenaltyLow    = 2
)

// EnvScore is 100 minus PenaltyHigh, PenaltyMedium or PenaltyLow per drift,
// floored at 0: 100 means the descriptors agree on everything that can
// change performance.
func EnvScore(drifts []Drift) float64 {
	s := 100.0
	for _, d := range drifts {
		switch d.Risk {
		case High:
			s -= PenaltyHigh
		case Medium:
			s -= PenaltyMedium
		case Low:
			s -= PenaltyLow
		}
	}
	return math.Max(0, s)
}

// scaleDims returns the dimensions the capacity of a service present in
// both environments is taken to scale with: its ScalesWith (production's
// wins, then staging's), else replicas plus workers when both environments
// state workers.
func scaleDims(st, pr *Service) []string {
	switch {
	case len(pr.ScalesWith) > 0:
		return pr.ScalesWith
	case len(st.ScalesWith) > 0:
		return st.ScalesWith
	}
	dims := []string{"replicas"}
	if st.Workers > 0 && pr.Workers > 0 {
		dims = append(dims, "workers")
	}
	return dims
}

// ratio returns b/a, or +Inf when only a is 0, or 1 when both are.
func ratio(a, b float64) float64 {
	switch {
	case a == 0 && b == 0:
		return 1
	case a == 0:
		return math.Inf(1)
	}
	return b / a
}

// spread returns max(r, 1/r): how many times apart two values are.
func spread(r float64) float64 {
	if r <= 0 {
		return math.Inf(1)
	}
	return math.Max(r, 1/r)
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

// fmtBytes writes a byte count in the largest IEC unit that keeps it at
// least 1, rounded to 2 decimals ("40Gi", "1.5Mi"); 0 is "(unset)".
func fmtBytes(v float64) string {
	if v == 0 {
		return "(unset)"
	}
	units := []string{"", "Ki", "Mi", "Gi", "Ti", "Pi"}
	i := 0
	for i < len(units)-1 && v >= 1024 {
		v /= 1024
		i++
	}
	return strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64) + units[i]
}

// fmtCores writes cores as Kubernetes writes them: "500m", "2"; 0 is
// "(unset)".
func fmtCores(v float64) string {
	if v == 0 {
		return "(unset)"
	}
	if v < 1 || v != math.Trunc(v) {
		return strconv.FormatFloat(v*1000, 'f', -1, 64) + "m"
	}
	return strconv.FormatFloat(v, 'f', -1, 64)
}

// Diff compares two descriptors and returns every drift, ranked by risk
// (highest first), then by how far apart the values are, then by subject
// and field. The rules are in docs/parity.md; each Drift carries its rule
// ID and reason.
func Diff(staging, production *Descriptor) []Drift {
	var out []Drift
	add := func(d Drift) { out = append(out, d) }

	for _, st := range staging.Services {
		pr := production.Service(st.Name)
		subj := "service " + st.Name
		if pr == nil {
			add(Drift{Rule: "service-missing", Subject: subj, Field: "services", Staging: "present", Production: "absent", Risk: High,
				Reason: "the service exists only in staging, so the request path differs"})
			continue
		}
		dims := scaleDims(&st, pr)
		scales := func(dim string) bool { return slices.Contains(dims, dim) }
		count := func(rule, field string, a, b int, what string) {
			if a == b {
				return
			}
			r := ratio(float64(a), float64(b))
			d := Drift{Rule: rule, Subject: subj, Field: field, Staging: strconv.Itoa(a), Production: strconv.Itoa(b), Ratio: r}
			if scales(field) {
				d.Risk = High
				d.Reason = fmt.Sprintf("capacity scales with the %s: production has %s× staging's", what, fmtNum(r))
			} else {
				d.Risk = Medium
				d.Reason = fmt.Sprintf("production has %s× staging's %s; capacity is not declared to scale with them, but contention does", fmtNum(r), what)
			}
			add(d)
		}
		count("replicas", "replicas", st.Replicas, pr.Replicas, "replicas")
		count("workers", "workers", st.Workers, pr.Workers, "workers per replica")
		resource := func(rule, field string, a, b Quantity, highAt, medAt float64, what string) {
			if a == b {
				return
			}
			r := ratio(float64(a), float64(b))
			f := fmtBytes
			if strings.HasPrefix(field, "cpu") {
				f = fmtCores
			}
			d := Drift{Rule: rule, Subject: subj, Field: field, Staging: f(float64(a)), Production: f(float64(b)), Ratio: r}
			sp := spread(r)
			switch {
			case a == 0 || b == 0:
				d.Risk, d.Reason = Medium, fmt.Sprintf("the %s is set in one environment only", what)
			case field == "cpu" && scales("cpu"):
				d.Risk, d.Reason = High, fmt.Sprintf("capacity scales with the %s: production has %s× staging's", what, fmtNum(r))
			case sp >= highAt:
				d.Risk, d.Reason = High, fmt.Sprintf("the %s differs %s× (≥ %s×): saturation and GC behaviour change", what, fmtNum(sp), fmtNum(highAt))
			case sp >= medAt:
				d.Risk, d.Reason = Medium, fmt.Sprintf("the %s differs %s× (≥ %s×)", what, fmtNum(sp), fmtNum(medAt))
			default:
				d.Risk, d.Reason = Low, fmt.Sprintf("the %s differs by less than %s×", what, fmtNum(medAt))
			}
			add(d)
		}
		resource("cpu", "cpu", st.CPU, pr.CPU, 2, 1.25, "CPU request")
		resource("cpu-limit", "cpu_limit", st.CPULimit, pr.CPULimit, 2, 1.25, "CPU limit (throttling)")
		resource("memory", "memory", st.Memory, pr.Memory, 4, 1.5, "memory request")
		resource("memory-limit", "memory_limit", st.MemoryLimit, pr.MemoryLimit, 4, 1.5, "memory limit")
		if st.InstanceType != pr.InstanceType {
			add(Drift{Rule: "instance-type", Subject: subj, Field: "instance_type", Staging: st.InstanceType, Production: pr.InstanceType, Risk: Medium,
				Reason: "different machine types differ in CPU generation, clock and network"})
		}
		if st.Version != pr.Version {
			add(Drift{Rule: "service-version", Subject: subj, Field: "version", Staging: st.Version, Production: pr.Version, Risk: Medium,
				Reason: "different code may take different paths"})
		}
		keys := map[string]bool{}
		for k := range st.Config {
			keys[k] = true
		}
		for k := range pr.Config {
			keys[k] = true
		}
		for _, k := range sortedKeys(keys) {
			a, aok := st.Config[k]
			b, bok := pr.Config[k]
			if a == b && aok == bok {
				continue
			}
			d := Drift{Subject: subj, Field: "config." + k, Staging: orUnset(a, aok), Production: orUnset(b, bok)}
			if isLogKey(k) {
				d.Rule, d.Risk, d.Reason = "config-log", Low, "logging volume costs a little CPU and I/O per request"
			} else if isCapacityKey(k) {
				d.Rule, d.Risk, d.Reason = "config", Medium, "the setting sizes a pool, a cache or a timeout that bounds throughput or latency"
			} else {
				d.Rule, d.Risk, d.Reason = "config", Low, "a configuration value differs"
			}
			add(d)
		}
	}
	for _, pr := range production.Services {
		if staging.Service(pr.Name) == nil {
			add(Drift{Rule: "service-missing", Subject: "service " + pr.Name, Field: "services", Staging: "absent", Production: "present", Risk: High,
				Reason: "the service exists only in production, so the request path differs"})
		}
	}

	prStores := map[string]*DataStore{}
	for i := range production.DataStores {
		prStores[production.DataStores[i].Name] = &production.DataStores[i]
	}
	for _, st := range staging.DataStores {
		subj := "data store " + st.Name
		pr := prStores[st.Name]
		if pr == nil {
			add(Drift{Rule: "store-missing", Subject: subj, Field: "data_stores", Staging: "present", Production: "absent", Risk: High,
				Reason: "the data store exists only in staging"})
			continue
		}
		delete(prStores, st.Name)
		if !strings.EqualFold(st.Engine, pr.Engine) {
			add(Drift{Rule: "store-engine", Subject: subj, Field: "engine", Staging: st.Engine, Production: pr.Engine, Risk: High,
				Reason: "a different database engine has different query plans, locking and caching"})
		} else if st.Version != pr.Version {
			if major(st.Version) != major(pr.Version) {
				add(Drift{Rule: "store-major-version", Subject: subj, Field: "version", Staging: st.Version, Production: pr.Version, Risk: High,
					Reason: "a different major version changes the planner and storage engine"})
			} else {
				add(Drift{Rule: "store-version", Subject: subj, Field: "version", Staging: st.Version, Production: pr.Version, Risk: Low,
					Reason: "minor versions of one engine rarely change performance"})
			}
		}
		if st.DataSize != pr.DataSize {
			r := ratio(float64(st.DataSize), float64(pr.DataSize))
			d := Drift{Rule: "store-data-size", Subject: subj, Field: "data_size", Staging: fmtBytes(float64(st.DataSize)), Production: fmtBytes(float64(pr.DataSize)), Ratio: r}
			switch sp := spread(r); {
			case st.DataSize == 0 || pr.DataSize == 0:
				d.Risk, d.Reason = Medium, "the data size is stated in one environment only"
			case sp >= 10:
				d.Risk, d.Reason = High, fmt.Sprintf("the data sets differ %s× (≥ 10×): indexes and working sets no longer fit the same memory", fmtNum(sp))
			case sp >= 2:
				d.Risk, d.Reason = Medium, fmt.Sprintf("the data sets differ %s× (≥ 2×)", fmtNum(sp))
			default:
				d.Risk, d.Reason = Low, "the data sets differ by less than 2×"
			}
			add(d)
		}
		if st.Replicas != pr.Replicas {
			add(Drift{Rule: "store-replicas", Subject: subj, Field: "replicas", Staging: strconv.Itoa(st.Replicas), Production: strconv.Itoa(pr.Replicas),
				Ratio: ratio(float64(st.Replicas), float64(pr.Replicas)), Risk: Medium, Reason: "read capacity scales with the replicas"})
		}
	}
	for _, name := range sortedKeys(prStores) {
		add(Drift{Rule: "store-missing", Subject: "data store " + name, Field: "data_stores", Staging: "absent", Production: "present", Risk: High,
			Reason: "the data store exists only in production"})
	}
	if staging.Traffic.CDN != production.Traffic.CDN {
		add(Drift{Rule: "cdn", Subject: "traffic", Field: "cdn", Staging: strconv.FormatBool(staging.Traffic.CDN), Production: strconv.FormatBool(production.Traffic.CDN), Risk: High,
			Reason: "a CDN absorbs part of the traffic in one environment only"})
	}
	if staging.Traffic.Cache != production.Traffic.Cache {
		add(Drift{Rule: "cache", Subject: "traffic", Field: "cache", Staging: strconv.FormatBool(staging.Traffic.Cache), Production: strconv.FormatBool(production.Traffic.Cache), Risk: High,
			Reason: "a response cache serves hits in one environment only"})
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.Risk != b.Risk {
			return a.Risk > b.Risk
		}
		if sa, sb := magnitude(a), magnitude(b); sa != sb {
			return sa > sb
		}
		if c := cmp.Compare(a.Subject, b.Subject); c != 0 {
			return c < 0
		}
		return a.Field < b.Field
	})
	return out
}

// magnitude orders drifts of one risk: numeric drifts by how many times
// apart, the others after them.
func magnitude(d Drift) float64 {
	if d.Ratio == 0 {
		return 1
	}
	return spread(d.Ratio)
}

func orUnset(v string, ok bool) string {
	if !ok {
		return "(unset)"
	}
	return v
}

func isLogKey(k string) bool {
	k = strings.ToLower(k)
	return strings.Contains(k, "log") || strings.Contains(k, "debug") || strings.Contains(k, "verbose")
}

// isCapacityKey reports whether a config key names something that bounds
// throughput or latency.
func isCapacityKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"pool", "thread", "worker", "conn", "timeout", "cache", "queue", "limit", "batch", "gc", "heap"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// major returns the first dot-separated component of a version, without a
// leading "v".
func major(v string) string {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if i := strings.IndexByte(v, '.'); i >= 0 {
		return v[:i]
	}
	return v
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}
