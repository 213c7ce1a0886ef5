package browser

import "sync"

// fifo is an unbounded first-in first-out queue. One goroutine pushes, so that
// the reader of the connection never blocks on a slow consumer; one goroutine
// pops. After close, pop returns what is left and then reports the end.
type fifo[T any] struct {
	mu     sync.Mutex
	items  []T
	head   int
	closed bool
	wake   chan struct{} // capacity 1: "something changed"
}

func newFIFO[T any]() *fifo[T] {
	return &fifo[T]{wake: make(chan struct{}, 1)}
}

// push adds v at the end. It reports false, and drops v, after close.
func (f *fifo[T]) push(v T) bool {
	f.mu.Lock()
	if f.closed {
		f.mu.Unlock()
		return false
	}
	if f.head > 0 && f.head >= len(f.items)/2 {
		// Reclaim the popped half instead of growing forever.
		n := copy(f.items, f.items[f.head:])
		clear(f.items[n:])
		f.items = f.items[:n]
		f.head = 0
	}
	f.items = append(f.items, v)
	f.mu.Unlock()
	f.signal()
	return true
}

// close marks the end of the queue. The items already in it stay.
func (f *fifo[T]) close() {
	f.mu.Lock()
	f.closed = true
	f.mu.Unlock()
	f.signal()
}

func (f *fifo[T]) signal() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// pop removes and returns the first item. It blocks while the queue is empty
// and open. It reports false when the queue is closed and empty, or when stop
// closes.
func (f *fifo[T]) pop(stop <-chan struct{}) (T, bool) {
	var zero T
	for {
		f.mu.Lock()
		if f.head < len(f.items) {
			v := f.items[f.head]
			f.items[f.head] = zero
			f.head++
			if f.head == len(f.items) {
				f.items = f.items[:0]
				f.head = 0
			}
			f.mu.Unlock()
			return v, true
		}
		closed := f.closed
		f.mu.Unlock()
		if closed {
			return zero, false
		}
		select {
		case <-f.wake:
		case <-stop:
			return zero, false
		}
	}
}
