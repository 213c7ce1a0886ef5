package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser/internal/procgroup"
)

const (
	// gracePeriod bounds how long Close waits for Chrome to exit after
	// Browser.close before it kills the process group.
	gracePeriod = 3 * time.Second
	// cleanupTimeout bounds how long Close waits, after SIGKILL, for the
	// processes to go and the profile to be deleted.
	cleanupTimeout = 15 * time.Second
	// outputGrace bounds how long Close waits for the end of Chrome's output
	// once its process group is gone; a process outside the group may hold
	// the pipe.
	outputGrace = 2 * time.Second
	// closeCommandSize is the MaxCommandSize of a connection that Close
	// makes for Browser.close.
	closeCommandSize = 64 << 10
)

// Close stops Chrome: it asks Chrome to exit with Browser.close, over conn
// (a connection to this Chrome's browser endpoint) if it is still up, else
// over a new connection (for a Chrome on a pipe: over the connection that
// Dial made, or over the pipe if nobody took it); waits briefly; and then
// kills the whole process group with SIGKILL. It waits until the main
// process is reaped and no process of the group is left, and deletes the
// temporary profile. ctx bounds the polite part only: with a ctx that has
// ended, Close kills at once, and the clean-up still happens. Close is safe
// to call more than once and from several goroutines; every call returns the
// result of the first.
func (c *Chrome) Close(ctx context.Context, conn *Conn) error {
	c.closeOnce.Do(func() { c.closeErr = c.close(ctx, conn) })
	return c.closeErr
}

func (c *Chrome) close(ctx context.Context, conn *Conn) error {
	select {
	case <-c.exited:
	default:
		c.askToClose(ctx, conn)
	}
	if err := c.cleanUp(); err != nil {
		return fmt.Errorf("closing Chrome (pid %d): %w", c.pid, err)
	}
	return nil
}

// askToClose sends Browser.close and waits a little for Chrome to exit.
func (c *Chrome) askToClose(ctx context.Context, conn *Conn) {
	ctx, cancel := context.WithTimeout(ctx, gracePeriod)
	defer cancel()
	if ctx.Err() != nil {
		return
	}
	if conn == nil || conn.Err() != nil {
		var release func()
		if c.usesPipe {
			conn, release = c.pipeCloser()
		} else {
			conn, release = c.dialCloser(ctx)
			if conn == nil {
				return // nobody to ask
			}
		}
		if release != nil {
			defer release()
		}
	}
	// A Chrome whose pipe has closed exits on its own: without conn, wait.
	if conn != nil {
		err := conn.Session("").Call(ctx, "Browser.close", nil, nil)
		var cdpErr *CDPError
		if errors.As(err, &cdpErr) {
			return // Chrome refused, for example on a page endpoint
		}
	}
	select {
	case <-c.exited:
	case <-ctx.Done():
	}
}

// dialCloser dials the browser endpoint for Browser.close; release closes
// the connection. It returns nil when the dial fails.
func (c *Chrome) dialCloser(ctx context.Context) (conn *Conn, release func()) {
	conn, err := Dial(ctx, c.wsURL, MaxCommandSize(closeCommandSize))
	if err != nil {
		return nil, nil
	}
	return conn, func() { conn.Close() }
}

// cleanUp kills what is left of the process group, waits until it is gone,
// stops the output copier and deletes a temporary profile.
func (c *Chrome) cleanUp() error {
	ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
	defer cancel()
	var errs []error
	if err := killGroup(c.pid); err != nil {
		errs = append(errs, err)
	}
	select {
	case <-c.exited:
	case <-ctx.Done():
		errs = append(errs, fmt.Errorf("main process did not exit after SIGKILL: %w", ctx.Err()))
	}
	if err := procgroup.Wait(ctx, c.pid); err != nil {
		errs = append(errs, err)
	}

	grace := time.NewTimer(outputGrace)
	select {
	case <-c.outDone:
	case <-grace.C:
		c.outR.Close() // makes the copier stop
		<-c.outDone
	}
	grace.Stop()
	c.outR.Close()
	c.closePipe()

	if err := c.removeProfileRetry(ctx); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// removeProfileRetry deletes a temporary profile, and tries again while a
// process that is on its way out still writes to it.
func (c *Chrome) removeProfileRetry(ctx context.Context) error {
	if !c.tempDir {
		return nil
	}
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	for {
		err := os.RemoveAll(c.dataDir)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("removing temporary profile: %w", err)
		case <-t.C:
		}
	}
}

// removeProfile deletes a temporary profile that no process has used.
func (c *Chrome) removeProfile() {
	if c.tempDir {
		_ = os.RemoveAll(c.dataDir)
	}
}
