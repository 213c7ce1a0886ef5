package capture

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// The tests of the caps and budgets feed the capture CDP events with huge
// strings, as a hostile page makes them, and check what it keeps, says and
// counts. They read the truncation markers and the counts through the JSON
// clients see.

// budgets sets the byte budgets of the stores and the journal.
func budgets(o Options, console, network, journal int64) Options {
	o.MaxConsoleBytes, o.MaxNetworkBytes, o.JournalBytes = console, network, journal
	return o
}

// jsonOf is v as a client sees it.
func jsonOf(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// truncatedOf returns the originalSizes member of a record, field ->
// size, after checking that truncated says true exactly when there are
// original sizes.
func truncatedOf(t *testing.T, v any) map[string]int {
	t.Helper()
	out := map[string]int{}
	m := jsonOf(t, v)
	tr, _ := m["originalSizes"].(map[string]any)
	if flag, _ := m["truncated"].(bool); flag != (tr != nil) {
		t.Errorf("truncated %v, originalSizes %v", m["truncated"], tr)
	}
	for k, v := range tr {
		out[k] = int(v.(float64))
	}
	return out
}

// droppedOf returns the dropped counts.
func droppedOf(t *testing.T, c *Capture) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for k, v := range jsonOf(t, c.State().Dropped) {
		out[k] = int64(v.(float64))
	}
	return out
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// frames makes n stack frames of function name at url.
func frames(n int, name, url string) []map[string]any {
	var fs []map[string]any
	for i := range n {
		fs = append(fs, map[string]any{"functionName": name, "scriptId": "1", "url": url, "lineNumber": i, "columnNumber": 2 * i})
	}
	return fs
}

// fullStack is a stack trace as it was formatted before the caps.
func fullStack(fs []map[string]any) string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, fmt.Sprintf("    at %s (%s:%d:%d)", f["functionName"], f["url"], f["lineNumber"].(int)+1, f["columnNumber"].(int)+1))
	}
	return strings.Join(lines, "\n")
}

// allEvents reads every event line retained.
func allEvents(t *testing.T, c *Capture) []string {
	t.Helper()
	since := uint64(0)
	sub, _ := c.Subscribe(&since)
	defer sub.Close()
	var lines []string
	for {
		b, err := sub.Next(context.Background(), 1000)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range b.Lines {
			lines = append(lines, string(l))
		}
		if b.LastSeq == c.State().LastSeq {
			return lines
		}
	}
}

// The console: errors from deep in a script with a 500 KB
// sourceURL (a 21 MB stack each), a message of 1 MB, an exception, and a
// browser log entry for a failed load of a 2 MB URL.
func TestConsoleStringsAreCapped(t *testing.T) {
	c := New(Options{Session: "s"})
	srcURL := "http://h/" + strings.Repeat("x", 500_000)
	deep := frames(41, "deep", srcURL)
	// A text of 2-byte characters, so that the cut falls inside one.
	text := "é" + strings.Repeat("é", 600_000)
	event(t, c, "Runtime.consoleAPICalled", mustJSON(map[string]any{
		"type": "error", "args": []any{map[string]any{"type": "string", "value": text}}, "executionContextId": 1, "timestamp": 1,
		"stackTrace": map[string]any{"callFrames": deep},
	}))
	many := frames(500, "f", "http://h/app.js")
	event(t, c, "Runtime.consoleAPICalled", mustJSON(map[string]any{
		"type": "trace", "args": []any{map[string]any{"type": "string", "value": "many frames"}}, "executionContextId": 1, "timestamp": 2,
		"stackTrace": map[string]any{"callFrames": many},
	}))
	event(t, c, "Runtime.exceptionThrown", mustJSON(map[string]any{"timestamp": 3, "exceptionDetails": map[string]any{
		"exceptionId": 1, "text": "Uncaught", "lineNumber": 0, "columnNumber": 0, "url": srcURL,
		"stackTrace": map[string]any{"callFrames": frames(3, strings.Repeat("n", 5000), srcURL)},
		"exception":  map[string]any{"type": "object", "subtype": "error", "className": "Error", "description": "Error: boom"},
	}}))
	longURL := "http://127.0.0.1:1/?" + strings.Repeat("u", 2_000_000)
	event(t, c, "Log.entryAdded", mustJSON(map[string]any{"entry": map[string]any{
		"source": "network", "level": "error", "text": "Failed to load resource: net::ERR_CONNECTION_REFUSED", "timestamp": 4, "url": longURL,
	}}))

	msgs, _, _ := c.Console(0, 0, nil)
	if len(msgs) != 4 {
		t.Fatalf("%d messages, want 4", len(msgs))
	}
	for i, m := range msgs {
		for name, s := range map[string]string{"text": m.Text, "url": m.URL, "stack": m.Stack} {
			if !utf8.ValidString(s) {
				t.Errorf("message %d: %s is not valid UTF-8", i, name)
			}
		}
		if len(m.Text) > 64<<10 || len(m.URL) > 8<<10 || len(m.Stack) > 16<<10 {
			t.Errorf("message %d over its caps: text %d, url %d, stack %d bytes", i, len(m.Text), len(m.URL), len(m.Stack))
		}
		for _, line := range strings.Split(m.Stack, "\n") {
			if len(line) > 2<<10+1<<10+64 {
				t.Errorf("message %d: a frame of %d bytes", i, len(line))
			}
		}
	}
	errMsg, trace, exc, entry := msgs[0], msgs[1], msgs[2], msgs[3]

	wantStack := fullStack(deep)
	if got, want := truncatedOf(t, errMsg), map[string]int{"text": len(text), "url": len(srcURL), "stack": len(wantStack)}; !mapsEqual(got, want) {
		t.Errorf("error message truncated %v, want %v", got, want)
	}
	if !strings.HasSuffix(errMsg.Text, "…") || !strings.HasPrefix(text, strings.TrimSuffix(errMsg.Text, "…")) {
		t.Errorf("text is not a prefix ending with …: %q...%q", errMsg.Text[:10], errMsg.Text[len(errMsg.Text)-10:])
	}
	if !strings.HasPrefix(srcURL, errMsg.URL) || len(errMsg.URL) != 8<<10 {
		t.Errorf("url: %d bytes, not the 8 KiB prefix", len(errMsg.URL))
	}
	if !strings.HasPrefix(errMsg.Stack, "    at deep (http://h/xxx") || !strings.HasSuffix(errMsg.Stack, "\n    …") {
		t.Errorf("stack does not show its frames and its cut: %q", errMsg.Stack[:40])
	}

	if n := strings.Count(trace.Stack, "    at f "); n != 100 || !strings.HasSuffix(trace.Stack, "\n    …") {
		t.Errorf("a trace of 500 frames kept %d (want 100) and ends %q", n, trace.Stack[len(trace.Stack)-20:])
	}
	if got := truncatedOf(t, trace); !mapsEqual(got, map[string]int{"stack": len(fullStack(many))}) {
		t.Errorf("trace truncated %v", got)
	}

	if got := truncatedOf(t, exc); got["url"] != len(srcURL) || got["stack"] == 0 {
		t.Errorf("exception truncated %v", got)
	}
	if strings.Contains(exc.Stack, strings.Repeat("n", 1025)) {
		t.Error("a function name of the exception's stack was not cut")
	}
	if got := truncatedOf(t, entry); !mapsEqual(got, map[string]int{"url": len(longURL)}) || entry.Text != "Failed to load resource: net::ERR_CONNECTION_REFUSED" {
		t.Errorf("log entry truncated %v, text %q", got, entry.Text)
	}

	d := droppedOf(t, c)
	wantBytes := int64(len(text)-len(errMsg.Text)) + int64(len(srcURL)-len(errMsg.URL)) + int64(len(wantStack)-len(errMsg.Stack)) +
		int64(len(fullStack(many))-len(trace.Stack)) + int64(len(longURL)-len(entry.URL))
	if d["truncated"] != 4 || d["bytes"] < wantBytes || d["console"] != 0 {
		t.Errorf("dropped %v, want truncated 4, bytes >= %d, console 0", d, wantBytes)
	}
	// The events carry the same capped records.
	for _, line := range allEvents(t, c) {
		if len(line) > 100<<10 || !json.Valid([]byte(line)) {
			t.Errorf("an event of %d bytes (valid JSON: %v)", len(line), json.Valid([]byte(line)))
		}
		if strings.HasPrefix(line, `{"jsonrpc":"2.0","method":"console/message"`) && !strings.Contains(line, `"truncated":true,"originalSizes":{`) {
			t.Errorf("an event without its truncated: %.200s", line)
		}
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// headersJSON makes a set of headers as Chrome sends it.
func headersJSON(pairs ...string) string {
	var b strings.Builder
	b.WriteByte('{')
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s:%s", mustJSON(pairs[i]), mustJSON(pairs[i+1]))
	}
	b.WriteByte('}')
	return b.String()
}

// checkHeaders checks a set of headers kept against the caps.
func checkHeaders(t *testing.T, what string, h protocol.Headers) {
	t.Helper()
	if len(h) == 0 {
		return
	}
	if !json.Valid(h) || !utf8.Valid(h) {
		t.Errorf("%s: not valid JSON", what)
		return
	}
	if len(h) > 64<<10 {
		t.Errorf("%s: %d bytes", what, len(h))
	}
	dec := json.NewDecoder(strings.NewReader(string(h)))
	members := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		if s, ok := tok.(string); ok {
			members++
			if len(s) > 8<<10 || strings.ContainsRune(s, utf8.RuneError) {
				t.Errorf("%s: a name or value of %d bytes (or broken: %v)", what, len(s), strings.ContainsRune(s, utf8.RuneError))
			}
		}
	}
	if members/2 > 200 {
		t.Errorf("%s: %d members", what, members/2)
	}
}

// The network: a 2 MB URL, a POST of 4 MiB, a header of 100 KB,
// 300 headers, a long method, status text, MIME type and error text.
func TestRequestStringsAreCapped(t *testing.T) {
	c := New(Options{Session: "s"})
	url := "http://127.0.0.1:8080/missing?" + strings.Repeat("ü", 1_000_000)
	var many []string
	for i := range 300 {
		many = append(many, fmt.Sprintf("X-Many-%d", i), strings.Repeat("m", 1000))
	}
	reqHeaders := headersJSON(append([]string{"X-Big", strings.Repeat("z", 100_000), "X-Esc", strings.Repeat("\"é\u2028\U0001F600", 3000)}, many...)...)
	post := strings.Repeat("p", 4<<20)
	method := strings.Repeat("M", 5000)
	event(t, c, "Network.requestWillBeSent", mustJSON(map[string]any{
		"requestId": "1", "timestamp": 1, "wallTime": 10, "type": "Fetch",
		"request": map[string]any{"url": url, "method": method, "headers": json.RawMessage(reqHeaders), "postData": post},
	}))
	respHeaders := headersJSON(many...)
	statusText, mime := strings.Repeat("s", 5000), "text/"+strings.Repeat("m", 5000)
	event(t, c, "Network.responseReceived", mustJSON(map[string]any{"requestId": "1", "type": "Fetch", "response": map[string]any{
		"url": url, "status": 404, "statusText": statusText, "headers": json.RawMessage(respHeaders), "mimeType": mime,
	}}))
	event(t, c, "Network.loadingFinished", `{"requestId":"1","timestamp":2,"encodedDataLength":10}`)
	errText := strings.Repeat("e", 5000)
	event(t, c, "Network.requestWillBeSent", mustJSON(map[string]any{
		"requestId": "2", "timestamp": 1, "wallTime": 10, "type": "Fetch",
		"request": map[string]any{"url": url, "method": "GET", "headers": map[string]string{}},
	}))
	event(t, c, "Network.loadingFailed", mustJSON(map[string]any{"requestId": "2", "timestamp": 3, "errorText": errText}))

	r, ok, _ := c.Request("1", true)
	if !ok {
		t.Fatal("request 1 missing")
	}
	if len(r.URL) > 8<<10 || !strings.HasPrefix(url, r.URL) || !utf8.ValidString(r.URL) {
		t.Errorf("url: %d bytes, not a valid prefix within 8 KiB", len(r.URL))
	}
	if len(r.Method) > 1<<10 || len(r.StatusText) > 1<<10 || len(r.MimeType) > 1<<10 {
		t.Errorf("method %d, status text %d, MIME type %d bytes", len(r.Method), len(r.StatusText), len(r.MimeType))
	}
	checkHeaders(t, "request headers", r.RequestHeaders)
	checkHeaders(t, "response headers", r.ResponseHeaders)
	if !strings.HasPrefix(string(r.RequestHeaders), `{"X-Big":"zzz`) || !strings.Contains(string(r.RequestHeaders), `"X-Many-0":"mmm`) {
		t.Errorf("request headers lost their order: %.60s", r.RequestHeaders)
	}
	if len(r.RequestBody) != 64<<10 || !strings.HasPrefix(post, r.RequestBody) {
		t.Errorf("network/get request body: %d bytes, want the 64 KiB prefix", len(r.RequestBody))
	}
	want := map[string]int{"url": len(url), "method": len(method), "requestHeaders": len(reqHeaders), "requestBody": len(post),
		"statusText": len(statusText), "mimeType": len(mime), "responseHeaders": len(respHeaders)}
	if got := truncatedOf(t, r); !mapsEqual(got, want) {
		t.Errorf("truncated %v, want %v", got, want)
	}
	if size := jsonOf(t, r)["requestBodySize"]; size != float64(len(post)) {
		t.Errorf("requestBodySize %v, want %d", size, len(post))
	}
	failed, _, _ := c.Request("2", false)
	if got := truncatedOf(t, failed); len(failed.ErrorText) > 1<<10 || got["errorText"] != len(errText) || got["url"] != len(url) {
		t.Errorf("failed request: error text %d bytes, truncated %v", len(failed.ErrorText), got)
	}
	if d := droppedOf(t, c); d["truncated"] != 2 || d["bytes"] < int64(len(post)+2*len(url)-64<<10-16<<10) {
		t.Errorf("dropped %v", d)
	}

	// The post data is in network/get and session.json, never in events.
	var events int
	for _, line := range allEvents(t, c) {
		events++
		var ev struct {
			Params struct {
				Request map[string]any `json:"request"`
			} `json:"params"`
		}
		_ = json.Unmarshal([]byte(line), &ev)
		if _, ok := ev.Params.Request["requestBody"]; ok || strings.Contains(line, "ppppp") {
			t.Errorf("an event carries the post data: %.200s", line)
		}
		if len(line) > 200<<10 {
			t.Errorf("an event of %d bytes", len(line))
		}
	}
	if events != 5 {
		t.Errorf("%d events, want 5", events)
	}
	snap := c.Snapshot()
	if len(snap.Network) != 2 || len(snap.Network[0].RequestBody) != 64<<10 {
		t.Errorf("session.json lacks the post data")
	}
}

// A redirect chain keeps its first 20 hops and counts the others; each hop
// is capped as a request is.
func TestRedirectChainIsCapped(t *testing.T) {
	c := New(Options{})
	long := "http://h/" + strings.Repeat("r", 100_000)
	event(t, c, "Network.requestWillBeSent", mustJSON(map[string]any{"requestId": "r", "timestamp": 1, "wallTime": 10, "type": "Document",
		"request": map[string]any{"url": long + "0", "method": "GET", "headers": map[string]string{}}}))
	for i := 1; i <= 30; i++ {
		event(t, c, "Network.requestWillBeSent", mustJSON(map[string]any{"requestId": "r", "timestamp": 1 + i, "wallTime": 10 + i, "type": "Document",
			"request": map[string]any{"url": fmt.Sprintf("%s%d", long, i), "method": "GET", "headers": map[string]string{}},
			"redirectResponse": map[string]any{"url": "x", "status": 302, "statusText": strings.Repeat("F", 5000),
				"headers": json.RawMessage(headersJSON("Location", strings.Repeat("l", 100_000)))}}))
	}
	r, _, _ := c.Request("r", false)
	if len(r.Redirects) != 20 {
		t.Errorf("%d hops kept, want 20", len(r.Redirects))
	}
	if got := truncatedOf(t, r); got["redirects"] != 30 || got["url"] != len(long)+2 {
		t.Errorf("truncated %v, want redirects 30, url %d", got, len(long)+2)
	}
	for i, hop := range r.Redirects {
		checkHeaders(t, "a hop's headers", hop.ResponseHeaders)
		got := truncatedOf(t, hop)
		if len(hop.URL) > 8<<10 || len(hop.StatusText) > 1<<10 || got["url"] != len(long)+len(fmt.Sprint(i)) || got["statusText"] != 5000 || got["responseHeaders"] == 0 {
			t.Errorf("hop %d: url %d, status text %d bytes, truncated %v", i, len(hop.URL), len(hop.StatusText), got)
		}
	}
	if d := droppedOf(t, c); d["truncated"] != 1 {
		t.Errorf("dropped %v, want the request counted once", d)
	}
}

// Post data counts in the budget of bodies, with the response bodies; over
// it, it is left out and counted; an evicted request gives its share back.
func TestPostDataCountsInTheBodyBudget(t *testing.T) {
	c := New(Options{BodyBudget: 100 << 10, MaxRequests: 2, FetchBody: func(context.Context, string, string) (string, bool, error) { return "", false, nil }})
	post := func(id string, n int) {
		event(t, c, "Network.requestWillBeSent", mustJSON(map[string]any{"requestId": id, "timestamp": 1, "wallTime": 10, "type": "Fetch",
			"request": map[string]any{"url": "http://h/" + id, "method": "POST", "headers": map[string]string{}, "postData": strings.Repeat("p", n)}}))
	}
	post("a", 60<<10)
	post("b", 60<<10) // over the budget: a holds 60 KiB of its 100
	a, _, _ := c.Request("a", false)
	b, _, _ := c.Request("b", false)
	if len(a.RequestBody) != 60<<10 || b.RequestBody != "" {
		t.Errorf("post data kept: a %d, b %d bytes; want 60 KiB and none", len(a.RequestBody), len(b.RequestBody))
	}
	if got := truncatedOf(t, b); !mapsEqual(got, map[string]int{"requestBody": 60 << 10}) {
		t.Errorf("b truncated %v", got)
	}
	if d := droppedOf(t, c); d["bodies"] != 1 || d["bytes"] != 60<<10 {
		t.Errorf("dropped %v, want bodies 1, bytes 60 KiB", d)
	}
	// A response body over what is left is over budget too.
	event(t, c, "Network.responseReceived", `{"requestId":"a","type":"Fetch","response":{"url":"http://h/a","status":200,"statusText":"OK","headers":{},"mimeType":"text/plain"}}`)
	c.finishBody("a", strings.Repeat("r", 50<<10), false, nil)
	if a, _, _ := c.Request("a", true); a.BodyOmitted != "over-budget" {
		t.Errorf("a's response body: omitted %q, want over-budget", a.BodyOmitted)
	}
	if d := droppedOf(t, c); d["bodies"] != 2 {
		t.Errorf("dropped %v, want bodies 2", d)
	}
	// Two more requests evict a and b: their bytes come back.
	post("c", 60<<10)
	post("d", 30<<10)
	if c1, _, _ := c.Request("c", false); len(c1.RequestBody) != 60<<10 {
		t.Errorf("c's post data: %d bytes, want 60 KiB (a's share given back)", len(c1.RequestBody))
	}
	if d1, _, _ := c.Request("d", false); len(d1.RequestBody) != 30<<10 {
		t.Errorf("d's post data: %d bytes, want 30 KiB", len(d1.RequestBody))
	}
}

// The stores hold a bounded number of bytes besides a bounded number of
// records: beyond them the oldest go, counted.
func TestStoresHaveByteBudgets(t *testing.T) {
	c := New(budgets(Options{}, 200<<10, 200<<10, 0))
	text := strings.Repeat("t", 10_000)
	for i := range 100 {
		event(t, c, "Runtime.consoleAPICalled", mustJSON(map[string]any{"type": "log", "executionContextId": 1, "timestamp": i,
			"args": []any{map[string]any{"type": "string", "value": fmt.Sprint(i, text)}}}))
		event(t, c, "Network.requestWillBeSent", mustJSON(map[string]any{"requestId": fmt.Sprint(i), "timestamp": 1, "wallTime": 10, "type": "Fetch",
			"request": map[string]any{"url": fmt.Sprintf("http://h/%d?%s", i, text), "method": "GET", "headers": map[string]string{}}}))
	}
	msgs, _, _ := c.Console(0, 0, nil)
	reqs, _, _ := c.Requests(0, 0, nil, true)
	held := 0
	for _, m := range msgs {
		held += len(m.Text)
	}
	if held > 200<<10 || len(msgs) < 10 || msgs[len(msgs)-1].Text != fmt.Sprint(99, text) {
		t.Errorf("console holds %d messages, %d bytes; want the newest within 200 KiB", len(msgs), held)
	}
	held = 0
	for _, r := range reqs {
		held += len(r.URL)
	}
	if held > 200<<10 || len(reqs) < 10 || reqs[len(reqs)-1].RequestID != "99" {
		t.Errorf("network holds %d requests, %d bytes; want the newest within 200 KiB", len(reqs), held)
	}
	d := droppedOf(t, c)
	if d["console"] != int64(100-len(msgs)) || d["network"] != int64(100-len(reqs)) || d["bytes"] < int64(10_000*(200-len(msgs)-len(reqs))) {
		t.Errorf("dropped %v; held %d messages and %d requests", d, len(msgs), len(reqs))
	}
	if st := c.State(); st.Counts.Console != len(msgs) || st.Counts.Network != len(reqs) {
		t.Errorf("counts %+v", st.Counts)
	}
}

// The journal holds a bounded number of bytes: a subscriber that asks for
// more than it holds is told what is gone.
func TestJournalHasAByteBudget(t *testing.T) {
	c := New(budgets(Options{Session: "s"}, 0, 0, 100<<10))
	for i := range 50 {
		event(t, c, "Runtime.consoleAPICalled", mustJSON(map[string]any{"type": "log", "executionContextId": 1, "timestamp": i,
			"args": []any{map[string]any{"type": "string", "value": strings.Repeat("j", 10_000)}}}))
	}
	lines := allEvents(t, c)
	if len(lines) == 0 || !strings.Contains(lines[0], `"method":"events/dropped"`) {
		t.Fatalf("no events/dropped first: %d lines", len(lines))
	}
	held := 0
	for _, l := range lines[1:] {
		held += len(l)
	}
	if held > 100<<10 || len(lines) < 5 {
		t.Errorf("the journal replays %d events of %d bytes; want the newest within 100 KiB", len(lines)-1, held)
	}
	if msgs, _, _ := c.Console(0, 0, nil); len(msgs) != 50 {
		t.Errorf("the console store holds %d, want all 50", len(msgs))
	}
}

// A navigation's URL is capped as a request's.
func TestNavigationURLIsCapped(t *testing.T) {
	c := New(Options{})
	c.SetMainFrame("MAIN")
	long := "http://h/?" + strings.Repeat("n", 2_000_000)
	event(t, c, "Page.frameStartedNavigating", mustJSON(map[string]any{"frameId": "MAIN", "url": long, "loaderId": "L", "navigationType": "differentDocument"}))
	event(t, c, "Page.frameNavigated", mustJSON(map[string]any{"frame": map[string]any{"id": "MAIN", "loaderId": "L", "url": long, "securityOrigin": "", "mimeType": "text/html"}, "type": "Navigation"}))
	navs := c.Snapshot().Navigations
	if len(navs) != 1 || len(navs[0].URL) > 8<<10 || !strings.HasPrefix(long, navs[0].URL) {
		t.Fatalf("navigations %d, url %d bytes", len(navs), len(navs[0].URL))
	}
	if got := truncatedOf(t, navs[0]); !mapsEqual(got, map[string]int{"url": len(long)}) {
		t.Errorf("truncated %v", got)
	}
	if d := droppedOf(t, c); d["truncated"] != 1 || d["bytes"] != int64(len(long)-len(navs[0].URL)) {
		t.Errorf("dropped %v", d)
	}
	for _, l := range allEvents(t, c) {
		if len(l) > 10<<10 {
			t.Errorf("an event of %d bytes", len(l))
		}
	}
}
