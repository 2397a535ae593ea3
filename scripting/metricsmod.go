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
		v.metricAdd = v.rt.ToValue(func(c goja.FunctionCall) goja.Value {
			this, _ := c.This.(*goja.Object)
			m := v.metricObjs[this]
			if m == nil {
				panic(v.rt.NewTypeError("metrics: add() called on an object that is not a metric"))
			}
			v.addMetric(m, c.Argument(0), c.Argument(1))
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
// must convert to a finite number.
func (v *vu) addMetric(m *metrics.Metric, val, tags goja.Value) {
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
	v.tagBuf = v.Tags(v.tagBuf[:0])
	v.tagBuf = append(v.tagBuf, tagsArg(tags)...)
	rec.Add(m, v.intern(v.tagBuf), x)
}
