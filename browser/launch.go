package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

const (
	// pollInterval is how often Launch looks for DevToolsActivePort, as in
	// chromedp.
	pollInterval = 20 * time.Millisecond
	// outputTail is how much of Chrome's output a Chrome keeps for errors.
	outputTail = 16 << 10
	// errorLines is how many lines of output a LaunchError shows.
	errorLines = 20
)

// Chrome is a Chrome process that Launch started. Close stops it and deletes
// its temporary profile.
type Chrome struct {
	execPath string
	args     []string
	pid      int
	wsURL    string
	httpURL  string
	dataDir  string
	tempDir  bool // Close deletes dataDir
	took     time.Duration

	tail    *tailBuffer
	outR    *os.File      // read end of the pipe of Chrome's output
	outDone chan struct{} // closed when the output copier stops

	usesPipe bool // launched with Pipe: CDP over fds 3 and 4, no port
	pipeMu   sync.Mutex
	pipe     *pipeTransport // until Dial, Close or cleanUp takes it
	pipeConn *Conn          // the connection that Dial made over the pipe

	exited  chan struct{} // closed when the main process has been reaped
	exitErr error         // of cmd.Wait; set before exited closes

	closeOnce sync.Once
	closeErr  error
}

// LaunchError is the error of Launch when Chrome did not start: it failed to
// run, exited, or did not open its DevTools port (or answer on its pipe)
// before ctx ended. It matches ErrLaunchFailed with errors.Is, as well as its
// cause (such as context.DeadlineExceeded).
type LaunchError struct {
	// ExecPath is the binary that Launch ran.
	ExecPath string
	// Err is the cause, such as "exit status 1" or the error of ctx.
	Err error
	// Output holds the last lines that Chrome wrote.
	Output string
}

// Error implements error.
func (e *LaunchError) Error() string {
	msg := fmt.Sprintf("launching Chrome (%s): %v", e.ExecPath, e.Err)
	if e.Output == "" {
		return msg + "; Chrome wrote nothing"
	}
	return msg + "; last output of Chrome:\n" + e.Output
}

// Unwrap makes errors.Is match ErrLaunchFailed and the cause.
func (e *LaunchError) Unwrap() []error { return []error{ErrLaunchFailed, e.Err} }

// Launch starts Chrome with DefaultOptions and then opts, and waits until its
// DevTools server listens. It gives Chrome a new temporary profile unless
// UserDataDir says which one to use, runs it in a process group of its own,
// passes --no-sandbox when running as root, and removes a stale
// DevToolsActivePort file. It returns when Chrome has written that file, or,
// with Pipe, when Chrome has answered Browser.getVersion on its pipe; it
// fails as soon as Chrome exits (with its exit status and its last output) or
// ctx ends. ctx bounds the launch only, not the life of Chrome.
//
// Without ExecPath, Launch uses FindChrome(""), and its error then matches
// ErrChromeNotFound; other errors match ErrLaunchFailed.
func Launch(ctx context.Context, opts ...LaunchOption) (*Chrome, error) {
	start := time.Now()
	cfg := &launchConfig{flags: make(map[string]any)}
	for _, o := range DefaultOptions() {
		o(cfg)
	}
	for _, o := range opts {
		o(cfg)
	}
	execPath, err := FindChrome(cfg.execPath)
	if err != nil {
		return nil, err
	}
	fail := func(err error) error { return &LaunchError{ExecPath: execPath, Err: err} }
	if err := checkPlatform(); err != nil {
		return nil, fail(err)
	}
	if err := ctx.Err(); err != nil {
		return nil, fail(err)
	}

	if os.Geteuid() == 0 {
		cfg.flags["no-sandbox"] = true
	}
	if _, ok := cfg.flags["remote-debugging-pipe"]; ok {
		cfg.pipe = true // Flag("remote-debugging-pipe", ...) is Pipe()
	}
	if cfg.pipe {
		cfg.pipeFlags()
	}
	c := &Chrome{
		execPath: execPath,
		tail:     newTailBuffer(outputTail),
		outDone:  make(chan struct{}),
		exited:   make(chan struct{}),
		usesPipe: cfg.pipe,
	}
	if dir, ok := cfg.flags["user-data-dir"].(string); ok && dir != "" {
		c.dataDir = dir
		if err := os.Remove(filepath.Join(c.dataDir, activePortFile)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fail(fmt.Errorf("removing stale %s: %w", activePortFile, err))
		}
	} else {
		dir, err := os.MkdirTemp("", "bdg-chrome-*")
		if err != nil {
			return nil, fail(fmt.Errorf("creating temporary profile: %w", err))
		}
		c.dataDir, c.tempDir = dir, true
		cfg.flags["user-data-dir"] = dir
	}
	args, err := cfg.args()
	if err != nil {
		c.removeProfile()
		return nil, fail(err)
	}
	// Open a blank page rather than a welcome page: a first page target
	// exists at once.
	c.args = append(args, "about:blank")

	if err := c.start(cfg); err != nil {
		c.removeProfile()
		return nil, fail(err)
	}
	if cfg.pipe {
		err = c.awaitPipe(ctx)
	} else {
		err = c.awaitPort(ctx, cfg)
	}
	if err != nil {
		return nil, c.launchFailed(err)
	}
	c.took = time.Since(start)
	return c, nil
}

// awaitPort waits until Chrome has written DevToolsActivePort, and sets the
// URLs of its DevTools server. It fails when Chrome exits or ctx ends first.
func (c *Chrome) awaitPort(ctx context.Context, cfg *launchConfig) error {
	addr, _ := cfg.flags["remote-debugging-address"].(string)
	host := debuggingHost(addr)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if port, path, ok := readActivePort(c.dataDir); ok {
			hostPort := net.JoinHostPort(host, strconv.Itoa(port))
			c.wsURL = "ws://" + hostPort + path
			c.httpURL = "http://" + hostPort
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("chrome exited before it opened its DevTools port: %w", c.exitCause())
		case <-ctx.Done():
			return fmt.Errorf("waiting for the DevTools port of Chrome: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// exitCause returns why Chrome exited during the launch, after c.exited has
// closed.
func (c *Chrome) exitCause() error {
	if c.exitErr != nil {
		return c.exitErr
	}
	cause := errors.New("exit status 0")
	if !c.tempDir {
		// Chrome hands its arguments to a running Chrome of the same
		// profile, and exits.
		cause = fmt.Errorf("%w; does another Chrome use the profile %s?", cause, c.dataDir)
	}
	return cause
}

// launchFailed cleans up after a launch that failed for the reason err, and
// returns the error for Launch.
func (c *Chrome) launchFailed(err error) error {
	if cerr := c.cleanUp(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("cleaning up: %w", cerr))
	}
	return &LaunchError{ExecPath: c.execPath, Err: err, Output: c.tail.lastLines(errorLines)}
}

// start runs the process and the two goroutines that Chrome owns: one copies
// the output, one reaps the process. With cfg.pipe, Chrome gets the ends of
// its DevTools pipe as fds 3 and 4, and c.pipe holds ours.
func (c *Chrome) start(cfg *launchConfig) error {
	r, w, err := os.Pipe()
	if err != nil {
		return fmt.Errorf("creating output pipe: %w", err)
	}
	cmd := exec.Command(c.execPath, c.args...)
	cmd.SysProcAttr = sysProcAttr()
	// An *os.File goes to the child as it is: exec starts no copying
	// goroutine, and Wait does not wait for Chrome's children to close it.
	cmd.Stdout, cmd.Stderr = w, w
	var pipe *pipeTransport
	if cfg.pipe {
		if pipe, cmd.ExtraFiles, err = openDevToolsPipe(); err != nil {
			r.Close()
			w.Close()
			return err
		}
	}
	err = cmd.Start()
	w.Close()
	for _, f := range cmd.ExtraFiles {
		f.Close() // Chrome's ends: only Chrome may hold them
	}
	if err != nil {
		r.Close()
		if pipe != nil {
			pipe.close()
		}
		return fmt.Errorf("starting %s: %w", c.execPath, err)
	}
	c.pid = cmd.Process.Pid
	c.outR = r
	c.pipe = pipe

	go func() {
		defer close(c.outDone)
		_, _ = io.Copy(&outputWriter{tail: c.tail, w: cfg.output}, r)
	}()
	go func() {
		err := cmd.Wait()
		// Children of a browser whose main process is gone serve nobody.
		_ = killGroup(c.pid)
		c.exitErr = err
		close(c.exited)
	}()
	return nil
}

// WebSocketURL returns the websocket URL of the browser endpoint, such as
// ws://127.0.0.1:38241/devtools/browser/9700fd99-ace2-4c5f-9be9-767dd84e90a7;
// "" for a Chrome on a pipe (see Pipe and Dial).
func (c *Chrome) WebSocketURL() string { return c.wsURL }

// HTTPURL returns the URL of the DevTools HTTP server, such as
// http://127.0.0.1:38241, for ResolveBrowserURL and ListPages; "" for a
// Chrome on a pipe.
func (c *Chrome) HTTPURL() string { return c.httpURL }

// UsesPipe reports whether Chrome speaks CDP over its pipe (see Pipe) rather
// than a DevTools port.
func (c *Chrome) UsesPipe() bool { return c.usesPipe }

// PID returns the process ID of the main Chrome process, which is also the ID
// of its process group.
func (c *Chrome) PID() int { return c.pid }

// UserDataDir returns the profile directory.
func (c *Chrome) UserDataDir() string { return c.dataDir }

// LaunchDuration returns how long Launch took, from its call until the
// DevTools port was known, or until Chrome answered on its pipe.
func (c *Chrome) LaunchDuration() time.Duration { return c.took }

// Done returns a channel that closes when the main Chrome process has exited
// and been reaped, for any reason.
func (c *Chrome) Done() <-chan struct{} { return c.exited }

// ExitErr returns nil while Chrome runs and after it exited with status 0,
// else the error of the exit, such as "signal: killed".
func (c *Chrome) ExitErr() error {
	select {
	case <-c.exited:
		return c.exitErr
	default:
		return nil
	}
}

// TemporaryProfile reports whether the profile is one that Launch created,
// which Close deletes.
func (c *Chrome) TemporaryProfile() bool { return c.tempDir }
