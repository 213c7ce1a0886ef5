// Package browsertest runs a real Chrome for tests, of the package browser
// and of the packages that use it.
//
// The tests need Chrome or Chromium. Without one they fail, and say how to
// install it: they never skip in silence, so that a missing browser cannot
// pass for green tests.
package browsertest

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/browser/internal/procgroup"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/target"
)

// Bounds of the helpers. They are there so that a broken Chrome fails a test
// instead of hanging it; no assertion depends on them.
const (
	launchTimeout = 60 * time.Second
	goneTimeout   = 15 * time.Second
	callTimeout   = 30 * time.Second
	// outputTail is how much of Chrome's output a failed test shows.
	outputTail = 8 << 10
)

// ExecPath returns the Chrome binary for tests: the one that the environment
// variable BDG_CHROME names, else what browser.FindChrome finds. Without one,
// the test fails with a message that says how to install Chromium.
func ExecPath(t testing.TB) string {
	t.Helper()
	p, err := browser.FindChrome(os.Getenv(browser.ChromeEnv))
	if err != nil {
		t.Fatalf("these tests need a real Chrome or Chromium, and there is none: %v\n"+
			"Install it with `apt-get install -y chromium` (`make test` installs it), "+
			"or set %s to the path of a Chrome binary.", err, browser.ChromeEnv)
	}
	return p
}

// Launch starts a headless Chrome (ExecPath, browser.DefaultOptions, then
// opts) for the test. At the end of the test it closes Chrome, and fails the
// test if a process of Chrome's group is left or a temporary profile was not
// deleted.
func Launch(t testing.TB, opts ...browser.LaunchOption) *browser.Chrome {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), launchTimeout)
	defer cancel()
	out := &tail{max: outputTail}
	all := append([]browser.LaunchOption{browser.ExecPath(ExecPath(t)), browser.Output(out)}, opts...)
	c, err := browser.Launch(ctx, all...)
	if err != nil {
		t.Fatalf("launching Chrome: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Close(context.Background(), nil); err != nil {
			t.Errorf("closing Chrome: %v", err)
		}
		if t.Failed() {
			t.Logf("the end of the output of Chrome (pid %d):\n%s", c.PID(), out.String())
		}
		AssertGroupGone(t, c.PID())
		if c.TemporaryProfile() {
			if _, err := os.Stat(c.UserDataDir()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temporary profile %s still exists after Close (stat: %v)", c.UserDataDir(), err)
			}
		}
	})
	return c
}

// AssertGroupGone fails the test unless the process group pgid has no live
// process; it polls /proc for a while before it gives up. Zombies do not
// count: they hold nothing, and where PID 1 does not reap orphans, they
// never go.
func AssertGroupGone(t testing.TB, pgid int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), goneTimeout)
	defer cancel()
	if err := procgroup.Wait(ctx, pgid); err != nil {
		t.Errorf("process group of Chrome survives: %v", err)
	}
}

// Dial connects to the browser endpoint of c (with Chrome.Dial: over its
// pipe for a Chrome launched with browser.Pipe, which allows one
// connection), and closes the connection at the end of the test.
func Dial(t testing.TB, c *browser.Chrome, opts ...browser.DialOption) *browser.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	conn, err := c.Dial(ctx, opts...)
	if err != nil {
		t.Fatalf("dialing Chrome: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// NewPage creates a blank page on conn, a connection to the browser endpoint,
// attaches to it, and closes the page at the end of the test. Tests that
// share a Chrome each get a page of their own this way.
func NewPage(t testing.TB, conn *browser.Conn) (*browser.Session, browser.PageInfo) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	sess, info, err := browser.AttachPage(ctx, conn, browser.AttachOptions{NewPage: true})
	if err != nil {
		t.Fatalf("creating a page: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if conn.Err() != nil {
			return // the connection is gone, and its pages with it or soon
		}
		_, err := cdp.Call(ctx, conn.Session(""), target.CloseTarget, target.CloseTargetParams{TargetID: target.ID(info.TargetID)})
		if err != nil && conn.Err() == nil {
			t.Errorf("closing page %s: %v", info.TargetID, err)
		}
	})
	return sess, info
}

// tail keeps the last bytes of Chrome's output, for a failed test.
type tail struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
