package results

import "math/bits"

// HdrHistogram's geometry for metrics' histograms (lowest trackable value 1
// unit, 3 significant figures): 2,048 sub-buckets, 1,024 per half. Its
// flat counts index is the order of the V2 wire format's counts, and the
// index by which a reader can keep a histogram as a dense array.
const (
	subBucketHalfMag   = 10
	subBucketHalfCount = 1 << subBucketHalfMag
	subBucketMask      = 1<<(subBucketHalfMag+1) - 1
)

// CountsIndex is HdrHistogram's flat counts index of unit value u ≥ 0 (a
// value times metrics.Scale) in metrics' histogram geometry. Values in the
// same bucket share an index; CountsIndexValue is its lowest value.
func CountsIndex(u int64) int64 {
	pow2Ceiling := int64(64 - bits.LeadingZeros64(uint64(u)|subBucketMask))
	bucket := pow2Ceiling - (subBucketHalfMag + 1)
	sub := u >> bucket
	return (bucket+1)<<subBucketHalfMag + (sub - subBucketHalfCount)
}

// CountsIndexValue is the lowest unit value of counts index idx, the
// inverse of CountsIndex on a bucket's lowest value.
func CountsIndexValue(idx int64) int64 {
	bucket := idx>>subBucketHalfMag - 1
	sub := idx&(subBucketHalfCount-1) + subBucketHalfCount
	if bucket < 0 {
		sub -= subBucketHalfCount
		bucket = 0
	}
	return sub << bucket
}
