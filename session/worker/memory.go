package worker

import (
	"os"
	"runtime/debug"
	"runtime/metrics"
)

// The worker keeps its memory close to what it holds. Go's collector lets
// the heap grow to twice what is live before it collects; for a worker that
// holds 20 MB of records that is 40 MB more than needed. A soft memory
// limit near the live heap makes it collect sooner, and following the live
// heap (a quarter more, 8 MiB more at least, 32 MiB in all at least)
// keeps a session that holds much more (large bodies) from collecting all
// the time. Most of a big session's heap is indexes without pointers
// (a million console messages, 200,000 requests), which a collection does
// not scan: collecting often costs little. GOMEMLIMIT, when set, wins.
const (
	minMemoryLimit = 32 << 20
	minHeadroom    = 8 << 20
	memoryHeadroom = 0.25
	liveHeapMetric = "/gc/heap/live:bytes"
)

type memoryGovernor struct {
	enabled bool
	sample  []metrics.Sample
}

func newMemoryGovernor() *memoryGovernor {
	g := &memoryGovernor{enabled: os.Getenv("GOMEMLIMIT") == "", sample: []metrics.Sample{{Name: liveHeapMetric}}}
	g.tune()
	return g
}

// tune sets the soft memory limit from the live heap of the last
// collection. It is cheap: call it every few seconds.
func (g *memoryGovernor) tune() {
	if !g.enabled {
		return
	}
	metrics.Read(g.sample)
	live := uint64(0)
	if g.sample[0].Value.Kind() == metrics.KindUint64 {
		live = g.sample[0].Value.Uint64()
	}
	debug.SetMemoryLimit(max(minMemoryLimit, int64(live)+max(minHeadroom, int64(float64(live)*memoryHeadroom))))
}
