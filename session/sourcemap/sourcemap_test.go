package sourcemap

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// appMap maps app.js line 1 col 0 to src/app.ts 1:1 (name greet) and line
// 2 col 2 to src/app.ts 3:5.
const appMap = `{"version":3,"file":"app.js","sources":["src/app.ts"],"names":["greet"],"mappings":"AAAAA;EAEI"}`

func TestOriginal(t *testing.T) {
	m, err := Parse("http://localhost:5173/assets/app.js.map", []byte(appMap))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		line, col int
		want      Location
		ok        bool
	}{
		{0, 0, Location{Source: "http://localhost:5173/assets/src/app.ts", Line: 1, Column: 1, Name: "greet"}, true},
		{1, 2, Location{Source: "http://localhost:5173/assets/src/app.ts", Line: 3, Column: 5}, true},
		{1, 9, Location{Source: "http://localhost:5173/assets/src/app.ts", Line: 3, Column: 5}, true}, // past the last mapping of the line
		{7, 0, Location{}, false},
	} {
		got, ok := m.Original(c.line, c.col)
		if got != c.want || ok != c.ok {
			t.Errorf("Original(%d, %d) = %+v, %v; want %+v, %v", c.line, c.col, got, ok, c.want, c.ok)
		}
	}
	if _, err := Parse("x.map", []byte(`{"version":2}`)); err == nil {
		t.Error("a version 2 map: no error")
	}
	if _, err := Parse("x.map", []byte(`not json`)); err == nil {
		t.Error("not JSON: no error")
	}
}

func TestFindingTheMap(t *testing.T) {
	script := []byte("console.log(1)\n//# sourceMappingURL=old.js.map\nmore()\n//# sourceMappingURL=app.js.map\n")
	if got := CommentURL(script); got != "app.js.map" {
		t.Errorf("CommentURL = %q, want the last comment's", got)
	}
	if got := CommentURL([]byte("x()\n//@ sourceMappingURL=legacy.map")); got != "legacy.map" {
		t.Errorf("CommentURL of //@ = %q", got)
	}
	if got := CommentURL([]byte("x()")); got != "" {
		t.Errorf("CommentURL of a script without = %q", got)
	}
	if got := HeaderURL(map[string]string{"content-type": "text/javascript", "sourcemap": " /m.map "}); got != "/m.map" {
		t.Errorf("HeaderURL = %q", got)
	}
	if got := HeaderURL(map[string]string{"X-SourceMap": "x.map"}); got != "x.map" {
		t.Errorf("HeaderURL of X-SourceMap = %q", got)
	}
}

func TestLoad(t *testing.T) {
	ctx := context.Background()
	var asked []string
	fetch := func(_ context.Context, u string, max int) ([]byte, error) {
		asked = append(asked, u)
		if max <= MaxMapBytes {
			t.Errorf("fetch asked for at most %d bytes: it cannot tell a map that is too large", max)
		}
		if strings.HasSuffix(u, "/missing.map") {
			return nil, errors.New("404")
		}
		return []byte(appMap), nil
	}
	m, err := Load(ctx, "http://localhost:5173/assets/app.js?v=3", "app.js.map", fetch)
	if err != nil || m.URL() != "http://localhost:5173/assets/app.js.map" {
		t.Fatalf("Load relative: %v, %v (asked %q)", m, err, asked)
	}
	if _, err := Load(ctx, "http://localhost:5173/assets/app.js", "/maps/missing.map", fetch); err == nil || !strings.Contains(err.Error(), "http://localhost:5173/maps/missing.map") {
		t.Errorf("a map that cannot be fetched: %v", err)
	}
	inline := "data:application/json;charset=utf-8;base64," + base64.StdEncoding.EncodeToString([]byte(appMap))
	m, err = Load(ctx, "http://localhost:5173/src/app.ts", inline, nil)
	if err != nil {
		t.Fatal(err)
	}
	if loc, ok := m.Original(0, 0); !ok || loc.Source != "http://localhost:5173/src/src/app.ts" {
		t.Errorf("an inline map's source resolves against the script: %+v", loc)
	}
	if _, err := Load(ctx, "http://x/a.js", "data:application/json,"+url.PathEscape(appMap), nil); err != nil {
		t.Errorf("a percent-encoded inline map: %v", err)
	}
	for _, bad := range []string{"data:application/json;base64,!!!", "data:nocomma", ""} {
		if _, err := Load(ctx, "http://x/a.js", bad, nil); err == nil {
			t.Errorf("Load(%q): no error", bad)
		}
	}
	big := make([]byte, MaxMapBytes+1)
	if _, err := Parse("big.map", big); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a map over the bound: %v", err)
	}
}

// TestCache: one load for concurrent lookups of a script; a failure is
// remembered; the least recently used go past the budget.
func TestCache(t *testing.T) {
	ctx := context.Background()
	m, _ := Parse("a.map", []byte(appMap)) // len(appMap) bytes
	c := NewCache(3 * len(appMap))
	var loads atomic.Int32
	loader := func(context.Context) (*Map, error) { loads.Add(1); return m, nil }
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if got, err := c.Get(ctx, "http://x/a.js", loader); got != m || err != nil {
				t.Errorf("Get = %v, %v", got, err)
			}
		})
	}
	wg.Wait()
	if n := loads.Load(); n != 1 {
		t.Errorf("20 concurrent lookups loaded the map %d times, want 1", n)
	}
	failing := func(context.Context) (*Map, error) { loads.Add(1); return nil, errors.New("no map") }
	for range 3 {
		if _, err := c.Get(ctx, "http://x/nomap.js", failing); err == nil || err.Error() != "no map" {
			t.Errorf("a script without a map: %v", err)
		}
	}
	if n := loads.Load(); n != 2 {
		t.Errorf("a failure was tried %d times, want once", n-1)
	}
	for i := range 4 {
		_, _ = c.Get(ctx, fmt.Sprintf("http://x/%d.js", i), loader)
	}
	scripts, bytes, evicted := c.Stats()
	if bytes > 3*len(appMap) || evicted == 0 || scripts > 4 {
		t.Errorf("over the budget: %d scripts, %d bytes, %d evicted", scripts, bytes, evicted)
	}
	before := loads.Load()
	_, _ = c.Get(ctx, "http://x/a.js", loader) // the least recently used: evicted
	if loads.Load() != before+1 {
		t.Error("an evicted map was not loaded again")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = c.Get(cancelled, "http://x/late.js", func(ctx context.Context) (*Map, error) { return nil, ctx.Err() })
	if _, err := c.Get(ctx, "http://x/late.js", loader); err != nil {
		t.Errorf("a lookup cancelled before was remembered as a failure: %v", err)
	}
}
