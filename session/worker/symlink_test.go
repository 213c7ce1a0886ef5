package worker_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// TestSymlinkedHomeAndFiles: a BDG_HOME that is the user's own link to a
// directory they own works (a session starts, answers, stops); links
// planted while the session runs, where it writes session.partial.json,
// session.json and the rotated log, are replaced, never written through.
func TestSymlinkedHomeAndFiles(t *testing.T) {
	h := newHarness(t)
	real := h.home
	h.home = filepath.Join(t.TempDir(), "bdg-link")
	if err := os.Symlink(real, h.home); err != nil {
		t.Fatal(err)
	}
	opts := h.options("linked", h.fx.URL("everything.html"))
	opts.LogMaxBytes = 1 // the worker's log rotates at every line
	opts.PartialIntervalMs = 50
	w := h.start(opts)
	if fi, err := os.Lstat(filepath.Join(real, "sessions", "linked", session.MetaFile)); err != nil || !fi.Mode().IsRegular() {
		t.Errorf("the session's files are not in the link's target: %v", err)
	}
	c := h.client(w.Dir)
	call(h, c, protocol.Status, protocol.StatusParams{})

	precious := []byte("precious: not bdg-rpc's to touch\n")
	targets := map[string]string{}
	for _, name := range []string{session.PartialFile, session.OutputFile, session.LogFile + ".1"} {
		target := filepath.Join(t.TempDir(), "precious")
		if err := os.WriteFile(target, precious, 0o600); err != nil {
			t.Fatal(err)
		}
		_ = os.Remove(w.Dir.File(name))
		if err := os.Symlink(target, w.Dir.File(name)); err != nil {
			t.Fatal(err)
		}
		targets[name] = target
	}
	for range 20 { // enough for the log to pass its cap
		call(h, c, protocol.Status, protocol.StatusParams{})
		call(h, c, protocol.NetworkList, protocol.NetworkListParams{})
	}
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	for name, target := range targets {
		if b, err := os.ReadFile(target); err != nil || !bytes.Equal(b, precious) {
			t.Errorf("the target of the link planted at %s was touched: %q, %v", name, b, err)
		}
	}
	for _, name := range []string{session.OutputFile, session.LogFile + ".1"} {
		if fi, err := os.Lstat(w.Dir.File(name)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s after stop: %v, %v; want the regular file that replaced the link", name, fi, err)
		}
	}
}
