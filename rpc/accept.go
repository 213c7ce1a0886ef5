package rpc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"syscall"
	"time"
)

// DefaultMaxConns is how many connections an Acceptor serves at once
// unless told otherwise.
const DefaultMaxConns = 128

// Backoff of an Acceptor after a temporary failure, as net/http's.
const (
	acceptMinDelay = 5 * time.Millisecond
	acceptMaxDelay = time.Second
)

// An Acceptor serves the connections of Unix-socket listeners: each in its
// own goroutine, at most Max at once (further clients wait in the
// listener's backlog until one ends), from our own user only (CheckPeer).
// A temporary failure to accept, such as running out of file descriptors,
// is retried after a pause that doubles from 5 ms to 1 s, as net/http
// does, so that it ends nothing: serving resumes once descriptors are free.
type Acceptor struct {
	Max   int            // connections at once (DefaultMaxConns when 0)
	Serve func(net.Conn) // serves one connection until it ends
	Log   *slog.Logger   // where refusals and failures are reported
	once  sync.Once      // makes slots
	slots chan struct{}  // one per connection served
	wg    sync.WaitGroup // the goroutines of served connections
}

// Accept serves the connections of ln until ln is closed or ctx ends; an
// error that is not temporary also ends it. Connections it started may
// still be running when it returns: Wait waits for them.
func (a *Acceptor) Accept(ctx context.Context, ln net.Listener) error {
	a.once.Do(func() {
		n := a.Max
		if n <= 0 {
			n = DefaultMaxConns
		}
		a.slots = make(chan struct{}, n)
		if a.Log == nil {
			a.Log = slog.New(slog.DiscardHandler)
		}
	})
	var delay time.Duration
	for {
		select {
		case a.slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		c, err := ln.Accept()
		if err != nil {
			<-a.slots
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			if !temporary(err) {
				return fmt.Errorf("accepting a connection: %w", err)
			}
			delay = min(max(2*delay, acceptMinDelay), acceptMaxDelay)
			a.Log.Warn("accepting a connection; retrying", "error", err, "in", delay)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return nil
			}
			continue
		}
		delay = 0
		if err := CheckPeer(c); err != nil {
			a.Log.Warn("rejected a connection", "error", err)
			c.Close()
			<-a.slots
			continue
		}
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			defer func() { <-a.slots }()
			a.Serve(c)
		}()
	}
}

// Wait waits until every connection Accept started has been served.
func (a *Acceptor) Wait() { a.wg.Wait() }

// temporary reports whether accepting may succeed later: descriptors or
// memory ran out, or the peer gave up before it was accepted.
func temporary(err error) bool {
	for _, e := range []syscall.Errno{syscall.EMFILE, syscall.ENFILE, syscall.ENOBUFS, syscall.ENOMEM, syscall.ECONNABORTED, syscall.EINTR} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
