package capture

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	disk "github.com/bdg-rpc/bdg-rpc/session/journal"
)

// failing is a journal that fails the appends of some seqs, as a full disk
// would.
type failing struct {
	*disk.Journal
	fail func(seq uint64) bool
}

func (f failing) AppendAt(n uint64, rec []byte) error {
	if f.fail(n) {
		return errors.New("no space left on device")
	}
	return f.Journal.AppendAt(n, rec)
}

// persisting starts c's journal writer on a journal in a temporary
// directory, failing the seqs fail says (nil: none); it stops with the
// test.
func persisting(t testing.TB, c *Capture, fail func(uint64) bool) *disk.Journal {
	t.Helper()
	j, err := disk.Open(t.TempDir(), disk.Options{SegmentBytes: 256 << 10})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	var w JournalWriter = j
	if fail != nil {
		w = failing{j, fail}
	}
	go func() {
		defer wg.Done()
		c.Persist(ctx, w, func(error) {})
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		j.Close()
	})
	return j
}

// awaitCold waits until the hot cache holds at most n messages: the rest
// went to the journal.
func awaitCold(t testing.TB, c *Capture, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.Lock()
		hot := c.console.len()
		c.mu.Unlock()
		if hot <= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the hot cache still holds %d messages", hot)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestColdConsole: with a journal, the console store holds its newest
// messages in memory and every other one on disk, and answers lists,
// filters and session.json's stream from both, in order, each once.
func TestColdConsole(t *testing.T) {
	c := New(Options{HotConsole: 100, MaxConsole: 5000})
	persisting(t, c, nil)
	for i := range 3000 {
		typ := "log"
		if i%10 == 0 {
			typ = "error"
		}
		logAt(t, c, typ, fmt.Sprint("message ", i), float64(1000+i))
	}
	awaitCold(t, c, 100)
	if st := c.State(); st.Counts.Console != 3000 || st.Dropped.Console != 0 {
		t.Fatalf("counts %+v, dropped %+v", st.Counts, st.Dropped)
	}
	all := walkAll(t, c, Scope{}, nil, false, 0)
	desc := walkAll(t, c, Scope{}, nil, true, 77)
	if len(all) != 3000 || len(desc) != 3000 || all[0] != desc[2999] || all[2999] != desc[0] {
		t.Fatalf("walked %d and %d messages", len(all), len(desc))
	}
	zero := 0
	res := must(t)(c.ConsoleList(Scope{}, nil, "", PageOf(protocol.ListParams{Limit: &zero})))
	for i, m := range res.Items {
		if want := fmt.Sprint("message ", i); m.Text != want || m.Seq != all[i] {
			t.Fatalf("message %d: %q seq %d, want %q seq %d", i, m.Text, m.Seq, want, all[i])
		}
	}
	errs := must(t)(c.ConsoleList(Scope{Levels: []string{protocol.LevelError}, Since: 1500}, nil, "", Page{}))
	if errs.Matched != 250 || errs.Returned != 250 || errs.Items[0].Text != "message 500" {
		t.Errorf("errors since 1500: matched %d, returned %d, first %q", errs.Matched, errs.Returned, errs.Items[0].Text)
	}
	keep, _ := ParseConsoleFilter("text:99")
	for range 2 { // the second counts from the cache
		res := must(t)(c.ConsoleList(Scope{}, keep, "text:99", Page{Limit: 5, Desc: true}))
		// 99, 199, ..., 2999: 30; 990-999, 1990-1999, 2990-2999: 30 more, less 3 counted twice
		if res.Matched != 57 || res.Returned != 5 || res.Items[0].Text != "message 2999" || res.NextCursor == "" {
			t.Errorf("text:99: matched %d, returned %d, first %q", res.Matched, res.Returned, res.Items[0].Text)
		}
	}
	n := 0
	err := c.ConsoleRecords(func(m *protocol.ConsoleMessage) bool {
		if want := fmt.Sprint("message ", n); m.Text != want {
			t.Fatalf("record %d is %q", n, m.Text)
		}
		n++
		return true
	})
	if err != nil || n != 3000 {
		t.Errorf("ConsoleRecords gave %d messages: %v", n, err)
	}
	// Past MaxConsole, the oldest go, counted, and lists say so.
	for i := range 2500 {
		logAt(t, c, "log", fmt.Sprint("more ", i), float64(5000+i))
	}
	awaitCold(t, c, 100)
	res = must(t)(c.ConsoleList(Scope{}, nil, "", Page{Limit: 1}))
	if res.Total != 5000 || res.Dropped != 500 || res.Items[0].Text != "message 500" {
		t.Errorf("past the bound: total %d, dropped %d, first %q", res.Total, res.Dropped, res.Items[0].Text)
	}
	if res := must(t)(c.ConsoleList(Scope{Levels: []string{protocol.LevelError}}, nil, "", Page{Limit: 1})); res.Dropped != 50 {
		t.Errorf("errors dropped: %d, want 50", res.Dropped)
	}
}

// TestColdConsoleLost: the messages the journal could not write (and those
// buffered with them, which a failed write loses) leave the hot cache as
// drops, counted; every other one is there, once.
func TestColdConsoleLost(t *testing.T) {
	c := New(Options{HotConsole: 50, MaxConsole: 5000})
	persisting(t, c, func(seq uint64) bool { return seq >= 500 && seq < 600 })
	for i := range 2000 {
		logAt(t, c, "log", fmt.Sprint("message ", i), float64(i))
	}
	awaitCold(t, c, 50)
	res := must(t)(c.ConsoleList(Scope{}, nil, "", Page{}))
	if res.Total+res.Dropped != 2000 || res.Dropped < 100 || int(c.State().Dropped.Console) != res.Dropped {
		t.Errorf("total %d, dropped %d (status %d); want 2000 in all, at least 100 dropped", res.Total, res.Dropped, c.State().Dropped.Console)
	}
	seen := map[string]bool{}
	_ = c.ConsoleRecords(func(m *protocol.ConsoleMessage) bool {
		if m.Seq >= 500 && m.Seq < 600 || seen[m.Text] {
			t.Fatalf("message %q (seq %d) is there", m.Text, m.Seq)
		}
		seen[m.Text] = true
		return true
	})
	if len(seen) != res.Total || !strings.HasPrefix(res.Items[0].Text, "message") {
		t.Errorf("%d messages there, the list says %d", len(seen), res.Total)
	}
}

// replay subscribes from the first event and reads until seq last,
// returning the seqs of the events and the ranges said dropped.
func replay(t *testing.T, c *Capture, last uint64) (seqs []uint64, skipped [][2]uint64) {
	t.Helper()
	since := uint64(0)
	sub, res := c.Subscribe(&since)
	defer sub.Close()
	if res.OldestSeq != 1 {
		t.Errorf("oldestSeq %d, want 1: the journal holds the first event", res.OldestSeq)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for len(seqs) == 0 || seqs[len(seqs)-1] < last {
		b, err := sub.Next(ctx, 1000)
		if err != nil {
			t.Fatalf("after seq %v: %v", seqs[max(len(seqs)-1, 0):], err)
		}
		if b.Skipped[0] != 0 {
			skipped = append(skipped, b.Skipped)
		}
		for i, s := range b.Seqs {
			if s == 0 {
				continue
			}
			if want := fmt.Sprintf(`"seq":%d,`, s); !strings.Contains(string(b.Lines[i]), want) {
				t.Fatalf("line of seq %d: %s", s, b.Lines[i])
			}
			seqs = append(seqs, s)
		}
	}
	return seqs, skipped
}

// TestReplayFromJournal: with the journal on disk, the replay ring lets go
// of the events the journal holds but its newest, and a subscriber from
// long ago reads them from the journal: every event, in order, once; the
// events the journal lost and the ring let go are said dropped.
func TestReplayFromJournal(t *testing.T) {
	const n = 25_000
	c := New(Options{HotConsole: 100})
	persisting(t, c, nil)
	for i := range n {
		logAt(t, c, "log", fmt.Sprint("message ", i), float64(i))
	}
	awaitCold(t, c, 100)
	c.mu.Lock()
	first := c.journal.first
	c.mu.Unlock()
	if first < n/2 { // about the newest hotEvents, and what came after the last flush
		t.Errorf("the ring holds from seq %d, want about the newest %d only", first, hotEvents)
	}
	seqs, skipped := replay(t, c, n)
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("event %d has seq %d", i, s)
		}
	}
	if len(seqs) != n || skipped != nil {
		t.Errorf("replayed %d events, skipped %v", len(seqs), skipped)
	}

	// Lost on disk, then gone from a small ring: said dropped.
	c = New(Options{HotConsole: 100, JournalSize: 2000})
	persisting(t, c, func(seq uint64) bool { return seq >= 5000 && seq < 5100 })
	for i := range n {
		logAt(t, c, "log", fmt.Sprint("message ", i), float64(i))
	}
	awaitCold(t, c, 100)
	seqs, skipped = replay(t, c, n)
	// The writer may fall behind so small a ring too: what it missed is
	// lost as well, and said.
	said, covered := 0, false
	for _, r := range skipped {
		said += int(r[1] - r[0] + 1)
		covered = covered || r[0] <= 5000 && r[1] >= 5099
	}
	if !covered || len(seqs)+said != n || !slices.IsSorted(seqs) {
		t.Errorf("replayed %d events, skipped %v; want all but ranges, one with 5000-5099", len(seqs), skipped)
	}
}
