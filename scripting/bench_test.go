package scripting

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/loadline/loadline/engine"
)

// BenchmarkNewVU is the init cost of one VU of a typical script (runtime,
// globals, modules, the script's init code); DESIGN.md tracks it.
func BenchmarkNewVU(b *testing.B) {
	e := newEnv(b)
	r, err := Load(context.Background(), filepath.Join("testdata/compat", "16-custom-metrics.ts"), e.config())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.NewVU(context.Background(), 1); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIteration is one iteration of a script that checks, groups and
// adds to a custom metric, without HTTP.
func BenchmarkIteration(b *testing.B) {
	e := newEnv(b)
	e.write(map[string]string{"main.js": `
import { check, group } from 'load';
import { Counter } from 'load/metrics';
const c = new Counter('c');
export default function () {
  group('g', () => { check(1, { 'one': (v) => v === 1 }); });
  c.add(1, { k: 'v' });
}`})
	r := e.load("main.js")
	v, err := r.NewVU(context.Background(), 1)
	if err != nil {
		b.Fatal(err)
	}
	it := &engine.Iteration{Scenario: testScenario("s"), VUID: 1, Start: time.Now()}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.RunIteration(ctx, it); err != nil {
			b.Fatal(err)
		}
	}
}
