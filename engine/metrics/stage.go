package metrics

import "math"

// Stage geometry: a chunk holds the counts of 1024 consecutive HDR flat
// indexes (flatIndex), which is one power of two of unit values above 2048
// (chunks 0 and 1 hold the exact values 0..2047). stageChunks chunks cover
// every index up to flatIndex(HighestTrackable).
const (
	stageChunkBits = subBucketHalfMag
	stageChunkLen  = 1 << stageChunkBits
	stageChunks    = 41 // flatIndex(HighestTrackable)>>stageChunkBits + 1; checked by a test
)

// A run of equal values (at most a full trend buffer) must fit a count.
var _ [math.MaxUint16 - trendBufMax]struct{}

// stageChunk is the staged counts of stageChunkLen consecutive flat indexes
// (2 KB).
type stageChunk [stageChunkLen]uint16

// trendStage holds, for one aggregator series, trend values of the current
// interval that recorders drained mid-interval (a full buffer) as dense
// per-bucket counts, so that a drain costs an index computation and an
// increment per value instead of a sparse histogram insertion. Flush folds it
// into the interval histogram (fold) before the interval's sink is handed
// out; until then the sink's Count, Sum, Min and Max already include the
// staged values and only its Hist lacks them, so nothing but Flush may read
// aggSeries.cur.
//
// Only non-negative unit values up to HighestTrackable are staged; negative
// and clamped values are recorded into the histogram directly. A count that
// would exceed 65535 spills its bucket into the histogram first (exact:
// counts add). Memory: the 328-byte chunk table, allocated on the series'
// first mid-interval drain, plus one 2 KB chunk per power of two of values
// touched (a latency series spanning 1 ms..10 s touches about 15, 30 KB).
// A chunk untouched for a whole interval is freed at Flush, and the table
// with its last chunk, so a series that stops receiving full buffers costs
// nothing after one idle interval.
type trendStage struct {
	chunks [stageChunks]*stageChunk
}

// record stages vs (trend values, NaN excluded) for histogram h, the
// series' current interval histogram. Values that are negative, clamped or,
// when alloc is false, in a chunk not yet allocated are recorded into h
// directly. Runs of equal values are counted at once.
func (st *trendStage) record(h *Histogram, vs []float64, alloc bool) {
	for i := 0; i < len(vs); {
		v := vs[i]
		j := i + 1
		for j < len(vs) && vs[j] == v {
			j++
		}
		n := j - i
		i = j
		f := math.Round(v * Scale)
		if !(f >= 0 && f <= HighestTrackable) { // negative, clamped or ±Inf
			h.RecordN(v, int64(n))
			continue
		}
		u := int64(f)
		x := flatIndex(u)
		c := st.chunks[x>>stageChunkBits]
		if c == nil {
			if !alloc {
				h.recordUnits(u, int64(n))
				continue
			}
			c = new(stageChunk)
			st.chunks[x>>stageChunkBits] = c
		}
		p := &c[x&(stageChunkLen-1)]
		if int(*p)+n > math.MaxUint16 {
			h.recordUnits(u, int64(*p))
			*p = 0
		}
		*p += uint16(n)
	}
}

// fold records every staged count into h in ascending bucket order, with
// the bucket's lowest unit value, and zeroes the stage. It frees the chunks
// that held nothing and reports whether any chunk remains.
func (st *trendStage) fold(h *Histogram) (kept bool) {
	for ci, c := range st.chunks {
		if c == nil {
			continue
		}
		used := false
		for j, n := range c {
			if n != 0 {
				h.recordUnits(unitOfIndex(ci<<stageChunkBits|j), int64(n))
				c[j] = 0
				used = true
			}
		}
		if used {
			kept = true
		} else {
			st.chunks[ci] = nil
		}
	}
	return kept
}
