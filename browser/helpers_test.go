package browser_test

import (
	"io"
	"iter"
	"sync"
)

// iterPull is iter.Pull2.
func iterPull[K, V any](seq iter.Seq2[K, V]) (func() (K, V, bool), func()) {
	return iter.Pull2(seq)
}

// syncWriter makes a writer safe for the output goroutine and the test.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
