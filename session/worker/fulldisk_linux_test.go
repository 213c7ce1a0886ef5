//go:build linux

package worker_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/journal"
)

// TestJournalFullDisk: a session whose journal is on a disk that fills
// (a tmpfs of 256 KiB mounted on the journal's directory) goes on in
// memory: every message of a burst of 5,000 is listed, none dropped; the
// error is logged once, with a hint, and session/status says it; what the
// journal wrote before the disk filled is there, in order, from the first.
// It needs root, to mount the tmpfs.
func TestJournalFullDisk(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root (the test fills a small disk under the journal)")
	}
	h := newHarness(t)
	d := h.dir("fulldisk")
	dir := d.File(session.JournalDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0700"); err != nil {
		t.Skipf("mounting a tmpfs on %s: %v", dir, err)
	}
	// Registered before h.start: it runs after the worker is reaped.
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Errorf("unmounting %s: %v", dir, err)
		}
	})
	const n = 5000
	w := h.start(h.options("fulldisk", h.fx.URL(fmt.Sprintf("console-burst.html?n=%d", n))))
	h.subscribe(w.Dir, ptr(uint64(0))).await("the burst's end", consoleText("burst done"))

	c := h.client(w.Dir)
	st := call(h, c, protocol.Status, protocol.StatusParams{})
	if st.Journal == nil || !strings.Contains(st.Journal.Error, "no space left") || st.Journal.Lost == 0 {
		t.Errorf("session/status journal %+v, want the disk's error and records lost", st.Journal)
	}
	zero := 0
	res := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{ListParams: protocol.ListParams{Limit: &zero}})
	got := 0
	for _, m := range res.Items {
		if want := fmt.Sprint("burst ", got); got < n && m.Text == want {
			got++
		}
	}
	if got != n || res.Dropped != 0 || st.Dropped.Console != 0 {
		t.Errorf("listed %d of the burst's %d messages in order; dropped %d (status %d)", got, n, res.Dropped, st.Dropped.Console)
	}
	log, err := os.ReadFile(w.Dir.File(session.LogFile))
	if err != nil {
		t.Fatal(err)
	}
	if k := strings.Count(string(log), "journal cannot be written"); k != 1 || !strings.Contains(string(log), "free disk space") {
		t.Errorf("worker.log says the journal cannot be written %d times (want once, with a hint):\n%s", k, log)
	}
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	if out := readOutput(t, w.Dir.File(session.OutputFile)); out.Counts.Console < n {
		t.Errorf("session.json holds %d console messages, want %d and more", out.Counts.Console, n)
	}
	// What the journal wrote before the disk filled: from the first, in
	// order, none twice.
	j, err := journal.Open(dir, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	next, written := uint64(1), 0
	err = j.Read(1, 0, func(seq uint64, rec []byte) bool {
		if seq < next || written == 0 && seq != 1 || !strings.Contains(string(rec), fmt.Sprintf(`"seq":%d,`, seq)) {
			t.Errorf("journal record %d after %d: %.120s", seq, next-1, rec)
			return false
		}
		next = seq + 1
		written++
		return true
	})
	if err != nil || written < 100 {
		t.Errorf("the journal holds %d records: %v", written, err)
	}
	t.Logf("a tmpfs of 256 KiB: %d events written, %d lost", written, st.Journal.Lost)
}
