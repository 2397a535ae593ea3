package engine

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// maxSegmentCycle bounds the common denominator of a segment sequence (the
// length of its striping cycle).
const maxSegmentCycle = 1 << 20

// ExecutionSegment is the part (From, To] of the whole plan that one instance
// runs, with 0 <= From < To <= 1 as exact fractions. The zero value is not
// valid; use ParseExecutionSegment.
type ExecutionSegment struct {
	From, To *big.Rat
}

// String returns the segment as "from:to" in lowest-terms fractions.
func (s ExecutionSegment) String() string {
	return s.From.RatString() + ":" + s.To.RatString()
}

// Size returns To - From.
func (s ExecutionSegment) Size() *big.Rat { return new(big.Rat).Sub(s.To, s.From) }

// parseFraction reads "1/3", "0.5", "50%" or "1".
func parseFraction(s string) (*big.Rat, error) {
	s = strings.TrimSpace(s)
	pct := strings.HasSuffix(s, "%")
	r, ok := new(big.Rat).SetString(strings.TrimSuffix(s, "%"))
	if !ok || s == "" {
		return nil, fmt.Errorf("engine: segment: %q is not a fraction such as 1/3, 0.5 or 50%%", s)
	}
	if pct {
		r.Quo(r, big.NewRat(100, 1))
	}
	if r.Sign() < 0 || r.Cmp(big.NewRat(1, 1)) > 0 {
		return nil, fmt.Errorf("engine: segment: %q is outside [0, 1]", s)
	}
	return r, nil
}

// ParseExecutionSegment parses "from:to" ("1/3:2/3", "0.5:1", "0:25%"). A
// single value v means "0:v"; "" means the whole plan "0:1". From must be
// below To.
func ParseExecutionSegment(s string) (ExecutionSegment, error) {
	if strings.TrimSpace(s) == "" {
		return ExecutionSegment{From: new(big.Rat), To: big.NewRat(1, 1)}, nil
	}
	a, b, found := strings.Cut(s, ":")
	if !found {
		a, b = "0", s
	}
	from, err := parseFraction(a)
	if err != nil {
		return ExecutionSegment{}, err
	}
	to, err := parseFraction(b)
	if err != nil {
		return ExecutionSegment{}, err
	}
	if from.Cmp(to) >= 0 {
		return ExecutionSegment{}, fmt.Errorf("engine: segment %q: start must be below end", s)
	}
	return ExecutionSegment{From: from, To: to}, nil
}

// ExecutionSegmentSequence is an ordered list of adjacent segments that
// covers [0, 1] exactly: the split of a plan over a set of instances.
type ExecutionSegmentSequence []ExecutionSegment

// ParseExecutionSegmentSequence parses the boundaries "0,1/3,2/3,1". The
// first must be 0, the last 1, and they must increase strictly.
func ParseExecutionSegmentSequence(s string) (ExecutionSegmentSequence, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 {
		return nil, fmt.Errorf("engine: segment sequence %q: want at least two boundaries, 0 and 1", s)
	}
	var seq ExecutionSegmentSequence
	var prev *big.Rat
	for i, p := range parts {
		r, err := parseFraction(p)
		if err != nil {
			return nil, err
		}
		switch {
		case i == 0 && r.Sign() != 0:
			return nil, fmt.Errorf("engine: segment sequence %q: must start at 0", s)
		case i == len(parts)-1 && r.Cmp(big.NewRat(1, 1)) != 0:
			return nil, fmt.Errorf("engine: segment sequence %q: must end at 1", s)
		case prev != nil && r.Cmp(prev) <= 0:
			return nil, fmt.Errorf("engine: segment sequence %q: boundaries must increase", s)
		}
		if prev != nil {
			seq = append(seq, ExecutionSegment{From: prev, To: r})
		}
		prev = r
	}
	return seq, nil
}

// EvenSequence returns the sequence that splits the plan into n equal
// segments (0, 1/n, ..., 1), for n >= 1.
func EvenSequence(n int) ExecutionSegmentSequence {
	seq := make(ExecutionSegmentSequence, n)
	for i := range n {
		seq[i] = ExecutionSegment{From: big.NewRat(int64(i), int64(n)), To: big.NewRat(int64(i+1), int64(n))}
	}
	return seq
}

// String returns the boundaries as "0,1/3,2/3,1".
func (q ExecutionSegmentSequence) String() string {
	if len(q) == 0 {
		return ""
	}
	b := []string{q[0].From.RatString()}
	for _, s := range q {
		b = append(b, s.To.RatString())
	}
	return strings.Join(b, ",")
}

// SegmentShare says which items of a countable sequence (VUs, iterations,
// arrival-rate starts, numbered from 0) belong to one segment of a segment
// sequence. Every index belongs to exactly one segment of the sequence, so
// per-segment counts add up exactly to the whole, and the union of the
// segments' items is the unsegmented list.
//
// The maths (the striping idea of k6's execution segments, re-derived here):
// let L be the common denominator of the sequence's boundaries and n_j = L ×
// size_j the number of indices segment j owns in each cycle of L indices.
// Positions 0..L-1 of a cycle are dealt out one at a time, each to the
// segment furthest behind its share (largest (p+1)·n_j − L·taken_j, ties to
// the larger segment, then the earlier one) that still has room, which
// spreads each segment's positions evenly over the cycle. Index i belongs to
// the segment that owns position i mod L. A segment's k-th item is therefore
// index (k div n_j)·L + offsets_j[k mod n_j].
type SegmentShare struct {
	cycle   int64   // L
	offsets []int64 // positions of this segment in a cycle, increasing
}

// FullShare returns the share of the whole plan (every index).
func FullShare() *SegmentShare {
	return &SegmentShare{cycle: 1, offsets: []int64{0}}
}

// NewSegmentShare returns the share of segment in sequence (both in Options'
// syntax). With both empty it is the whole plan. An empty sequence with a
// segment (from, to] means the sequence 0, from, to, 1. An empty segment with
// a sequence is an error unless the sequence has one segment; a segment that
// is not one of the sequence's is an error.
func NewSegmentShare(segment, sequence string) (*SegmentShare, error) {
	if strings.TrimSpace(segment) == "" && strings.TrimSpace(sequence) == "" {
		return FullShare(), nil
	}
	seg, err := ParseExecutionSegment(segment)
	if err != nil {
		return nil, err
	}
	var seq ExecutionSegmentSequence
	if strings.TrimSpace(sequence) == "" {
		one := big.NewRat(1, 1)
		seq = ExecutionSegmentSequence{seg}
		if seg.From.Sign() > 0 {
			seq = append(ExecutionSegmentSequence{{From: new(big.Rat), To: seg.From}}, seq...)
		}
		if seg.To.Cmp(one) < 0 {
			seq = append(seq, ExecutionSegment{From: seg.To, To: one})
		}
	} else if seq, err = ParseExecutionSegmentSequence(sequence); err != nil {
		return nil, err
	}
	for i, s := range seq {
		if s.From.Cmp(seg.From) == 0 && s.To.Cmp(seg.To) == 0 {
			shares, err := seq.Shares()
			if err != nil {
				return nil, err
			}
			return shares[i], nil
		}
	}
	return nil, fmt.Errorf("engine: segment %s is not a segment of the sequence %s", seg, seq)
}

// Shares returns the share of every segment of q, in order. It fails when
// the common denominator of the boundaries exceeds 2^20.
func (q ExecutionSegmentSequence) Shares() ([]*SegmentShare, error) {
	lcm := big.NewInt(1)
	for _, s := range q {
		for _, r := range []*big.Rat{s.From, s.To} {
			d := r.Denom()
			g := new(big.Int).GCD(nil, nil, lcm, d)
			lcm.Mul(lcm, new(big.Int).Quo(d, g))
			if lcm.Cmp(big.NewInt(maxSegmentCycle)) > 0 {
				return nil, fmt.Errorf("engine: segment sequence %s: common denominator above %d; use simpler fractions", q, maxSegmentCycle)
			}
		}
	}
	L := lcm.Int64()
	want := make([]int64, len(q))
	for j, s := range q {
		n := new(big.Rat).Mul(s.Size(), new(big.Rat).SetInt64(L))
		want[j] = n.Num().Int64() // exact: L is a multiple of every denominator
	}
	owner := dealCycle(want, L)
	shares := make([]*SegmentShare, len(q))
	for j := range shares {
		shares[j] = &SegmentShare{cycle: L, offsets: make([]int64, 0, want[j])}
	}
	for p, j := range owner {
		shares[j].offsets = append(shares[j].offsets, int64(p))
	}
	return shares, nil
}

// dealCycle assigns each of the L positions of a cycle to a segment, segment
// j receiving want[j] positions (sum(want) == L), spread evenly.
func dealCycle(want []int64, L int64) []int {
	taken := make([]int64, len(want))
	owner := make([]int, L)
	for p := range L {
		best := -1
		var bestDeficit int64
		for j, w := range want {
			if taken[j] == w {
				continue
			}
			d := (p+1)*w - L*taken[j]
			if best < 0 || d > bestDeficit || (d == bestDeficit && w > want[best]) {
				best, bestDeficit = j, d
			}
		}
		owner[p] = best
		taken[best]++
	}
	return owner
}

// Count returns how many of the indices 0..n-1 belong to the share (n >= 0).
// For a sequence's shares the counts add up to n exactly.
func (s *SegmentShare) Count(n int64) int64 {
	if n <= 0 {
		return 0
	}
	r := n % s.cycle
	before, _ := slices.BinarySearch(s.offsets, r) // offsets below r
	return n/s.cycle*int64(len(s.offsets)) + int64(before)
}

// Global returns the index, in the unsegmented numbering, of the share's
// k-th item (k from 0).
func (s *SegmentShare) Global(k int64) int64 {
	m := int64(len(s.offsets))
	return k/m*s.cycle + s.offsets[k%m]
}

// Whole reports whether the share is the whole plan.
func (s *SegmentShare) Whole() bool { return s.cycle == int64(len(s.offsets)) }
