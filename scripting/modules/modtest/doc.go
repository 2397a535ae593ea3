// Package modtest is the test runtime the load/* module packages share: it
// evaluates JavaScript on a goja runtime, reports what an expression throws,
// and imports a module the way the scripting core does (esbuild's
// ESM-to-CommonJS transform, then a CommonJS wrapper with a require that knows
// one module name).
//
// It is for _test.go files only. Concurrency: a goja runtime is not safe for
// concurrent use, so each helper must be called from the goroutine that owns
// rt. Entry points: Run, Thrown, WantThrown, Import.
package modtest
