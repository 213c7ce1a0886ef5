package browsertest

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// fatalRecorder records a Fatalf instead of failing the test.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func TestExecPathFailsWithInstallHint(t *testing.T) {
	t.Setenv("BDG_CHROME", "/nonexistent/chromium")
	r := &fatalRecorder{TB: t}
	done := make(chan string, 1)
	go func() {
		defer func() { done <- r.msg }()
		ExecPath(r)
	}()
	msg := <-done
	for _, want := range []string{"/nonexistent/chromium", "apt-get install -y chromium", "make test", "BDG_CHROME"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not mention %q", msg, want)
		}
	}
}

func TestLaunch(t *testing.T) {
	c := Launch(t)
	conn := Dial(t, c)
	sess, info := NewPage(t, conn)
	if sess.ID() == "" || info.TargetID == "" || info.URL != "about:blank" {
		t.Errorf("NewPage = %q, %+v", sess.ID(), info)
	}
	// The clean-ups close the page, the connection and Chrome, and check
	// that nothing is left.
}
