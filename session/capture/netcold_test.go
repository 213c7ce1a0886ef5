package capture

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	disk "github.com/bdg-rpc/bdg-rpc/session/journal"
)

// coldStore gives c a blob store in a temporary directory.
func coldStore(t *testing.T, c *Capture) *disk.Blobs {
	t.Helper()
	b, err := disk.OpenBlobs(filepath.Join(t.TempDir(), "requests.blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	c.SetColdNetwork(b)
	return b
}

// TestColdNetwork: with a blob store, the settled requests past the
// newest HotRequests leave memory, passing over one still in flight; every
// request is still listed, in the order sent, once, both ways, with its
// bodies; found by id; counted by a filter; written to session.json's
// stream; and past MaxRequests the oldest go, counted.
func TestColdNetwork(t *testing.T) {
	c := New(Options{HotRequests: 10, MaxRequests: 2000})
	coldStore(t, c)
	// A request in flight from the start: it stays hot.
	event(t, c, "Network.requestWillBeSent", `{"requestId":"long","request":{"url":"http://h/long","method":"GET","headers":{}},"timestamp":1,"wallTime":1764100000,"type":"EventSource"}`)
	for i := range 1000 {
		requestEvents(t, c, fmt.Sprint("r", i), fmt.Sprintf("http://h/%d", i), "text/plain", 200+i%2*204)
	}
	c.mu.Lock()
	hot, cold := c.network.order.len(), c.ncold.refs.len()
	c.mu.Unlock()
	if hot > 10+coolBatch+1 || hot+cold != 1001 {
		t.Fatalf("%d hot and %d cold of 1001", hot, cold)
	}
	walk := func(desc bool, limit int) []string {
		var ids []string
		p := Page{Limit: limit, Desc: desc}
		for {
			res, err := c.NetworkList(Scope{}, nil, "", p, false)
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 1001 {
				t.Fatalf("total %d", res.Total)
			}
			for _, r := range res.Items {
				ids = append(ids, r.RequestID)
			}
			if res.NextCursor == "" {
				return ids
			}
			p.After, _ = protocol.ParseCursor(res.NextCursor)
		}
	}
	asc, desc := walk(false, 37), walk(true, 100)
	if len(asc) != 1001 || asc[0] != "long" || asc[1] != "r0" || asc[1000] != "r999" || len(desc) != 1001 || desc[0] != "r999" || desc[1000] != "long" {
		t.Fatalf("walked %d and %d: %v ... %v", len(asc), len(desc), asc[:3], desc[:3])
	}
	for i := 1; i < 1001; i++ {
		if asc[i] != fmt.Sprint("r", i-1) {
			t.Fatalf("request %d is %s", i, asc[i])
		}
	}
	r, ok, err := c.Request("r5", true)
	if err != nil || !ok || r.URL != "http://h/5" || r.Status != 404 || r.State != protocol.StateFinished {
		t.Errorf("r5: %+v %v %v", r, ok, err)
	}
	if _, ok, _ := c.Request("nope", false); ok {
		t.Error("an unknown id was found")
	}
	notFound, _ := ParseFilter("status-code:404")
	for range 2 { // the second from the count's cache
		res, err := c.NetworkList(Scope{}, notFound, "status-code:404", Page{Limit: 3}, false)
		if err != nil || res.Matched != 500 || res.Returned != 3 || res.Items[0].RequestID != "r1" {
			t.Errorf("404s: matched %d, returned %d, first %v: %v", res.Matched, res.Returned, res.Items, err)
		}
	}
	n := 0
	if err := c.NetworkRecords(func(*protocol.NetworkRequest) bool { n++; return true }); err != nil || n != 1001 {
		t.Errorf("NetworkRecords gave %d: %v", n, err)
	}
	if snap := c.Snapshot(); !snap.ColdNetwork || len(snap.Network) != hot || snap.Counts.Network != 1001 {
		t.Errorf("snapshot: cold %v, %d requests, counts %d", snap.ColdNetwork, len(snap.Network), snap.Counts.Network)
	}
	// Past MaxRequests: the oldest go, counted, and lists say so.
	for i := range 1500 {
		requestEvents(t, c, fmt.Sprint("s", i), fmt.Sprintf("http://h/s%d", i), "text/plain", 200)
	}
	res, err := c.NetworkList(Scope{}, nil, "", Page{Limit: 2}, false)
	if err != nil || res.Total != 2000 || res.Dropped != 501 || c.State().Dropped.Network != 501 || res.Items[0].RequestID != "long" || res.Items[1].RequestID != "r501" {
		t.Errorf("past the bound: total %d, dropped %d, first %v: %v", res.Total, res.Dropped, res.Items, err)
	}
}

// fullBlobs is a blob store whose disk fills after its first writes.
type fullBlobs struct {
	*disk.Blobs
	room int // appends that succeed
}

func (f *fullBlobs) Append(p []byte) (int64, error) {
	if f.room == 0 {
		return 0, errors.New("write requests.blobs: no space left on device")
	}
	f.room--
	return f.Blobs.Append(p)
}

// TestColdNetworkFullDisk: when the blob store's disk fills, the requests
// stay in memory (within the store's byte bound) and nothing is lost: every
// request is listed once, in order, with what went to the disk before; the
// error is logged once.
func TestColdNetworkFullDisk(t *testing.T) {
	var logged bytes.Buffer
	c := New(Options{HotRequests: 10, MaxRequests: 5000, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	b, err := disk.OpenBlobs(filepath.Join(t.TempDir(), "requests.blobs"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	c.SetColdNetwork(&fullBlobs{Blobs: b, room: 1})
	for i := range 1000 {
		requestEvents(t, c, fmt.Sprint("r", i), fmt.Sprintf("http://h/%d", i), "text/plain", 200)
	}
	c.mu.Lock()
	hot, cold := c.network.order.len(), c.ncold.refs.len()
	c.mu.Unlock()
	if cold != coolBatch || hot != 1000-coolBatch {
		t.Errorf("%d cold (one batch written before the disk filled), %d hot", cold, hot)
	}
	var ids []string
	if err := c.NetworkRecords(func(r *protocol.NetworkRequest) bool { ids = append(ids, r.RequestID); return true }); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if id != fmt.Sprint("r", i) {
			t.Fatalf("request %d is %s", i, id)
		}
	}
	if st := c.State(); len(ids) != 1000 || st.Counts.Network != 1000 || st.Dropped.Network != 0 {
		t.Errorf("%d requests written, counts %d, dropped %d", len(ids), st.Counts.Network, st.Dropped.Network)
	}
	if r, ok, err := c.Request("r3", true); !ok || err != nil || r.URL != "http://h/3" {
		t.Errorf("a request on the disk before it filled: %+v %v %v", r, ok, err)
	}
	if n := strings.Count(logged.String(), "no space left on device"); n != 1 {
		t.Errorf("the disk's error logged %d times:\n%s", n, logged.String())
	}
}
