package rpc

import (
	"errors"
	"io"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// endlessLine reads as a request whose string param never ends: total
// bytes without a newline, delivered at most 64 KiB per read as a pipe
// would, from a fixed pattern (the test holds no copy of the stream).
type endlessLine struct {
	head  string
	total int
	read  int
}

var xs = []byte(strings.Repeat("x", 64<<10))

func newEndlessLine(total int) *endlessLine {
	return &endlessLine{head: `{"jsonrpc":"2.0","id":1,"method":"echo","params":{"text":"`, total: total}
}

func (e *endlessLine) Read(p []byte) (int, error) {
	if e.read >= e.total {
		return 0, io.EOF
	}
	p = p[:min(len(p), len(xs), e.total-e.read)]
	n := 0
	if e.read < len(e.head) {
		n = copy(p, e.head[e.read:])
	}
	for n < len(p) {
		n += copy(p[n:], xs)
	}
	e.read += n
	return n, nil
}

// overLimitBudget is what one reader may hold for a line that never ends:
// the frame limit and a small constant.
const overLimitBudget = DefaultMaxFrame + 16<<20

// heapSampler records the largest heap seen while it runs (objects, live
// or not yet collected), for the log: sampling can miss a peak, so the
// assertions rest on the readers' own accounting and on TotalAlloc.
type heapSampler struct {
	peak atomic.Uint64
	stop chan struct{}
	done chan struct{}
}

func sampleHeap() *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > h.peak.Load() {
				h.peak.Store(v)
			}
			select {
			case <-h.stop:
				return
			case <-time.After(time.Millisecond):
			}
		}
	}()
	return h
}

func (h *heapSampler) end() uint64 {
	close(h.stop)
	<-h.done
	return h.peak.Load()
}

// refuseEndlessLine streams 200 MiB without a newline into a Stream with
// the default limit and checks how it ends: a *FrameTooLargeError, one
// -32600 reply, and no more read than the limit and one read.
func refuseEndlessLine(t *testing.T) (peakHeld int) {
	src := newEndlessLine(200 << 20)
	w := &writeRecorder{}
	s := NewStream(rwc{src, w})
	var m Message
	err := s.ReadObject(&m)
	var tooLarge *FrameTooLargeError
	if !errors.As(err, &tooLarge) || tooLarge.Limit != DefaultMaxFrame {
		t.Errorf("ReadObject = %v, want a FrameTooLargeError with the default limit", err)
	}
	if len(w.writes) != 1 || !strings.Contains(w.writes[0], `"code":-32600`) || !strings.Contains(w.writes[0], "closing the connection") {
		t.Errorf("replies %q, want one -32600 closing the connection", w.writes)
	}
	if src.read > DefaultMaxFrame+2+len(xs) {
		t.Errorf("read %d bytes of the endless line, want at most the limit and one read", src.read)
	}
	if err2 := s.ReadObject(&m); err2 != err {
		t.Errorf("second ReadObject = %v, want the same error", err2)
	}
	if s.rd.buf != nil {
		t.Errorf("the reader still holds a %d-byte buffer after refusing the line", len(s.rd.buf))
	}
	return s.rd.peakHeld
}

// TestFrameOverLimitMemory: a line that never ends costs the limit and a
// small constant before it is refused, not a multiple of the limit.
func TestFrameOverLimitMemory(t *testing.T) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	heap := sampleHeap()
	peak := refuseEndlessLine(t)
	sampled := heap.end()
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("peak held by the reader %.1f MiB, allocated in all %.1f MiB, largest heap sampled %.1f MiB (limit %d MiB)",
		mib(peak), mib(allocated), mib(sampled), DefaultMaxFrame>>20)
	if peak >= overLimitBudget {
		t.Errorf("the reader held %.1f MiB at once, want < %.0f MiB", mib(peak), mib(overLimitBudget))
	}
	// Everything allocated while reading bounds what the heap can have held.
	if allocated >= overLimitBudget {
		t.Errorf("reading the line allocated %.1f MiB, want < %.0f MiB", mib(allocated), mib(overLimitBudget))
	}
}

// TestFrameOverLimitConcurrent: ten such lines at once cost ten times one.
func TestFrameOverLimitConcurrent(t *testing.T) {
	const streams = 10
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	heap := sampleHeap()
	peaks := make([]int, streams)
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() { peaks[i] = refuseEndlessLine(t) })
	}
	wg.Wait()
	sampled := heap.end()
	runtime.ReadMemStats(&after)
	allocated := after.TotalAlloc - before.TotalAlloc
	sum := 0
	for _, p := range peaks {
		sum += p
	}
	t.Logf("%d streams: peaks held by the readers %.1f MiB in all, allocated %.1f MiB, largest heap sampled %.1f MiB",
		streams, mib(sum), mib(allocated), mib(sampled))
	if sum >= streams*overLimitBudget {
		t.Errorf("the readers held %.1f MiB, want < %.0f MiB", mib(sum), mib(streams*overLimitBudget))
	}
	if allocated >= streams*overLimitBudget {
		t.Errorf("reading the lines allocated %.1f MiB, want < %.0f MiB", mib(allocated), mib(streams*overLimitBudget))
	}
}

func mib[T int | uint64](n T) float64 { return float64(n) / (1 << 20) }
