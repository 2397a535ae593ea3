package scripting

import (
	"fmt"
	"math"
	"reflect"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/engine/metrics"
	"github.com/loadline/loadline/scripting/modules"
)

// metricsModule builds load/metrics: the Counter, Gauge, Rate and Trend
// constructors, each (name, isTime).
func (v *vu) metricsModule() goja.Value {
	return metricMembers.Object(v.rt, v.metricMember)
}

// metricMembers are load/metrics' exports, each made on first use.
var metricMembers = modules.NewMembers("Counter", "Gauge", "Rate", "Trend")

// metricMember builds the constructor name of load/metrics.
func (v *vu) metricMember(kind string) goja.Value {
	if v.metricAdd == nil {
		// One add() shared by the constructors' prototypes; each metric
		// object carries only its name, so a VU's metrics cost little each.
		untagged := &vuTagSet{}
		v.metricAdd = v.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			this, _ := c.This.(*goja.Object)
			m := v.metricObjs[this]
			if m == nil {
				panic(v.rt.NewTypeError("metrics: add() called on an object that is not a metric"))
			}
			v.addMetric(m, c.Argument(0), c.Argument(1), untagged)
			return v.rt.ToValue(true)
		})
	}
	t := map[string]metrics.Type{"Counter": metrics.Counter, "Gauge": metrics.Gauge, "Rate": metrics.Rate, "Trend": metrics.Trend}[kind]
	ctor := v.rt.ToValue(func(call goja.ConstructorCall) *goja.Object {
		return v.newMetric(call, kind, t)
	}).(*goja.Object)
	if proto, ok := ctor.Get("prototype").(*goja.Object); ok {
		_ = proto.Set("add", v.metricAdd)
	}
	return ctor
}

func (v *vu) newMetric(call goja.ConstructorCall, kind string, t metrics.Type) *goja.Object {
	if !v.mv.InInit {
		modules.ThrowError(v.rt, "metrics: custom metrics must be declared in the init context")
	}
	name := call.Argument(0).String()
	vt := metrics.Default
	if call.Argument(1).ToBoolean() {
		vt = metrics.Time
	}
	reg := v.r.cfg.Registry
	if reg == nil {
		modules.ThrowError(v.rt, "metrics: no metrics registry configured")
	}
	m, err := reg.New(name, t, vt)
	if err != nil {
		modules.ThrowError(v.rt, fmt.Sprintf("metrics: cannot create %s %q: %v", kind, name, err))
	}
	o := call.This
	_ = o.DefineDataProperty("name", v.rt.ToValue(m.Name), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	if v.metricObjs == nil {
		v.metricObjs = map[*goja.Object]*metrics.Metric{}
	}
	v.metricObjs[o] = m
	return nil
}

// boolType is the export type of JavaScript booleans.
var boolType = reflect.TypeFor[bool]()

// addMetric records one sample of m: booleans count as 1/0, other values
// must convert to a finite number. untagged keeps the tag set of samples
// without tags of their own.
func (v *vu) addMetric(m *metrics.Metric, val, tags goja.Value, untagged *vuTagSet) {
	if v.mv.InInit {
		modules.ThrowError(v.rt, "metrics: adding to metrics in the init context is not supported")
	}
	var x float64
	// ExportType, not Export: exporting a number would box it (an
	// allocation per sample).
	if val != nil && val.ExportType() == boolType {
		if val.ToBoolean() {
			x = 1
		}
	} else {
		x = val.ToFloat()
		if math.IsNaN(x) || math.IsInf(x, 0) {
			modules.ThrowError(v.rt, fmt.Sprintf("metrics: %q is not a valid value for metric %q", val.String(), m.Name))
		}
	}
	rec := v.mv.Recorder
	if rec == nil {
		return
	}
	extra := tagsArg(tags)
	if len(extra) == 0 {
		rec.Add(m, untagged.get(v), x)
		return
	}
	v.tagBuf = v.Tags(v.tagBuf[:0])
	v.tagBuf = append(v.tagBuf, extra...)
	rec.Add(m, v.intern(v.tagBuf), x)
}

// vuTagSet remembers the interned set of a VU's tags (v.Tags), which
// changes only with its base tags and its group, so that a sample with no
// tags of its own finds it by two comparisons instead of building and
// interning the list. The zero value is empty.
type vuTagSet struct {
	base  *metrics.TagSet // the VU's base tag set when ts was made
	group string
	ts    *metrics.TagSet
}

// get is the interned set of v.Tags().
func (c *vuTagSet) get(v *vu) *metrics.TagSet {
	base := v.iterationTags() // brings the base tags up to date
	if c.ts == nil || c.base != base || c.group != v.group {
		v.tagBuf = v.Tags(v.tagBuf[:0])
		c.base, c.group, c.ts = base, v.group, v.intern(v.tagBuf)
	}
	return c.ts
}
