package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// TestColdRequests: a page that makes 3,000 fetches leaves most of them on
// disk (the worker holds the newest 1,000 settled requests in memory):
// every one is listed once, the oldest is found by id with its body, and
// session.json holds them all with their bodies.
func TestColdRequests(t *testing.T) {
	const n = 3000
	h := newHarness(t)
	w := h.start(h.options("cold", h.fx.URL(fmt.Sprintf("bench-load.html?n=%d", n))))
	h.subscribe(w.Dir, ptr(uint64(0))).awaitWithin("the load's end", wholePageLimit, consoleText("load done"))
	c := h.client(w.Dir)
	zero := 0
	list := call(h, c, protocol.NetworkList, protocol.NetworkListParams{ListParams: protocol.ListParams{Limit: &zero, Filter: "url:data.json"}})
	seen := map[string]string{}
	for _, r := range list.Items {
		if _, twice := seen[r.URL]; twice {
			t.Fatalf("%s listed twice", r.URL)
		}
		seen[r.URL] = r.RequestID
	}
	first := seen[h.fx.URL("data.json?i=0")]
	if len(seen) != n || list.Dropped != 0 || first == "" {
		t.Fatalf("listed %d of %d fetches (dropped %d); the first: %q", len(seen), n, list.Dropped, first)
	}
	get := call(h, c, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: first, Body: true})
	if get.Request.ResponseBody != `{"n":42}` || get.Request.Status != 200 {
		t.Errorf("the first fetch, from the disk: status %d, body %q", get.Request.Status, get.Request.ResponseBody)
	}
	if _, err := control.Stop(context.Background(), w.Dir); err != nil {
		t.Fatal(err)
	}
	<-w.Done()
	out := readOutput(t, w.Dir.File(session.OutputFile))
	bodies := 0
	for _, r := range out.Data.Network {
		if strings.Contains(r.URL, "data.json") && r.ResponseBody == `{"n":42}` {
			bodies++
		}
	}
	if bodies != n || out.Counts.Network != len(out.Data.Network) {
		t.Errorf("session.json: %d fetches with their body of %d; counts %d, %d requests", bodies, n, out.Counts.Network, len(out.Data.Network))
	}
}
