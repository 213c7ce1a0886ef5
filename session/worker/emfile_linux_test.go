//go:build linux

package worker_test

import (
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// TestDescriptorExhaustion: a worker that runs out of file descriptors
// while clients pile up goes on accepting once they are gone. (Finding 3:
// one EMFILE ended accepting for good.)
func TestDescriptorExhaustion(t *testing.T) {
	t.Setenv(control.TimeoutEnv, "2s")
	h := newHarness(t)
	w := h.start(h.options("emfile", h.fx.URL("everything.html")))
	pid := w.Handshake.PID
	var old unix.Rlimit
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, nil, &old); err != nil {
		t.Fatal(err)
	}
	// The soft limit only: raising the hard one back may need privileges.
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &unix.Rlimit{Cur: 64, Max: old.Max}, nil); err != nil {
		t.Fatalf("lowering the worker's descriptor limit: %v", err)
	}
	// More clients than descriptors: the worker's accept fails with EMFILE.
	var conns []net.Conn
	for range 200 {
		c, err := net.DialTimeout("unix", w.Handshake.SocketPath, time.Second)
		if err != nil {
			break // the backlog is full
		}
		conns = append(conns, c)
	}
	if len(conns) < 64 {
		t.Fatalf("only %d connections: the test needs more than the worker's 64 descriptors", len(conns))
	}
	awaitLog(t, w.Dir.File(session.LogFile), "too many open files")
	for _, c := range conns {
		c.Close()
	}
	if err := unix.Prlimit(pid, unix.RLIMIT_NOFILE, &old, nil); err != nil {
		t.Fatal(err)
	}
	// Accepting resumes: the worker answers, its files do not.
	awaitAnswering(t, w.Dir, "the worker no longer answers after running out of descriptors")
	c := h.client(w.Dir)
	if st := call(h, c, protocol.Status, protocol.StatusParams{}); st.State != protocol.StateRunning {
		t.Errorf("state %q", st.State)
	}
}
