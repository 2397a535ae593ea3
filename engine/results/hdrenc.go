package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"sync"

	"github.com/loadline/loadline/engine/metrics"
)

// This file writes metrics.Histogram.Encode's output, byte for byte (a test
// holds it to that), without its cost: hdrhistogram-go's encoder builds a
// new zlib compressor for every histogram (about 0.5 ms and 0.8 MB of
// garbage each), which at a few hundred trend series per second would load
// the garbage collector of the process that generates the load. Here the
// compressors are pooled. The home of this code is engine/metrics; it lives
// here until that package offers a pooled encoder.

// HdrHistogram V2 encoding constants (the public wire format).
const (
	v2EncodingCookie           = 0x1c849303 | 0x10
	v2CompressedEncodingCookie = 0x1c849304 | 0x10
	v2HeaderSize               = 40
)

type bucketCount struct{ idx, count int64 }

var zlibPool = sync.Pool{New: func() any {
	w, _ := zlib.NewWriterLevel(nil, zlib.BestCompression) // the level is valid
	return w
}}

type encScratch struct {
	pos, neg []bucketCount
	inner    []byte
	zbuf     bytes.Buffer
	raw      []byte
}

var scratchPool = sync.Pool{New: func() any { return new(encScratch) }}

// encodeHistogram returns h as metrics.Histogram.Encode does: the V2
// compressed encoding (base64) of the non-negative values and, when there
// are negative values, a space and that of their magnitudes.
func encodeHistogram(h *metrics.Histogram) string {
	sc := scratchPool.Get().(*encScratch)
	defer scratchPool.Put(sc)
	sc.pos, sc.neg = sc.pos[:0], sc.neg[:0]
	h.ForEach(func(v float64, c int64) bool {
		u := int64(math.Round(math.Abs(v) * metrics.Scale))
		if v < 0 && u > 0 {
			sc.neg = append(sc.neg, bucketCount{CountsIndex(u), c})
		} else {
			sc.pos = append(sc.pos, bucketCount{CountsIndex(u), c})
		}
		return true
	})
	// ForEach gives negative values in ascending value order: descending
	// magnitude.
	for i, j := 0, len(sc.neg)-1; i < j; i, j = i+1, j-1 {
		sc.neg[i], sc.neg[j] = sc.neg[j], sc.neg[i]
	}
	out := sc.encodeV2(sc.pos)
	if len(sc.neg) > 0 {
		out += " " + sc.encodeV2(sc.neg)
	}
	return out
}

// encodeV2 encodes buckets (ascending index) as hdrhistogram-go's
// PackedHistogram.Encode does.
func (sc *encScratch) encodeV2(bs []bucketCount) string {
	inner := sc.inner[:0]
	inner = append(inner, make([]byte, v2HeaderSize)...)
	// Payload: counts from index 0 to the last populated one, a run of two
	// or more zeros as its negated length, ZigZag LEB128 each.
	next := int64(0)
	for _, b := range bs {
		switch gap := b.idx - next; {
		case gap == 1:
			inner = appendZigZag(inner, 0)
		case gap > 1:
			inner = appendZigZag(inner, -gap)
		}
		inner = appendZigZag(inner, b.count)
		next = b.idx + 1
	}
	if len(bs) == 0 {
		inner = appendZigZag(inner, 0) // an empty histogram: one zero count
	}
	payload := len(inner) - v2HeaderSize
	binary.BigEndian.PutUint32(inner[0:], v2EncodingCookie)
	binary.BigEndian.PutUint32(inner[4:], uint32(payload))
	binary.BigEndian.PutUint32(inner[8:], 0) // normalizingIndexOffset
	binary.BigEndian.PutUint32(inner[12:], metrics.SignificantFigures)
	binary.BigEndian.PutUint64(inner[16:], 1) // lowest discernible value
	binary.BigEndian.PutUint64(inner[24:], metrics.HighestTrackable)
	binary.BigEndian.PutUint64(inner[32:], math.Float64bits(1)) // conversion ratio
	sc.inner = inner

	sc.zbuf.Reset()
	zw := zlibPool.Get().(*zlib.Writer)
	zw.Reset(&sc.zbuf)
	_, _ = zw.Write(inner) // writes to a bytes.Buffer cannot fail
	_ = zw.Close()
	zlibPool.Put(zw)

	raw := sc.raw[:0]
	raw = binary.BigEndian.AppendUint32(raw, v2CompressedEncodingCookie)
	raw = binary.BigEndian.AppendUint32(raw, uint32(sc.zbuf.Len()))
	raw = append(raw, sc.zbuf.Bytes()...)
	sc.raw = raw
	return base64.StdEncoding.EncodeToString(raw)
}

// appendZigZag appends v in HdrHistogram's ZigZag LEB128 form: 7 bits per
// byte, low first, and a 9th byte of 8 bits.
func appendZigZag(dst []byte, v int64) []byte {
	u := uint64((v << 1) ^ (v >> 63))
	for i := 0; i < 8; i++ {
		if u>>7 == 0 {
			return append(dst, byte(u))
		}
		dst = append(dst, byte(u&0x7f|0x80))
		u >>= 7
	}
	return append(dst, byte(u))
}
