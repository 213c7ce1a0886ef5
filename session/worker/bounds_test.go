package worker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// The bounds a hostile page must not get past.
const (
	// hostileRSSKB bounds the worker's resident memory all along the
	// session (before the caps: 2.4 GB).
	hostileRSSKB = 128 << 10
	// hostileOutputBytes bounds session.json (before: 1.3 GB). What the
	// page leaves within the caps: 176 messages (a 16 KiB stack and an
	// 8 KiB URL at most each), 134 requests (an 8 KiB URL each, 30 with
	// 64 KiB of post data, two with 64 KiB of headers): 4.6 MiB; 8 MiB
	// leaves room for the JSON around it.
	hostileOutputBytes = 8 << 20
	// hostileEventBytes bounds the events of one request (before: 12 MB
	// for a POST of 4 MiB, in each of its 3 events): each of its three
	// events carries the request as it stands, with at most 64 KiB of
	// request headers, 64 KiB of response headers and an 8 KiB URL.
	hostileEventBytes = 3 * (2*64 + 8 + 4) << 10
)

// hostileFetches is how many failed fetches of 2 MB URLs the test asks of
// the page: Chrome itself takes about a second of CPU for each (make
// stress runs the 100, in the command line's hostile round).
const hostileFetches = 10

// hostilePosts is how many POSTs of 4 MiB the test asks of the page (make
// stress runs the 30).
const hostilePosts = 10

// TestHostilePage runs a session on a page that does all of finding 1 of
// "The page and every client are untrusted" at once (testdata/fixtures/
// hostile.html): console errors whose stacks carry a 500 KB sourceURL in
// 4 frames, a message of 1 MB, failed fetches of 2 MB URLs, POSTs of
// 4 MiB, a header of 100 KB and 300 headers. The worker's memory,
// session.json and the events stay bounded; every string kept is within
// its cap, and says when it was cut.
func TestHostilePage(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("hostile", h.fx.URL("hostile.html?fetches="+strconv.Itoa(hostileFetches)+"&posts="+strconv.Itoa(hostilePosts))))
	pid := w.Handshake.PID

	var mu sync.Mutex
	peak := 0
	stop, sampled := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if m, err := sessiontest.ReadMem(pid); err == nil {
				mu.Lock()
				peak = max(peak, m.RSS)
				mu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()

	sub := h.subscribe(w.Dir, ptr(uint64(0)))
	start := time.Now()
	// Chrome takes most of a minute over the page, more under -race.
	notes := sub.awaitWithin("hostile done", 5*time.Minute, consoleText("hostile done"))
	took := time.Since(start)
	mem, err := sessiontest.ReadMem(pid)
	if err != nil {
		t.Fatal(err)
	}

	// The events: capped records, no post data, none large.
	eventBytes := map[string]int{} // by request id
	total := 0
	for _, n := range notes {
		total += len(n.Params)
		if !strings.HasPrefix(n.Method, "network/") {
			continue
		}
		var ev struct {
			Request map[string]json.RawMessage `json:"request"`
		}
		_ = json.Unmarshal(n.Params, &ev)
		if _, ok := ev.Request["requestBody"]; ok {
			t.Errorf("a %s event carries the post data (%d bytes)", n.Method, len(n.Params))
		}
		r := n.request()
		eventBytes[r.RequestID] += len(n.Params)
		checkRequest(t, "event "+n.Method, r)
	}
	for id, b := range eventBytes {
		if b > hostileEventBytes {
			t.Errorf("the events of request %s take %d bytes", id, b)
		}
	}

	c := h.client(w.Dir)
	list := call(h, c, protocol.NetworkList, protocol.NetworkListParams{})
	cons := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{})
	checkHostile(t, list.Items, cons.Items)
	var post protocol.NetworkRequest
	for _, r := range list.Items {
		if strings.Contains(r.URL, "post=") {
			post = r
		}
	}
	get := call(h, c, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: post.RequestID})
	if len(get.Request.RequestBody) != 64<<10 || get.Request.RequestBodySize != 4<<20 {
		t.Errorf("network/get of a POST: %d bytes of post data of %d, want 64 KiB of 4 MiB", len(get.Request.RequestBody), get.Request.RequestBodySize)
	}

	res, err := control.Stop(context.Background(), w.Dir)
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	<-sampled
	fi, err := os.Stat(res.OutputPath)
	if err != nil {
		t.Fatal(err)
	}
	out := readOutput(t, res.OutputPath)
	checkHostile(t, out.Data.Network, out.Data.Console)
	for _, nav := range out.Navigations {
		if len(nav.URL) > 8<<10 {
			t.Errorf("a navigation's URL of %d bytes", len(nav.URL))
		}
	}
	d := out.Dropped
	// Truncated: 40 errors, the 1 MB message, 2 exceptions, the failed
	// fetches and their log entries, 30 POSTs, 2 requests of headers; the
	// bytes cut, at least the post data and the URLs of the fetches.
	if want := 40 + 1 + 2 + 2*hostileFetches + hostilePosts + 2; d.Truncated < want ||
		d.Bytes < hostilePosts*(4<<20-64<<10)+2*hostileFetches*1_900_000 || d.Console != 0 || d.Network != 0 {
		t.Errorf("dropped %+v, want truncated >= %d, the bytes of the post data and URLs cut, nothing evicted", d, want)
	}

	mu.Lock()
	defer mu.Unlock()
	t.Logf("page done in %v; worker VmRSS %.1f MB then, peak sampled %.1f MB, VmHWM %.1f MB; events %.2f MB; session.json %.2f MB; %d requests, %d messages; dropped %+v",
		took.Round(time.Millisecond), float64(mem.RSS)/1024, float64(peak)/1024, float64(mem.HWM)/1024,
		float64(total)/(1<<20), float64(fi.Size())/(1<<20), len(out.Data.Network), len(out.Data.Console), d)
	if (peak > hostileRSSKB || mem.HWM > hostileRSSKB) && !raceEnabled {
		t.Errorf("the worker's RSS reached %d kB (VmHWM %d kB), over %d kB", peak, mem.HWM, hostileRSSKB)
	}
	if fi.Size() > hostileOutputBytes {
		t.Errorf("session.json is %d bytes, over %d", fi.Size(), hostileOutputBytes)
	}
}

// checkHostile checks what the hostile page left: every record within its
// caps, and the cuts said.
func checkHostile(t *testing.T, reqs []protocol.NetworkRequest, msgs []protocol.ConsoleMessage) {
	t.Helper()
	var errors, failed, posts, headers, big int
	for _, m := range msgs {
		if len(m.Text) > 64<<10 || len(m.URL) > 8<<10 || len(m.Stack) > 16<<10 {
			t.Errorf("a message over its caps: text %d, url %d, stack %d bytes", len(m.Text), len(m.URL), len(m.Stack))
		}
		tr := m.OriginalSizes
		if m.Truncated != (tr != nil) {
			t.Errorf("a message says truncated %v with original sizes %+v", m.Truncated, tr)
		}
		switch {
		case strings.HasPrefix(m.Text, "hostile error"):
			if tr == nil || tr.URL < 500_000 || tr.Stack < 4*500_000 || strings.Contains(m.Stack, strings.Repeat("x", 2<<10+1)) {
				t.Errorf("hostile error: truncated %+v", tr)
			}
			errors++
		case strings.HasPrefix(m.Text, "yyyy"):
			if tr == nil || tr.Text != 1<<20 || !strings.HasSuffix(m.Text, "…") {
				t.Errorf("the message of 1 MB: truncated %+v", tr)
			}
			big++
		}
	}
	for _, r := range reqs {
		checkRequest(t, "request", r)
		tr := r.OriginalSizes
		if r.Truncated != (tr != nil) {
			t.Errorf("a request says truncated %v with original sizes %+v", r.Truncated, tr)
		}
		switch {
		case strings.Contains(r.URL, "/refused?uuu"):
			if tr == nil || tr.URL < 1_900_000 || r.State != protocol.StateFailed {
				t.Errorf("a failed fetch of a 2 MB URL: state %s, truncated %+v", r.State, tr)
			}
			failed++
		case strings.Contains(r.URL, "post="):
			if tr == nil || tr.RequestBody != 4<<20 || r.RequestBodySize != 4<<20 || len(r.RequestBody) != 64<<10 {
				t.Errorf("a POST of 4 MiB: %d bytes of post data, size %d, truncated %+v", len(r.RequestBody), r.RequestBodySize, tr)
			}
			posts++
		case strings.Contains(r.URL, "header="):
			if tr == nil || tr.RequestHeaders < 100_000 {
				t.Errorf("%s: truncated %+v", r.URL, tr)
			}
			headers++
		}
	}
	if errors != 40 || big != 1 || failed != hostileFetches || posts != hostilePosts || headers != 2 {
		t.Errorf("found %d errors, %d big messages, %d failed fetches, %d POSTs, %d requests of headers; want 40, 1, %d, %d, 2",
			errors, big, failed, posts, headers, hostileFetches, hostilePosts)
	}
}

// checkRequest checks a request's strings against their caps.
func checkRequest(t *testing.T, what string, r protocol.NetworkRequest) {
	t.Helper()
	if len(r.URL) > 8<<10 || len(r.Method) > 1<<10 || len(r.StatusText) > 1<<10 || len(r.MimeType) > 1<<10 ||
		len(r.ErrorText) > 1<<10 || len(r.RequestBody) > 64<<10 || len(r.Redirects) > 20 {
		t.Errorf("%s over its caps: url %d, method %d, status text %d, MIME type %d, error text %d, post data %d bytes, %d hops",
			what, len(r.URL), len(r.Method), len(r.StatusText), len(r.MimeType), len(r.ErrorText), len(r.RequestBody), len(r.Redirects))
	}
	for _, h := range []protocol.Headers{r.RequestHeaders, r.ResponseHeaders} {
		var m map[string]string
		if len(h) == 0 {
			continue
		}
		if len(h) > 64<<10 || json.Unmarshal(h, &m) != nil || len(m) > 200 {
			t.Errorf("%s: headers of %d bytes, %d members", what, len(h), len(m))
		}
		for k, v := range m {
			if len(k) > 8<<10 || len(v) > 8<<10 {
				t.Errorf("%s: a header of %d + %d bytes", what, len(k), len(v))
			}
		}
	}
}

// TestLimits: the limits a session is started with (session/start's
// limits, --limit) replace the defaults: a cap on text and URLs, and the
// number of messages kept.
func TestLimits(t *testing.T) {
	h := newHarness(t)
	label := strings.Repeat("L", 300)
	opts := h.options("limits", h.fx.URL("console-burst.html?n=50&label="+label))
	opts.Limits = &protocol.Limits{Text: 100, URL: 200, Console: 10}
	w := h.start(opts)
	seen := 0 // the page logs 51 messages, the last one "LABEL done", cut
	h.subscribe(w.Dir, ptr(uint64(0))).await("51 messages", func(n note) bool {
		if n.Method == protocol.NotifyConsole {
			seen++
		}
		return seen == 51
	})
	c := h.client(w.Dir)
	cons := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{})
	if len(cons.Items) != 10 {
		t.Errorf("%d messages kept, want 10", len(cons.Items))
	}
	for _, m := range cons.Items {
		if len(m.Text) > 100 || !m.Truncated || m.OriginalSizes == nil || m.OriginalSizes.Text <= 300 {
			t.Errorf("a message of %d bytes, truncated %v %+v; want at most 100, cut from more than 300", len(m.Text), m.Truncated, m.OriginalSizes)
		}
	}
	list := call(h, c, protocol.NetworkList, protocol.NetworkListParams{})
	if len(list.Items) == 0 || len(list.Items[0].URL) != 200 || list.Items[0].OriginalSizes == nil ||
		list.Items[0].OriginalSizes.URL != len(h.fx.URL("console-burst.html?n=50&label="+label)) {
		t.Errorf("requests %+v: want the page's, its URL cut to 200 bytes", list.Items)
	}
	// Every list says what its scope lost: the 41 oldest, all logs.
	if cons.Dropped != 41 || cons.Total != 10 || cons.Matched != 10 {
		t.Errorf("console/list: %+v, want 10 of 10 and 41 dropped", cons.ListPage)
	}
	for level, want := range map[string]int{protocol.LevelLog: 41, protocol.LevelInfo: 0, protocol.LevelError: 0} {
		if got := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{Levels: []string{level}}).Dropped; got != want {
			t.Errorf("console/list of %s: %d dropped, want %d", level, got, want)
		}
	}
	st := call(h, c, protocol.Status, protocol.StatusParams{})
	if st.Dropped.Console != 41 || st.Dropped.Truncated < 51 {
		t.Errorf("dropped %+v, want 41 messages evicted and at least 51 records truncated", st.Dropped)
	}
}

// TestListWalk: a page's 2,501 messages come by cursor, 1,000 a page, each
// once and in order, either way; the default answer is the oldest 1,000.
func TestListWalk(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("walk", h.fx.URL("console-burst.html?n=2500")))
	h.subscribe(w.Dir, ptr(uint64(0))).await("the burst", func(n note) bool {
		return n.Method == protocol.NotifyConsole && strings.Contains(string(n.Params), "burst done")
	})
	c := h.client(w.Dir)
	first := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{})
	if first.Returned != protocol.DefaultListLimit || first.Matched != 2501 || first.NextCursor == "" {
		t.Fatalf("the first page: %+v", first.ListPage)
	}
	for _, order := range []string{protocol.OrderAsc, protocol.OrderDesc} {
		var texts []string
		cursor := ""
		for range 10 {
			res := call(h, c, protocol.ConsoleList, protocol.ConsoleListParams{ListParams: protocol.ListParams{Order: order, Cursor: cursor}})
			for _, m := range res.Items {
				texts = append(texts, m.Text)
			}
			if cursor = res.NextCursor; cursor == "" {
				break
			}
		}
		if len(texts) != 2501 {
			t.Fatalf("%s: %d messages walked, want 2501", order, len(texts))
		}
		if order == protocol.OrderDesc {
			slices.Reverse(texts)
		}
		for i, text := range texts[:2500] {
			if want := fmt.Sprint("burst ", i); text != want {
				t.Fatalf("%s: message %d is %q, want %q", order, i, text, want)
			}
		}
	}
	if _, err := rpc.Call(context.Background(), c.Conn, protocol.ConsoleList, protocol.ConsoleListParams{ListParams: protocol.ListParams{Cursor: "x"}}); protocol.AsError(err).Code != protocol.CodeInvalidParams {
		t.Errorf("a bad cursor: %v", err)
	}
}

// TestGzipPastTheBodyLimit: a compressed body that inflates past
// maxBodyBytes is "too-large", with its decoded size, rather than
// "unavailable" (Chrome no longer holds it when asked); one that inflates
// within the limit is kept whole.
func TestGzipPastTheBodyLimit(t *testing.T) {
	h := newHarness(t)
	opts := h.options("gzip", h.fx.URL("gzip.html"))
	opts.MaxBodyBytes = 2 << 20
	w := h.start(opts)
	finished := map[string]protocol.NetworkRequest{}
	h.subscribe(w.Dir, ptr(uint64(0))).await("both bodies", func(n note) bool {
		if n.Method == protocol.NotifyFinished || n.Method == protocol.NotifyFailed {
			if r := n.request(); strings.Contains(r.URL, "/gzip?") {
				finished[r.URL[strings.Index(r.URL, "/gzip?"):]] = r
			}
		}
		return len(finished) == 2
	})
	small, large := finished["/gzip?mb=1"], finished["/gzip?mb=6"]
	if small.BodyOmitted != "" || small.BodySize != 1<<20 || small.EncodedDataLength > 64<<10 {
		t.Errorf("1 MiB inflated: omitted %q, body size %d, encoded %d", small.BodyOmitted, small.BodySize, small.EncodedDataLength)
	}
	if large.BodyOmitted != "too-large" || large.BodySize != 6<<20 {
		t.Errorf("6 MiB inflated: omitted %q, body size %d; want too-large, 6 MiB", large.BodyOmitted, large.BodySize)
	}
	c := h.client(w.Dir)
	get := call(h, c, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: small.RequestID, Body: true})
	if len(get.Request.ResponseBody) != 1<<20 {
		t.Errorf("network/get: a body of %d bytes, want 1 MiB", len(get.Request.ResponseBody))
	}
}

// TestCookies: the Cookie a request sent and the Set-Cookie its response
// carried are captured (Chrome reports them only in its ExtraInfo events),
// live as they are, and redacted in session.json by default.
func TestCookies(t *testing.T) {
	h := newHarness(t)
	w := h.start(h.options("cookies", h.fx.URL("cookies.html")))
	h.subscribe(w.Dir, ptr(uint64(0))).await("cookies done", consoleText("cookies done"))
	c := h.client(w.Dir)
	headers := func(reqs []protocol.NetworkRequest, path string) (req, resp map[string]string) {
		for _, r := range reqs {
			if strings.Contains(r.URL, path) {
				_ = json.Unmarshal(r.RequestHeaders, &req)
				_ = json.Unmarshal(r.ResponseHeaders, &resp)
			}
		}
		return req, resp
	}
	header := func(h map[string]string, name string) string {
		for k, v := range h {
			if strings.EqualFold(k, name) {
				return v
			}
		}
		return ""
	}
	list := call(h, c, protocol.NetworkList, protocol.NetworkListParams{})
	_, setResp := headers(list.Items, "/set-cookie")
	if got := header(setResp, "Set-Cookie"); got != "flavor=oat; Path=/" {
		t.Errorf("live: Set-Cookie %q in %v", got, setResp)
	}
	dataReq, _ := headers(list.Items, "with=cookies")
	if got := header(dataReq, "Cookie"); !strings.Contains(got, "sid=abc123") || !strings.Contains(got, "flavor=oat") {
		t.Errorf("live: Cookie %q in %v", got, dataReq)
	}

	res, err := control.Stop(context.Background(), w.Dir)
	if err != nil {
		t.Fatal(err)
	}
	out := readOutput(t, res.OutputPath)
	_, setResp = headers(out.Data.Network, "/set-cookie")
	dataReq, _ = headers(out.Data.Network, "with=cookies")
	if header(setResp, "Set-Cookie") != "[redacted]" || header(dataReq, "Cookie") != "[redacted]" {
		t.Errorf("session.json: Set-Cookie %q, Cookie %q; want both redacted", header(setResp, "Set-Cookie"), header(dataReq, "Cookie"))
	}
}

// TestNoBodies: maxBodyBytes -1 (--max-body-size 0) starts a session that
// keeps no response bodies.
func TestNoBodies(t *testing.T) {
	h := newHarness(t)
	opts := h.options("nobodies", h.fx.URL("everything.html"))
	opts.MaxBodyBytes = -1
	w := h.start(opts)
	h.subscribe(w.Dir, ptr(uint64(0))).await("everything done", consoleText("everything done"))
	c := h.client(w.Dir)
	list := call(h, c, protocol.NetworkList, protocol.NetworkListParams{Bodies: true})
	found := false
	for _, r := range list.Items {
		if strings.HasSuffix(r.URL, "/data.json") {
			found = true
			if r.State != protocol.StateFinished || r.ResponseBody != "" || r.BodySize != 0 {
				t.Errorf("data.json: state %s, body %q (%d bytes)", r.State, r.ResponseBody, r.BodySize)
			}
		}
	}
	if !found {
		t.Errorf("no data.json among %d requests", len(list.Items))
	}
}
