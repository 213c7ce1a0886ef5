package cli

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// spinner shows the current step of a long operation on a terminal. On
// anything else it shows nothing.
type spinner struct {
	w    io.Writer
	on   bool
	mu   sync.Mutex
	step string
	stop chan struct{}
	done chan struct{}
}

var spinFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func startSpinner(env *Env, first string) *spinner {
	s := &spinner{w: env.Stderr, on: isTerminal(env.Stderr) && env.Getenv("TERM") != "dumb", step: first,
		stop: make(chan struct{}), done: make(chan struct{})}
	if !s.on {
		close(s.done)
		return s
	}
	go func() { // owned by the spinner: Stop ends it
		defer close(s.done)
		t := time.NewTicker(80 * time.Millisecond)
		defer t.Stop()
		for i := 0; ; i++ {
			s.mu.Lock()
			fmt.Fprintf(s.w, "\r\x1b[K%s %s…", spinFrames[i%len(spinFrames)], s.step)
			s.mu.Unlock()
			select {
			case <-s.stop:
				fmt.Fprint(s.w, "\r\x1b[K")
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Set changes the step shown.
func (s *spinner) Set(step string) {
	s.mu.Lock()
	s.step = step
	s.mu.Unlock()
}

// Stop clears the spinner.
func (s *spinner) Stop() {
	if s.on {
		close(s.stop)
	}
	<-s.done
}
