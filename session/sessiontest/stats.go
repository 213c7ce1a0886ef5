package sessiontest

import (
	"math"
	"slices"
	"strconv"
	"time"
)

// number is what the statistics take: durations, counts, measures.
type number interface {
	~int | ~int64 | ~uint64 | ~float64
}

// Median returns the median of xs (the mean of the middle two for an even
// count), 0 for none.
func Median[T number](xs []T) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of xs,
// 0 for none.
func Percentile[T number](xs []T, p float64) T {
	var zero T
	if len(xs) == 0 {
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// Ratio returns a/b, or 0 when b is 0.
func Ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// Ms formats d in whole milliseconds.
func Ms(d time.Duration) string {
	return strconv.FormatFloat(MsF(d), 'f', 0, 64)
}

// MsF returns d in milliseconds.
func MsF(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// MetOrMissed renders whether a target was met, for the tables of
// docs/BENCHMARKS.md.
func MetOrMissed(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}
