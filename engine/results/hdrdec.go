package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"sync"

	"github.com/loadline/loadline/engine/metrics"
)

// decodeHistogram parses metrics.Histogram.Encode's output into the same
// histogram metrics.DecodeHistogram returns, with pooled zlib readers
// (hdrhistogram-go allocates a new inflater, ~50 KB, per histogram). Only
// the well-formed encodings of metrics' geometry take the fast path;
// anything else goes to metrics.DecodeHistogram, whose answer (histogram or
// error) is then the result. A test holds the two to the same histograms.
func decodeHistogram(s string) (*metrics.Histogram, error) {
	if h, ok := fastDecodeHistogram(s); ok {
		return h, nil
	}
	return metrics.DecodeHistogram([]byte(s))
}

var errSlowPath = errors.New("results: not a plain encoding")

type decScratch struct {
	raw   []byte
	inner bytes.Buffer
	zr    io.ReadCloser
	br    bytes.Reader
}

var decPool = sync.Pool{New: func() any { return new(decScratch) }}

// maxCountsIndex is the counts index of HighestTrackable.
var maxCountsIndex = CountsIndex(metrics.HighestTrackable)

func fastDecodeHistogram(s string) (*metrics.Histogram, bool) {
	posS, negS, hasNeg := strings.Cut(strings.TrimSpace(s), " ")
	sc := decPool.Get().(*decScratch)
	defer decPool.Put(sc)
	h := metrics.NewHistogram()
	if err := sc.decodeInto(h, posS, false); err != nil {
		return nil, false
	}
	if hasNeg {
		if err := sc.decodeInto(h, negS, true); err != nil {
			return nil, false
		}
	}
	return h, true
}

// decodeInto adds one V2 compressed encoding's buckets to h (as the
// magnitudes of negative values when neg).
func (sc *decScratch) decodeInto(h *metrics.Histogram, b64 string, neg bool) error {
	n := base64.StdEncoding.DecodedLen(len(b64))
	if cap(sc.raw) < n {
		sc.raw = make([]byte, n)
	}
	n, err := base64.StdEncoding.Decode(sc.raw[:n], []byte(b64))
	if err != nil || n < 8 {
		return errSlowPath
	}
	raw := sc.raw[:n]
	if binary.BigEndian.Uint32(raw[0:]) != v2CompressedEncodingCookie || int(binary.BigEndian.Uint32(raw[4:])) != len(raw)-8 {
		return errSlowPath
	}
	sc.br.Reset(raw[8:])
	if sc.zr == nil {
		if sc.zr, err = zlib.NewReader(&sc.br); err != nil {
			return errSlowPath
		}
	} else if err := sc.zr.(zlib.Resetter).Reset(&sc.br, nil); err != nil {
		return errSlowPath
	}
	sc.inner.Reset()
	// A V2 payload of metrics' geometry is at most ~9 bytes per bucket.
	if _, err := sc.inner.ReadFrom(io.LimitReader(sc.zr, v2HeaderSize+9*(maxCountsIndex+1)+1)); err != nil {
		return errSlowPath
	}
	inner := sc.inner.Bytes()
	if len(inner) < v2HeaderSize ||
		binary.BigEndian.Uint32(inner[0:]) != v2EncodingCookie ||
		int(binary.BigEndian.Uint32(inner[4:])) != len(inner)-v2HeaderSize ||
		binary.BigEndian.Uint32(inner[8:]) != 0 ||
		binary.BigEndian.Uint32(inner[12:]) != metrics.SignificantFigures ||
		binary.BigEndian.Uint64(inner[16:]) != 1 ||
		binary.BigEndian.Uint64(inner[24:]) != metrics.HighestTrackable ||
		binary.BigEndian.Uint64(inner[32:]) != math.Float64bits(1) {
		return errSlowPath
	}
	p := inner[v2HeaderSize:]
	idx := int64(0)
	for len(p) > 0 {
		v, k := readZigZag(p)
		if k == 0 {
			return errSlowPath
		}
		p = p[k:]
		if v < 0 {
			if v == math.MinInt64 || idx-v > maxCountsIndex+1 {
				return errSlowPath
			}
			idx -= v
			continue
		}
		if v > 0 {
			if idx > maxCountsIndex {
				return errSlowPath
			}
			lo := CountsIndexValue(idx)
			if neg {
				if lo == 0 {
					return errSlowPath // -0 cannot be recorded as negative
				}
				h.RecordN(-float64(lo)/metrics.Scale, v)
			} else {
				h.RecordN(float64(lo)/metrics.Scale, v)
			}
		}
		idx++
	}
	return nil
}

// readZigZag reads one value written by appendZigZag; k is 0 when p is cut
// short.
func readZigZag(p []byte) (v int64, k int) {
	var u uint64
	for i := 0; i < 9; i++ {
		if i >= len(p) {
			return 0, 0
		}
		c := p[i]
		if i == 8 {
			u |= uint64(c) << 56
			return int64(u>>1) ^ -int64(u&1), 9
		}
		u |= uint64(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			return int64(u>>1) ^ -int64(u&1), i + 1
		}
	}
	return 0, 0
}
