package capture

import (
	"fmt"
	"sync"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// logAt logs one console message of the given type at ts (ms since the
// epoch).
func logAt(t *testing.T, c *Capture, typ string, text string, ts float64) {
	t.Helper()
	event(t, c, "Runtime.consoleAPICalled", fmt.Sprintf(`{"type":%q,"args":[{"type":"string","value":%q}],"executionContextId":1,"timestamp":%f}`, typ, text, ts))
}

// navigate starts and commits a navigation of the main frame.
func navigate(t *testing.T, c *Capture, n int) {
	t.Helper()
	loader, url := fmt.Sprint("L", n), fmt.Sprintf("http://h/%d", n)
	event(t, c, "Page.frameStartedNavigating", fmt.Sprintf(`{"frameId":"MAIN","url":%q,"loaderId":%q,"navigationType":"differentDocument"}`, url, loader))
	event(t, c, "Page.frameNavigated", fmt.Sprintf(`{"frame":{"id":"MAIN","loaderId":%q,"url":%q,"securityOrigin":"","mimeType":"text/html"},"type":"Navigation"}`, loader, url))
}

// must returns a list's result, failing the test on its error.
func must(t *testing.T) func(protocol.ConsoleListResult, error) protocol.ConsoleListResult {
	return func(res protocol.ConsoleListResult, err error) protocol.ConsoleListResult {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
}

// walkAll walks a console list by cursor, pages of size, and returns the
// seqs in the order walked.
func walkAll(t *testing.T, c *Capture, sc Scope, keep ConsoleFilter, desc bool, size int) []uint64 {
	t.Helper()
	var got []uint64
	p := Page{Desc: desc, Limit: size}
	for range 1_000_000 {
		res := must(t)(c.ConsoleList(sc, keep, "", p))
		if res.Returned != len(res.Items) || (size > 0 && res.Returned > size) {
			t.Fatalf("returned %d, %d items, limit %d", res.Returned, len(res.Items), size)
		}
		for _, m := range res.Items {
			got = append(got, m.Seq)
		}
		if res.NextCursor == "" {
			return got
		}
		after, err := protocol.ParseCursor(res.NextCursor)
		if err != nil {
			t.Fatal(err)
		}
		p.After = after
	}
	t.Fatal("the walk never ended")
	return nil
}

// TestCursorWalkWhileAppending: a walk by cursor, either way, while the
// page keeps logging, takes every message once, in order, none skipped:
// the messages it answers are consecutive, and a walk to the end after the
// logging stopped ends at the last.
func TestCursorWalkWhileAppending(t *testing.T) {
	c := New(Options{MaxConsole: 100_000})
	const n = 20_000
	for i := range 100 {
		logAt(t, c, "log", fmt.Sprint("before ", i), 1)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range n {
			if !c.HandleEvent("Runtime.consoleAPICalled", fmt.Appendf(nil, `{"type":"log","args":[{"type":"number","value":%d}],"executionContextId":1,"timestamp":2}`, i)) {
				panic("not handled")
			}
		}
	}()
	walks := [][]uint64{walkAll(t, c, Scope{}, nil, false, 37), walkAll(t, c, Scope{}, nil, true, 41)}
	wg.Wait()
	walks = append(walks, walkAll(t, c, Scope{}, nil, false, 0))
	for w, seqs := range walks {
		desc := w == 1
		if len(seqs) < 100 {
			t.Fatalf("walk %d took %d messages", w, len(seqs))
		}
		for i := 1; i < len(seqs); i++ {
			step := seqs[i] - seqs[i-1]
			if desc {
				step = seqs[i-1] - seqs[i]
			}
			if step != 1 {
				t.Fatalf("walk %d (desc %v): seq %d after %d", w, desc, seqs[i], seqs[i-1])
			}
		}
		if first := seqs[0]; (!desc && first != 1) || (desc && seqs[len(seqs)-1] != 1) {
			t.Errorf("walk %d does not reach the first message: %d..%d", w, first, seqs[len(seqs)-1])
		}
	}
	if last := walks[2][len(walks[2])-1]; last != c.State().LastSeq || len(walks[2]) != 100+n {
		t.Errorf("the last walk took %d messages up to seq %d, want %d up to %d", len(walks[2]), last, 100+n, c.State().LastSeq)
	}
}

// TestListDroppedInScope: with the store bounded, every list says how
// many of the messages in its scope were dropped, exactly for each
// dimension of the scope.
func TestListDroppedInScope(t *testing.T) {
	c := New(Options{MaxConsole: 100})
	c.SetMainFrame("MAIN")
	navigate(t, c, 1)
	for i := range 150 { // navigation 1: 100 logs, 50 errors, at 1000..1149
		typ := "log"
		if i%3 == 2 {
			typ = "error"
		}
		logAt(t, c, typ, fmt.Sprint("one ", i), float64(1000+i))
	}
	navigate(t, c, 2)
	for i := range 50 { // navigation 2: 50 warnings at 2000..2049
		logAt(t, c, "warning", fmt.Sprint("two ", i), float64(2000+i))
	}
	// The oldest 100 are gone: messages 0..99 of navigation 1, of which
	// 33 errors (i%3 == 2 below 100) and 67 logs, made at 1000..1099.
	for _, c2 := range []struct {
		name          string
		sc            Scope
		dropped, kept int
	}{
		{"all", Scope{}, 100, 100},
		{"errors", Scope{Levels: []string{protocol.LevelError}}, 33, 17},
		{"logs", Scope{Levels: []string{protocol.LevelLog}}, 67, 33},
		{"warnings", Scope{Levels: []string{protocol.LevelWarning}}, 0, 50},
		{"type error", Scope{Types: []string{"ERROR"}}, 33, 17},
		{"navigation 1", Scope{Navigation: 1}, 100, 50},
		{"navigation 2", Scope{Navigation: 2}, 0, 50},
		{"errors of navigation 2", Scope{Navigation: 2, Levels: []string{protocol.LevelError}}, 0, 0},
		{"since the drops", Scope{Since: 1100}, 0, 100},
		{"until the drops end", Scope{Until: 1050}, 100, 0}, // an upper bound: the span meets it
		{"the page", Scope{Target: protocol.TargetPage}, 100, 100},
		{"a worker", Scope{Target: protocol.TargetWorker}, 0, 0},
	} {
		res := must(t)(c.ConsoleList(c2.sc, nil, "", Page{Limit: 1}))
		if res.Dropped != c2.dropped || res.Matched != c2.kept || res.Total != 100 {
			t.Errorf("%s: dropped %d, matched %d of %d; want %d, %d of 100", c2.name, res.Dropped, res.Matched, res.Total, c2.dropped, c2.kept)
		}
		if more := c2.kept > 1; (res.NextCursor != "") != more {
			t.Errorf("%s: nextCursor %q with %d matching", c2.name, res.NextCursor, c2.kept)
		}
	}
	if st := c.State(); st.Dropped.Console != 100 {
		t.Errorf("status counts %d dropped, want 100", st.Dropped.Console)
	}
}

// TestListForms: the default limit, limit 0, desc order, the older
// last/offset form, the console filter, and requests by cursor.
func TestListForms(t *testing.T) {
	c := New(Options{MaxConsole: 5000})
	for i := range 2500 {
		logAt(t, c, "log", fmt.Sprint("message ", i), float64(i))
	}
	if res := must(t)(c.ConsoleList(Scope{}, nil, "", PageOf(protocol.ListParams{}))); res.Returned != protocol.DefaultListLimit ||
		res.Items[0].Seq != 1 || res.NextCursor != fmt.Sprint(protocol.DefaultListLimit) {
		t.Errorf("default: %d items from seq %d, next %q", res.Returned, res.Items[0].Seq, res.NextCursor)
	}
	zero := 0
	if res := must(t)(c.ConsoleList(Scope{}, nil, "", PageOf(protocol.ListParams{Limit: &zero}))); res.Returned != 2500 || res.NextCursor != "" {
		t.Errorf("limit 0: %d items, next %q", res.Returned, res.NextCursor)
	}
	three := 3
	res := must(t)(c.ConsoleList(Scope{}, nil, "", PageOf(protocol.ListParams{Limit: &three, Order: protocol.OrderDesc})))
	if res.Returned != 3 || res.Items[0].Seq != 2500 || res.Items[2].Seq != 2498 || res.NextCursor != "2498" {
		t.Errorf("desc: %+v", res.ListPage)
	}
	res = must(t)(c.ConsoleList(Scope{}, nil, "", PageOf(protocol.ListParams{LastParams: protocol.LastParams{Last: 3, Offset: 1}})))
	if res.Returned != 3 || res.Items[0].Seq != 2497 || res.Items[2].Seq != 2499 || res.NextCursor != "" {
		t.Errorf("last 3 offset 1: %d items from %d", res.Returned, res.Items[0].Seq)
	}
	keep, err := ParseConsoleFilter("MESSAGE -text:1 level:log")
	if err != nil {
		t.Fatal(err)
	}
	res = must(t)(c.ConsoleList(Scope{}, keep, "", Page{}))
	for _, m := range res.Items {
		if m.Text == "message 1" || m.Text == "message 10" {
			t.Fatalf("the filter kept %q", m.Text)
		}
	}
	if res.Matched == 0 || res.Matched >= 2500 {
		t.Errorf("the filter matched %d of 2500", res.Matched)
	}
	for _, bad := range []string{"level:loud", "target:tab", "url:"} {
		if _, err := ParseConsoleFilter(bad); err == nil {
			t.Errorf("filter %q parsed", bad)
		}
	}

	for i := range 30 {
		requestEvents(t, c, fmt.Sprint("r", i), fmt.Sprintf("http://h/%d", i), "text/plain", 200+i%2*204)
	}
	var ids []string
	p := Page{Limit: 4, Desc: true}
	for {
		res, _ := c.NetworkList(Scope{}, nil, "", p, false)
		for _, r := range res.Items {
			ids = append(ids, r.RequestID)
		}
		if res.NextCursor == "" {
			break
		}
		p.After, _ = protocol.ParseCursor(res.NextCursor)
	}
	if len(ids) != 30 || ids[0] != "r29" || ids[29] != "r0" {
		t.Errorf("requests walked newest first: %v", ids)
	}
	failed, _ := ParseFilter("status-code:404")
	if res, _ := c.NetworkList(Scope{Types: []string{"fetch"}}, failed, "is:failed", Page{}, false); res.Matched != 15 || res.Total != 30 {
		t.Errorf("404 fetches: matched %d of %d", res.Matched, res.Total)
	}
}
