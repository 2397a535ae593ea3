package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestSharedArrayAddsAboutTheDataSize is the benchmark's case (50 MB, 200
// VUs; about 2 s) against a freshly built binary: the array must add under
// 1.5x the data to the process's peak RSS. Smaller files measure Go's GC
// pacing more than the array (a heap may hold as much garbage as it has
// live data), so the test keeps the size.
func TestSharedArrayAddsAboutTheDataSize(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "load")
	build := exec.Command("go", "build", "-o", bin, "github.com/loadline/loadline/cmd/load")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		t.Fatalf("building load: %v", err)
	}
	res, err := measure(bin, 50_000_000, 200, 1000)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res)
	if r := res.Ratio(); r >= 1.5 {
		t.Errorf("the SharedArray adds %.2fx the data's size to peak RSS, want < 1.5x", r)
	}
}

func TestGenUsersIsAJSONArrayOfTheSize(t *testing.T) {
	for _, size := range []int{1, 1000, 100_000} {
		b := genUsers(size)
		if len(b) < size || b[0] != '[' || b[len(b)-1] != ']' {
			t.Errorf("genUsers(%d): %d bytes, starts %q", size, len(b), b[:1])
		}
	}
}
