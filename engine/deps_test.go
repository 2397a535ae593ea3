package engine_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportDirection keeps the dependency rules of DESIGN.md true: the
// engine knows nothing of JavaScript, clusters, reports or the CLI, and each
// heavy dependency has one home.
func TestImportDirection(t *testing.T) {
	const mod = "github.com/loadline/loadline/"
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}} {{join .Imports \" \"}}", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	imports := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 {
			imports[f[0]] = f[1:]
		}
	}
	// deps returns every package pkg depends on, transitively.
	deps := func(pkg string) map[string]bool {
		seen := map[string]bool{}
		var walk func(string)
		walk = func(p string) {
			for _, d := range imports[p] {
				if !seen[d] {
					seen[d] = true
					walk(d)
				}
			}
		}
		walk(pkg)
		return seen
	}
	type rule struct {
		pkgPrefix string   // packages the rule applies to
		except    []string // packages exempt from it
		banned    []string // import path prefixes they must not depend on
	}
	rules := []rule{
		{mod + "engine", nil, []string{mod + "scripting", mod + "report", mod + "cmd", mod + "cluster", "github.com/dop251/goja", "github.com/hashicorp/memberlist"}},
		{mod + "engine", []string{mod + "engine/httpc"}, []string{"github.com/valyala/fasthttp"}},
		{mod + "report", nil, []string{mod + "scripting", mod + "cmd", mod + "cluster", "github.com/dop251/goja", "github.com/valyala/fasthttp"}},
		{mod + "cluster", nil, []string{mod + "cmd", mod + "report"}},
	}
	checked := 0
	for pkg := range imports {
		for _, r := range rules {
			if !strings.HasPrefix(pkg, r.pkgPrefix) || strings.HasSuffix(pkg, ".test") {
				continue
			}
			exempt := false
			for _, e := range r.except {
				if pkg == e || strings.HasPrefix(pkg, e+"/") {
					exempt = true
				}
			}
			if exempt {
				continue
			}
			checked++
			for d := range deps(pkg) {
				for _, b := range r.banned {
					if d == b || strings.HasPrefix(d, b+"/") || strings.HasPrefix(d, b) && b == "github.com/valyala/fasthttp" {
						t.Errorf("%s depends on %s; DESIGN.md forbids it", pkg, d)
					}
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no package was checked; the rule prefixes are wrong")
	}
}
