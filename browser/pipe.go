package browser

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// probeCommand is what Launch sends on the pipe to learn that Chrome is
// ready. Its reply is read before any Conn exists, so the ids of a Conn,
// which start at 1 as well, never meet it.
const (
	probeID      = 1
	probeCommand = `{"id":1,"method":"Browser.getVersion"}`
)

// errPipeTaken is the error of a second Chrome.Dial on a Chrome on a pipe.
var errPipeTaken = errors.New("the DevTools pipe carries one connection, and Dial or Close has taken it")

// openDevToolsPipe creates the two pipes of --remote-debugging-pipe. It
// returns the transport over our ends and Chrome's ends, in the order of
// ExtraFiles: fd 3, from which Chrome reads commands, and fd 4, to which it
// writes replies and events. All four files are close-on-exec in this
// process, so no other child inherits them; exec gives the child its two.
func openDevToolsPipe() (*pipeTransport, []*os.File, error) {
	cmdR, cmdW, err := os.Pipe()
	if err != nil {
		return nil, nil, fmt.Errorf("creating the DevTools pipe: %w", err)
	}
	msgR, msgW, err := os.Pipe()
	if err != nil {
		cmdR.Close()
		cmdW.Close()
		return nil, nil, fmt.Errorf("creating the DevTools pipe: %w", err)
	}
	return newPipeTransport(msgR, cmdW), []*os.File{cmdR, msgW}, nil
}

// awaitPipe waits until Chrome answers Browser.getVersion on its pipe. It
// fails when Chrome exits, the pipe ends or ctx ends first.
func (c *Chrome) awaitPipe(ctx context.Context) error {
	err := c.probePipe(ctx)
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("waiting for Chrome to answer on its DevTools pipe: %w", ctx.Err())
	}
	if pipeEnded(err) {
		// Most likely Chrome is exiting: its exit status says more than
		// the pipe.
		grace := time.NewTimer(gracePeriod)
		defer grace.Stop()
		select {
		case <-c.exited:
		case <-ctx.Done():
		case <-grace.C:
		}
	}
	select {
	case <-c.exited:
		return fmt.Errorf("chrome exited before it answered on its DevTools pipe: %w", c.exitCause())
	default:
		return fmt.Errorf("talking to Chrome over its DevTools pipe: %w", err)
	}
}

// pipeEnded reports whether err says that Chrome's end of the pipe closed.
func pipeEnded(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE)
}

// probePipe sends Browser.getVersion over the pipe and reads up to its reply.
// The end of ctx or of Chrome interrupts it.
func (c *Chrome) probePipe(ctx context.Context) error {
	p := c.pipe
	// A pipe without deadlines could not be interrupted.
	if err := p.setDeadline(time.Time{}); err != nil {
		return fmt.Errorf("the DevTools pipe does not support deadlines: %w", err)
	}
	stop := c.interruptPipe(ctx, p)
	defer stop()
	if err := p.writeMessage([]byte(probeCommand)); err != nil {
		return fmt.Errorf("sending Browser.getVersion: %w", err)
	}
	var buf bytes.Buffer
	for {
		data, err := p.readMessage(&buf)
		if err != nil {
			return fmt.Errorf("reading the reply to Browser.getVersion: %w", err)
		}
		m, err := decodeMessage(data)
		if err != nil {
			return fmt.Errorf("malformed message from Chrome: %w", err)
		}
		if m.ID != probeID {
			continue // an event
		}
		if m.Error != nil {
			m.Error.Method = "Browser.getVersion"
			return m.Error
		}
		return nil
	}
}

// interruptPipe makes reads and writes on p fail, by moving their deadline to
// now, once ctx ends or Chrome exits. The func it returns stops its
// goroutine, waits for it, and clears the deadlines.
func (c *Chrome) interruptPipe(ctx context.Context, p *pipeTransport) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-ctx.Done():
		case <-c.exited:
		case <-quit:
			return
		}
		_ = p.setDeadline(time.Now())
	})
	return func() {
		close(quit)
		wg.Wait()
		_ = p.setDeadline(time.Time{})
	}
}

// Dial connects to the browser endpoint of this Chrome, with the options of
// the package-level Dial. For a Chrome launched with Pipe, the connection
// runs over the pipe, and there is only one: a second Dial fails. Closing
// that connection closes the pipe, and Chrome then exits on its own; so
// close it after Close, or let Close use it (Close(ctx, nil) finds it).
// Otherwise Dial dials WebSocketURL. ctx bounds the dial only.
func (c *Chrome) Dial(ctx context.Context, opts ...DialOption) (*Conn, error) {
	if !c.usesPipe {
		return Dial(ctx, c.wsURL, opts...)
	}
	fail := func(err error) error {
		return fmt.Errorf("connecting to Chrome (pid %d) over its pipe: %w", c.pid, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(err)
	}
	cfg, err := newDialConfig(opts)
	if err != nil {
		return nil, fail(err)
	}
	c.pipeMu.Lock()
	defer c.pipeMu.Unlock()
	if c.pipe == nil {
		return nil, fail(errPipeTaken)
	}
	c.pipeConn = newConn("", c.pipe, cfg)
	c.pipe = nil
	return c.pipeConn, nil
}

// pipeCloser returns a connection over the pipe for Close to send
// Browser.close over: the one Dial made, or a new one over the pipe that
// nobody took, which release closes (release is nil for the former). It
// returns nil when the pipe is gone: then Chrome exits on its own.
func (c *Chrome) pipeCloser() (conn *Conn, release func()) {
	c.pipeMu.Lock()
	defer c.pipeMu.Unlock()
	if c.pipeConn != nil {
		if c.pipeConn.Err() != nil {
			return nil, nil
		}
		return c.pipeConn, nil
	}
	if c.pipe == nil {
		return nil, nil
	}
	conn = newConn("", c.pipe, dialConfig{maxCommandSize: closeCommandSize})
	c.pipe = nil
	return conn, func() { conn.Close() }
}

// closePipe closes the pipe if nobody took it.
func (c *Chrome) closePipe() {
	c.pipeMu.Lock()
	defer c.pipeMu.Unlock()
	if c.pipe != nil {
		_ = c.pipe.close()
		c.pipe = nil
	}
}
