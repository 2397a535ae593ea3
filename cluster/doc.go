// Package cluster will run one test across several `load agent` workers
// coordinated with hashicorp/memberlist: the coordinator splits the plan into
// execution segments (engine.ExecutionSegment) whose VU and rate shares add
// up exactly, ships the script bundle, starts every worker at one instant and
// merges their interval histograms exactly (results.Merge). See DESIGN.md.
//
// It holds no code yet: the single-machine product comes first, and the
// segments and mergeable results it relies on live in engine and
// engine/results.
package cluster
