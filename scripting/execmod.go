package scripting

import (
	"sort"

	"github.com/dop251/goja"

	"github.com/loadline/loadline/scripting/modules"
)

// ExecState is the instance-wide execution state load/execution's
// `instance` object shows. Durations in JS are milliseconds.
type ExecState struct {
	VUsActive             int64
	VUsInitialized        int64
	IterationsCompleted   int64
	IterationsInterrupted int64
	// TestRunDurationMs is the time since the test run started, in ms.
	TestRunDurationMs float64
}

// execMembers are load/execution's exports.
var execMembers = modules.NewMembers("vu", "scenario", "instance", "test")

// executionModule builds load/execution: vu, scenario, instance and test,
// whose fields are read live on each access. Each of the four objects is
// made on first use (with its getters, ~5 KiB per VU each).
func (v *vu) executionModule() goja.Value {
	return execMembers.Object(v.rt, v.execMember)
}

// execMember builds the load/execution export name.
func (v *vu) execMember(name string) goja.Value {
	rt := v.rt
	getter := func(obj *goja.Object, name string, get func() any) {
		_ = obj.DefineAccessorProperty(name, rt.ToValue(func(goja.FunctionCall) goja.Value {
			return rt.ToValue(get())
		}), nil, goja.FLAG_FALSE, goja.FLAG_TRUE)
	}
	inIter := func(what string) {
		if v.it == nil {
			modules.ThrowError(rt, "execution: "+what+" is only available in an iteration")
		}
	}

	switch name {
	case "vu":
		return v.execVU(getter)
	case "scenario":
		sc := rt.NewObject()
		getter(sc, "name", func() any { inIter("scenario"); return v.it.Scenario.Name })
		getter(sc, "executor", func() any { inIter("scenario"); return v.it.Scenario.Executor })
		getter(sc, "startTime", func() any { inIter("scenario"); return v.it.Scenario.StartTime.UnixMilli() })
		getter(sc, "progress", func() any { inIter("scenario"); return v.it.Scenario.Progress() })
		getter(sc, "iterationInInstance", func() any { inIter("scenario"); return v.it.InScenario })
		getter(sc, "iterationInTest", func() any { inIter("scenario"); return v.it.InScenario })
		return sc
	case "instance":
		inst := rt.NewObject()
		getter(inst, "iterationsInterrupted", func() any { return v.r.execState().IterationsInterrupted })
		getter(inst, "iterationsCompleted", func() any { return v.r.execState().IterationsCompleted })
		getter(inst, "vusActive", func() any { return v.r.execState().VUsActive })
		getter(inst, "vusInitialized", func() any { return v.r.execState().VUsInitialized })
		getter(inst, "currentTestRunDuration", func() any { return v.r.execState().TestRunDurationMs })
		return inst
	}
	test := rt.NewObject() // "test": execMembers lists no other name
	_ = test.Set("abort", func(call goja.FunctionCall) goja.Value {
		reason := ""
		if a := call.Argument(0); !goja.IsUndefined(a) {
			reason = a.String()
		}
		ae := &abortError{reason: reason}
		rt.Interrupt(ae)
		return goja.Undefined()
	})
	getter(test, "options", func() any {
		if v.testOptions == nil {
			val, err := v.parseJSON(v.r.optionsJSON())
			if err != nil {
				v.rethrow(err)
			}
			v.testOptions = val
		}
		return v.testOptions
	})
	return test
}

// execVU builds load/execution's vu object.
func (v *vu) execVU(getter func(obj *goja.Object, name string, get func() any)) *goja.Object {
	rt := v.rt
	vuObj := rt.NewObject()
	getter(vuObj, "idInInstance", func() any { return v.mv.ID })
	getter(vuObj, "idInTest", func() any {
		if v.it != nil && v.it.VUIDInTest != 0 {
			return v.it.VUIDInTest
		}
		return v.mv.ID
	})
	getter(vuObj, "iterationInInstance", func() any {
		if v.it == nil {
			return 0
		}
		return v.iter - 1
	})
	getter(vuObj, "iterationInScenario", func() any {
		if v.it == nil {
			return 0
		}
		return v.it.InScenarioVU
	})
	tags := rt.NewDynamicObject(&vuTagsObject{v: v})
	_ = vuObj.DefineDataProperty("tags", tags, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	v.metadata = rt.NewObject()
	vm := rt.NewObject()
	_ = vm.Set("tags", tags)
	_ = vm.Set("metadata", v.metadata)
	_ = vuObj.DefineDataProperty("metrics", vm, goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE)
	return vuObj
}

// vuTagsObject is exec.vu.tags: the VU's current tags (options, scenario,
// scenario name, and the ones written here). Writes set VU-level tags that
// every later sample of the VU carries.
type vuTagsObject struct{ v *vu }

func (t *vuTagsObject) all() map[string]string {
	m := map[string]string{}
	for _, p := range t.v.baseTags(nil) {
		m[p.Key] = p.Value
	}
	return m
}

func (t *vuTagsObject) Get(key string) goja.Value {
	if val, ok := t.all()[key]; ok {
		return t.v.rt.ToValue(val)
	}
	return nil
}

func (t *vuTagsObject) Set(key string, val goja.Value) bool {
	if o, ok := val.(*goja.Object); ok && o != nil {
		if _, isArr := o.Export().([]any); isArr || o.ClassName() == "Object" || o.ClassName() == "Function" {
			modules.ThrowError(t.v.rt, "execution: vu.tags values must be strings, numbers or booleans")
		}
	}
	if t.v.vuTags == nil {
		t.v.vuTags = map[string]string{}
	}
	t.v.vuTags[key] = val.String()
	t.v.vuTagsVer++
	return true
}

func (t *vuTagsObject) Has(key string) bool {
	_, ok := t.all()[key]
	return ok
}

func (t *vuTagsObject) Delete(key string) bool {
	delete(t.v.vuTags, key)
	t.v.vuTagsVer++
	return true
}

func (t *vuTagsObject) Keys() []string {
	m := t.all()
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
