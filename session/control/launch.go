// Package control acts on sessions from outside their workers: it starts a
// worker and waits for its handshake, connects to it, asks it questions
// (or, when it is gone, answers them from its files), stops it, lists the
// sessions and cleans up after workers that died. It never starts a worker
// but in Start.
package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/proc"
)

// Handshake is the one line a worker writes to its standard output once it
// is ready: Chrome connected, domains enabled, socket listening, navigation
// started. Or, when it could not get there, Error.
type Handshake struct {
	Version    string          `json:"version,omitempty"`
	PID        int             `json:"pid,omitempty"`
	SocketPath string          `json:"socketPath,omitempty"`
	Chrome     protocol.Chrome `json:"chrome"`
	Target     protocol.Target `json:"target"`
	// Attach says how a session attached to a running Chrome.
	Attach *protocol.AttachInfo `json:"attach,omitempty"`
	Error  *protocol.Error      `json:"error,omitempty"`
}

// Progress is one step a starting worker reports on its progress pipe
// (file descriptor 3), before the handshake.
type Progress struct {
	Step string `json:"step"`
}

// Progress steps.
const (
	StepLaunching  = "launching Chrome"
	StepConnecting = "connecting to Chrome"
	StepNavigating = "navigating"
)

// DefaultHandshakeTimeout bounds the wait for a worker's handshake.
const DefaultHandshakeTimeout = 30 * time.Second

// Launcher starts workers.
type Launcher struct {
	// Executable is the bdg-rpc binary to run as "bdg-rpc worker"; default
	// the running one.
	Executable string
	// HandshakeTimeout bounds the wait for the handshake (default 30 s).
	HandshakeTimeout time.Duration
	// Progress, if set, receives the worker's progress steps.
	Progress func(step string)
	// Env is the worker's environment; nil inherits this process's.
	Env []string
}

// Worker is a started worker process. It runs on its own after the launcher
// returns; the launcher reaps it when it exits.
type Worker struct {
	Handshake Handshake
	Dir       session.Dir
	exited    <-chan struct{}
}

// Done is closed when the worker process has exited and been reaped: the
// exact moment, where the worker lock says it only to those who poll.
func (w *Worker) Done() <-chan struct{} { return w.exited }

// Start launches the session's worker and returns once it has handshaken.
// Of several concurrent starts of one session exactly one succeeds; the
// others fail at once with an already_running error naming the pid.
func (l Launcher) Start(ctx context.Context, opts session.Options) (*Worker, error) {
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	if !opts.Attaching() || opts.URL != "" {
		u, err := session.NormalizeURL(opts.URL)
		if err != nil {
			return nil, err
		}
		opts.URL = u
	}
	d, err := session.NewDir(opts.Home, opts.Session)
	if err != nil {
		return nil, err
	}
	if err := d.Ensure(); err != nil {
		return nil, sessionFileError(err)
	}
	start, ok, err := d.TryStartLock()
	if err != nil {
		return nil, sessionFileError(err)
	}
	if !ok {
		return nil, busy(d)
	}
	defer start.Unlock()

	if alive, err := d.WorkerAlive(); err != nil {
		return nil, sessionFileError(err)
	} else if alive {
		m, _ := d.ReadMeta()
		return nil, alreadyRunning(d, m.PID, false)
	}
	if _, err := cleanupLocked(d); err != nil {
		return nil, sessionFileError(err)
	}
	return l.spawn(ctx, d, opts, start)
}

// busy explains a start lock held by someone else.
func busy(d session.Dir) *protocol.Error {
	if m, err := d.ReadMeta(); err == nil && proc.Same(m.PID, m.PIDStart) {
		return alreadyRunning(d, m.PID, m.State == protocol.StateStarting)
	}
	return alreadyRunning(d, d.StartLockHolder(), true)
}

func (l Launcher) spawn(ctx context.Context, d session.Dir, opts session.Options, start *session.StartLock) (*Worker, error) {
	exe := l.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("finding the bdg-rpc executable: %w", err)
		}
	}
	// Never through a link, and only a regular file of ours (see
	// session.OpenFile): the worker's stderr is appended to it.
	logFile, err := session.OpenFile(d.File(session.LogFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, sessionFileError(fmt.Errorf("opening the worker log: %w", err))
	}
	defer logFile.Close()
	progressR, progressW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating the progress pipe: %w", err)
	}
	defer progressR.Close()
	config, err := json.Marshal(opts)
	if err != nil {
		progressW.Close()
		return nil, fmt.Errorf("encoding worker options: %w", err)
	}

	cmd := exec.Command(exe, "worker")
	cmd.Stdin = bytes.NewReader(append(config, '\n'))
	cmd.Stderr = logFile // the file itself: no pipe that could fill
	cmd.ExtraFiles = []*os.File{progressW}
	cmd.Env = l.Env
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	// Our own pipe rather than StdoutPipe: Wait must not close the read end
	// before a worker that failed fast has had its error line read.
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		progressW.Close()
		return nil, fmt.Errorf("creating the handshake pipe: %w", err)
	}
	defer stdout.Close()
	cmd.Stdout = stdoutW
	err = cmd.Start()
	progressW.Close()
	stdoutW.Close()
	if err != nil {
		return nil, fmt.Errorf("starting the worker: %w", err)
	}
	start.SetHolder(cmd.Process.Pid)

	exited := make(chan struct{})
	go func() { // the reaper; it ends when the worker does
		_ = cmd.Wait()
		close(exited)
	}()
	go l.relayProgress(progressR) // ends when the worker closes its end

	timeout := l.HandshakeTimeout
	if timeout <= 0 {
		timeout = DefaultHandshakeTimeout
	}
	hs, err := readHandshake(ctx, stdout, exited, timeout)
	if err == nil && hs.Error == nil {
		return &Worker{Handshake: hs, Dir: d, exited: exited}, nil
	}
	if err == nil {
		err = hs.Error
	} else {
		// The worker is our child: signalling it by its pid is safe. It
		// closes the Chrome it launched on SIGTERM; SIGKILL if it does not
		// exit, and the clean-up below removes what it left.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(termGrace):
			_ = cmd.Process.Kill()
			<-exited
		}
		err = fmt.Errorf("%w%s", err, logTail(d.File(session.LogFile), 8))
		err = protocol.Wrap(protocol.ChromeLaunchFailed, err).WithHint("check logs: bdg-rpc logs")
	}
	<-exited
	// We still hold the start lock: nothing of the failed start (an
	// orphaned Chrome, its temporary profile, the socket) outlives it.
	if _, cerr := cleanupLocked(d); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return nil, err
}

// relayProgress passes progress lines to the Progress func until the worker
// closes its end of the pipe.
func (l Launcher) relayProgress(r io.Reader) {
	rd := rpc.NewReader(r, 64<<10)
	for {
		frame, err := rd.ReadFrame()
		if err != nil {
			return
		}
		var p Progress
		if json.Unmarshal(frame, &p) == nil && p.Step != "" && l.Progress != nil {
			l.Progress(p.Step)
		}
	}
}

// readHandshake buffers the worker's stdout until the first complete line
// (design review issue #1: a handshake split across reads is not a dead
// worker) and decodes it. It fails at once if the worker exits first, and
// after timeout.
func readHandshake(ctx context.Context, stdout io.Reader, exited <-chan struct{}, timeout time.Duration) (Handshake, error) {
	type result struct {
		hs  Handshake
		err error
	}
	ch := make(chan result, 1)
	go func() { // ends when stdout closes, which the worker's exit guarantees
		rd := rpc.NewReader(stdout, 1<<20)
		for {
			frame, err := rd.ReadFrame()
			if err != nil {
				ch <- result{err: fmt.Errorf("the worker exited before its handshake: %w", err)}
				return
			}
			var hs Handshake
			if err := json.Unmarshal(frame, &hs); err != nil || (hs.PID == 0 && hs.Error == nil) {
				continue // not the handshake: some library printed to stdout
			}
			ch <- result{hs: hs}
			return
		}
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		if r.err != nil {
			<-exited
		}
		return r.hs, r.err
	case <-timer.C:
		return Handshake{}, fmt.Errorf("no handshake from the worker within %s", timeout)
	case <-ctx.Done():
		return Handshake{}, fmt.Errorf("waiting for the worker's handshake: %w", ctx.Err())
	}
}

// logTail returns the last n lines of a log, formatted to follow an error.
// A log that is a link is not read.
func logTail(path string, n int) string {
	b, err := session.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 16<<10 {
		b = b[len(b)-16<<10:]
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return "\nlast lines of " + path + ":\n  " + strings.Join(lines, "\n  ")
}
