package capture

import (
	"math"
	"mime"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// The CDP Network events, decoded into only what bdg-rpc keeps, rather than
// into cdproto's network types: those decode headers into a map, which
// loses the order Chrome sent them in and must be encoded again, while here
// they stay the JSON text Chrome sent, kept and passed to clients as it is.
// Measured on a typical Network.requestWillBeSent: 2.2 µs and 2 allocations
// (256 B) against cdproto's 3.7 µs and 13 (952 B).
type cdpRequest struct {
	URL         string       `json:"url"`
	URLFragment string       `json:"urlFragment"`
	Method      string       `json:"method"`
	Headers     jsonv2.Value `json:"headers"`
	PostData    string       `json:"postData"`
}

type cdpResponse struct {
	URL               string       `json:"url"`
	Status            int          `json:"status"`
	StatusText        string       `json:"statusText"`
	Headers           jsonv2.Value `json:"headers"`
	MimeType          string       `json:"mimeType"`
	RemoteIPAddress   string       `json:"remoteIPAddress"`
	RemotePort        int          `json:"remotePort"`
	FromDiskCache     bool         `json:"fromDiskCache"`
	FromServiceWorker bool         `json:"fromServiceWorker"`
	FromPrefetchCache bool         `json:"fromPrefetchCache"`
	Protocol          string       `json:"protocol"`
	Timing            *cdpTiming   `json:"timing"`
}

// cdpTiming is what the capture reads of Network.ResourceTiming: a base
// (monotonic seconds) and the phases' ends in ms after it, -1 where a
// phase did not happen.
type cdpTiming struct {
	RequestTime       float64 `json:"requestTime"`
	DNSStart          float64 `json:"dnsStart"`
	DNSEnd            float64 `json:"dnsEnd"`
	ConnectStart      float64 `json:"connectStart"`
	ConnectEnd        float64 `json:"connectEnd"`
	SSLStart          float64 `json:"sslStart"`
	SSLEnd            float64 `json:"sslEnd"`
	SendStart         float64 `json:"sendStart"`
	SendEnd           float64 `json:"sendEnd"`
	ReceiveHeadersEnd float64 `json:"receiveHeadersEnd"`
}

// timing splits a request's time into its phases, as DevTools' HAR
// export does, from the response's timing and the request's start
// (monotonic seconds). It also returns when the headers came (monotonic
// seconds), from which the receiving is timed when the request finishes.
func timing(t *cdpTiming, startMono float64) (*protocol.Timing, float64) {
	if t == nil || t.RequestTime <= 0 {
		return nil, 0
	}
	phase := func(from, to float64) float64 {
		if from < 0 || to < from {
			return -1
		}
		return ms(to - from)
	}
	out := &protocol.Timing{
		DNS: phase(t.DNSStart, t.DNSEnd), Connect: phase(t.ConnectStart, t.ConnectEnd), SSL: phase(t.SSLStart, t.SSLEnd),
		Send: phase(t.SendStart, t.SendEnd), Wait: phase(t.SendEnd, t.ReceiveHeadersEnd), Receive: -1,
	}
	blocked := 0.0
	if startMono > 0 && t.RequestTime > startMono {
		blocked = (t.RequestTime - startMono) * 1000
	}
	for _, first := range []float64{t.DNSStart, t.ConnectStart, t.SendStart} {
		if first >= 0 {
			blocked += first
			break
		}
	}
	out.Blocked = ms(blocked)
	return out, t.RequestTime + max(t.ReceiveHeadersEnd, 0)/1000
}

// ms rounds a time in ms to the microsecond.
func ms(v float64) float64 { return math.Round(v*1000) / 1000 }

type evRequestWillBeSent struct {
	RequestID        string       `json:"requestId"`
	Request          cdpRequest   `json:"request"`
	Timestamp        float64      `json:"timestamp"` // monotonic seconds
	WallTime         float64      `json:"wallTime"`  // seconds since the epoch
	RedirectResponse *cdpResponse `json:"redirectResponse"`
	Type             string       `json:"type"`
	FrameID          string       `json:"frameId"`
	Initiator        cdpInitiator `json:"initiator"`
}

// cdpInitiator is what the capture reads of Network.Initiator: where the
// request was made.
type cdpInitiator struct {
	Type         string    `json:"type"`
	URL          string    `json:"url"`
	LineNumber   *float64  `json:"lineNumber"`   // 0-based
	ColumnNumber *float64  `json:"columnNumber"` // 0-based
	Stack        *cdpStack `json:"stack"`
}

type cdpStack struct {
	CallFrames []struct {
		URL          string `json:"url"`
		LineNumber   int    `json:"lineNumber"`   // 0-based
		ColumnNumber int    `json:"columnNumber"` // 0-based
	} `json:"callFrames"`
	Parent *cdpStack `json:"parent"`
}

// initiator returns the record's initiator: its type, and where, the URL
// cut to the cap of a stack frame's.
func (k *cutter) initiator(in *cdpInitiator) *protocol.Initiator {
	if in.Type == "" {
		return nil
	}
	r := &protocol.Initiator{Type: k.str(in.Type, k.caps.Field, new(int))}
	for st, depth := in.Stack, 0; st != nil && depth < 32; st, depth = st.Parent, depth+1 {
		if len(st.CallFrames) > 0 {
			f := st.CallFrames[0]
			r.URL, r.Line, r.Column = f.URL, f.LineNumber+1, f.ColumnNumber+1
			break
		}
	}
	if r.URL == "" && in.URL != "" {
		r.URL = in.URL
		if in.LineNumber != nil {
			r.Line = int(*in.LineNumber) + 1
			if in.ColumnNumber != nil {
				r.Column = int(*in.ColumnNumber) + 1
			}
		}
	}
	r.URL = k.str(r.URL, k.caps.FrameURL, new(int))
	return r
}

type evResponseReceived struct {
	RequestID string      `json:"requestId"`
	Type      string      `json:"type"`
	Response  cdpResponse `json:"response"`
}

type evLoadingFinished struct {
	RequestID         string  `json:"requestId"`
	Timestamp         float64 `json:"timestamp"`
	EncodedDataLength float64 `json:"encodedDataLength"`
}

type evDataReceived struct {
	RequestID  string `json:"requestId"`
	DataLength int64  `json:"dataLength"` // decoded bytes
}

type evLoadingFailed struct {
	RequestID     string  `json:"requestId"`
	Timestamp     float64 `json:"timestamp"`
	ErrorText     string  `json:"errorText"`
	Canceled      bool    `json:"canceled"`
	BlockedReason string  `json:"blockedReason"`
}

type evServedFromCache struct {
	RequestID string `json:"requestId"`
}

// slot is a request's place in the store; rec is replaced, never changed.
// The bodies live here, beside the record, and not in it: the events that
// carry the record never carry them, and an evicted request's bodies go at
// once, even while events in the journal still hold its record.
type slot struct {
	rec       *protocol.NetworkRequest
	startMono float64 // monotonic seconds when sent, for durations
	// hopMono is when its last redirect's hop was sent, and headersMono
	// when the response's headers came (monotonic seconds), for its
	// timing: the phases of its last hop.
	hopMono     float64
	headersMono float64
	size        int64  // requestSize(rec), counted in networkBytes
	reqBody     string // the post data kept
	respBody    string // the response body kept
	bodyBytes   int64  // bytes of the bodies counted against the budget
	truncated   bool   // counted in dropped.truncated
	decoded     int64  // body bytes received, decoded (Network.dataReceived)
	ord         uint64 // its place in the order requests were sent: a list's cursor
	// A WebSocket's newest frames, an EventSource's newest messages
	// (websocket.go), counted in bodyBytes.
	frames   []*protocol.WebSocketFrame
	messages []*protocol.EventSourceMessage
}

// networkStore keeps the newest requests, in the order they were sent.
type networkStore struct {
	byID  map[string]*slot
	order ring[*slot]
}

func newNetworkStore(max int) networkStore {
	return networkStore{byID: map[string]*slot{}, order: newRing[*slot](max)}
}

// cutterFor returns a cutter for a new version of a request, starting from
// what was cut before.
func (c *Capture) cutterFor(t *protocol.OriginalSizes) cutter {
	k := cutter{caps: &c.opts.Caps}
	if t != nil {
		k.t = *t
	}
	return k
}

// noteCuts counts what k cut from a request: its bytes, and the request
// once in dropped.truncated.
func (c *Capture) noteCuts(s *slot, k *cutter) {
	if k.bytes == 0 {
		return
	}
	c.dropped.Bytes += k.bytes
	if !s.truncated {
		s.truncated = true
		c.dropped.Truncated++
	}
}

func (c *Capture) onRequestWillBeSent(ev *evRequestWillBeSent) {
	url := ev.Request.URL + ev.Request.URLFragment
	if s, ok := c.network.byID[ev.RequestID]; ok && ev.RedirectResponse != nil {
		if e := c.extra[ev.RequestID]; e != nil {
			e.response = nil // the redirect's: its hop keeps the headers it has
		}
		c.onRedirect(s, ev, url)
		return
	}
	if !c.opts.IncludeAll && IsTracking(url) {
		c.filtered[ev.RequestID] = struct{}{}
		c.dropped.Filtered++
		return
	}
	k := cutter{caps: &c.opts.Caps}
	r := &protocol.NetworkRequest{
		RequestID: ev.RequestID, URL: k.str(url, k.caps.URL, &k.t.URL), Method: k.str(ev.Request.Method, k.caps.Field, &k.t.Method),
		ResourceType: ev.Type, Timestamp: ev.WallTime * 1000, NavigationID: c.navID(), State: protocol.StatePending,
		RequestHeaders: k.headers(ev.Request.Headers, &k.t.RequestHeaders),
		Target:         c.src.Target, FrameID: k.str(ev.FrameID, k.caps.Field, new(int)),
		Initiator: k.initiator(&ev.Initiator),
	}
	s := &slot{rec: r, startMono: ev.Timestamp}
	if old, ok := c.network.byID[ev.RequestID]; ok { // a reused id: keep the newest
		c.releaseBody(old)
	}
	c.pushRequest(s)
	// After the eviction, which may give bytes back to the budget.
	if body := ev.Request.PostData; body != "" {
		r.RequestBodySize = len(body)
		c.keepPostData(s, &k, body)
	}
	r.Truncated, r.OriginalSizes = k.truncated()
	c.noteCuts(s, &k)
	c.takeEarly(s, false)
	if t := c.src.Target; t != nil && t.Type == protocol.TargetServiceWorker {
		c.linkServiceWorkerFetch(s)
	}
	c.update(s, s.rec, protocol.NotifyRequest)
}

// swLinkWindow is how many of the newest requests a service worker's fetch
// looks through for the page's request it answers.
const swLinkWindow = 64

// linkServiceWorkerFetch links a fetch that a service worker makes to the
// newest pending request of another target to the same URL and method,
// which it is taken to answer.
func (c *Capture) linkServiceWorkerFetch(s *slot) {
	r := s.rec
	p := c.recentRequest(s, func(pr *protocol.NetworkRequest) bool {
		// Pending; or answered by a service worker already, when the
		// worker's own request comes late (events of two targets race).
		waiting := pr.State == protocol.StatePending || pr.FromServiceWorker
		return pr.URL == r.URL && pr.Method == r.Method && pr.ServiceWorkerRequestID == "" && waiting &&
			(pr.Target == nil || pr.Target.Type != protocol.TargetServiceWorker)
	})
	if p == nil {
		return
	}
	linked := *p.rec
	linked.ServiceWorkerRequestID = r.RequestID
	c.relink(p, &linked)
	r.ForRequestID = linked.RequestID
}

// linkAnsweredRequest links a request that a service worker answered to
// the worker's own fetch of the same URL and method, when that fetch came
// first: the events of two targets race, so the worker's request can be
// seen before the page's.
func (c *Capture) linkAnsweredRequest(s *slot, r *protocol.NetworkRequest) {
	if t := r.Target; t != nil && t.Type == protocol.TargetServiceWorker {
		return
	}
	p := c.recentRequest(s, func(sr *protocol.NetworkRequest) bool {
		return sr.URL == r.URL && sr.Method == r.Method && sr.ForRequestID == "" &&
			sr.Target != nil && sr.Target.Type == protocol.TargetServiceWorker
	})
	if p == nil {
		return
	}
	linked := *p.rec
	linked.ForRequestID = r.RequestID
	c.relink(p, &linked)
	r.ServiceWorkerRequestID = linked.RequestID
}

// recentRequest returns the newest request that match selects among the
// newest swLinkWindow+1 of the store, s excepted; nil: none.
func (c *Capture) recentRequest(s *slot, match func(*protocol.NetworkRequest) bool) *slot {
	n := c.network.order.len()
	for i := n - 1; i >= 0 && i >= n-1-swLinkWindow; i-- {
		if p := c.network.order.at(i); p != s && match(p.rec) {
			return p
		}
	}
	return nil
}

// relink stores the version of a request that links it to its service
// worker's fetch, or the fetch to its request. One still under way needs
// no event of its own (its next one shows the link); one whose last event
// has been sent is sent again, so that clients see the link.
func (c *Capture) relink(s *slot, r *protocol.NetworkRequest) {
	c.replace(s, r) // the event under way trims the store
	switch r.State {
	case protocol.StateFinished:
		r.Seq = c.journal.append(protocol.NotifyFinished, r, s.size)
	case protocol.StateFailed:
		r.Seq = c.journal.append(protocol.NotifyFailed, r, s.size)
	}
}

// keepPostData keeps a request's post data in its slot, cut to its cap,
// if the budget of bodies has room for it; if not, it is left out, and
// counted in dropped.bodies.
func (c *Capture) keepPostData(s *slot, k *cutter, body string) {
	body = k.str(body, min(k.caps.PostData, c.opts.MaxBodyBytes), &k.t.RequestBody)
	if c.bodyBytes+int64(len(body)) > c.opts.BodyBudget {
		k.t.RequestBody = s.rec.RequestBodySize
		k.bytes += int64(len(body))
		c.dropped.Bodies++
		return
	}
	s.reqBody = body
	s.bodyBytes += int64(len(body))
	c.bodyBytes += int64(len(body))
}

// onRedirect records a redirect: the request as it stood becomes a hop
// (the first Caps.Redirects hops are kept, the others counted), and the
// request goes on to the new URL.
func (c *Capture) onRedirect(s *slot, ev *evRequestWillBeSent, url string) {
	old := s.rec
	r := *old
	k := cutter{caps: &c.opts.Caps}
	hops := len(r.Redirects) + 1 // with this one
	if old.OriginalSizes != nil {
		k.t.RequestBody = old.OriginalSizes.RequestBody // the post data stays
		hops = max(hops, old.OriginalSizes.Redirects+1)
	}
	resp := ev.RedirectResponse
	if len(r.Redirects) < k.caps.Redirects {
		hk := cutter{caps: k.caps}
		if old.OriginalSizes != nil {
			hk.t.URL = old.OriginalSizes.URL // already cut, and counted
		}
		hop := protocol.Redirect{
			URL: r.URL, Status: resp.Status, StatusText: hk.str(resp.StatusText, k.caps.Field, &hk.t.StatusText),
			ResponseHeaders: hk.headers(resp.Headers, &hk.t.ResponseHeaders), Timestamp: r.Timestamp,
		}
		hop.Truncated, hop.OriginalSizes = hk.truncated()
		r.Redirects = append(slices.Clip(r.Redirects), hop)
		k.bytes += hk.bytes
	} else {
		k.t.Redirects = hops
		k.bytes += redirectOverhead + int64(len(r.URL)+len(resp.StatusText)+len(resp.Headers))
	}
	r.URL, r.Method = k.str(url, k.caps.URL, &k.t.URL), k.str(ev.Request.Method, k.caps.Field, &k.t.Method)
	r.RequestHeaders = k.headers(ev.Request.Headers, &k.t.RequestHeaders)
	r.Timestamp = ev.WallTime * 1000
	r.State = protocol.StatePending
	r.Status, r.StatusText, r.MimeType, r.ResponseHeaders, r.Protocol, r.RemoteAddress, r.FromCache = 0, "", "", nil, "", "", false
	r.Timing, s.headersMono, s.hopMono = nil, 0, ev.Timestamp
	r.Truncated, r.OriginalSizes = k.truncated()
	c.noteCuts(s, &k)
	c.update(s, &r, protocol.NotifyRequest)
}

func (c *Capture) onResponseReceived(ev *evResponseReceived) {
	s, ok := c.network.byID[ev.RequestID]
	if !ok {
		return
	}
	r := *s.rec
	resp := &ev.Response
	k := c.cutterFor(r.OriginalSizes)
	r.Status = resp.Status
	r.StatusText = k.str(resp.StatusText, k.caps.Field, &k.t.StatusText)
	r.MimeType = k.str(resp.MimeType, k.caps.Field, &k.t.MimeType)
	r.ResponseHeaders = k.headers(resp.Headers, &k.t.ResponseHeaders)
	r.Protocol = resp.Protocol
	r.Timing, s.headersMono = timing(resp.Timing, max(s.startMono, s.hopMono))
	if resp.RemoteIPAddress != "" {
		r.RemoteAddress = net.JoinHostPort(strings.Trim(resp.RemoteIPAddress, "[]"), strconv.Itoa(resp.RemotePort))
	}
	r.FromCache = r.FromCache || resp.FromDiskCache || resp.FromPrefetchCache
	r.FromServiceWorker = r.FromServiceWorker || resp.FromServiceWorker
	if resp.FromServiceWorker && r.ServiceWorkerRequestID == "" {
		c.linkAnsweredRequest(s, &r)
	}
	if r.ResourceType == "" {
		r.ResourceType = ev.Type
	}
	r.State = protocol.StateResponded
	if k.bytes > 0 {
		r.Truncated, r.OriginalSizes = k.truncated()
		c.noteCuts(s, &k)
	}
	s.rec = &r
	c.takeEarly(s, true)
	c.update(s, s.rec, protocol.NotifyResponse)
}

func (c *Capture) onServedFromCache(ev *evServedFromCache) {
	if s, ok := c.network.byID[ev.RequestID]; ok && !s.rec.FromCache {
		r := *s.rec
		r.FromCache = true
		s.rec = &r // no event of its own: the response event will show it
	}
}

// ending returns the slot of a request whose last event has come, and
// forgets a request that was filtered out.
func (c *Capture) ending(id string) (*slot, bool) {
	delete(c.extra, id)
	if _, ok := c.filtered[id]; ok {
		delete(c.filtered, id)
		return nil, false
	}
	s, ok := c.network.byID[id]
	return s, ok
}

// onDataReceived counts the body's decoded bytes: a compressed body can
// inflate far past its encoded length, and past what Chrome keeps for
// Network.getResponseBody.
func (c *Capture) onDataReceived(ev *evDataReceived) {
	if s, ok := c.network.byID[ev.RequestID]; ok {
		s.decoded += ev.DataLength
	}
}

func (c *Capture) onLoadingFinished(ev *evLoadingFinished) {
	s, ok := c.ending(ev.RequestID)
	if !ok {
		return
	}
	r := *s.rec
	r.EncodedDataLength = int64(ev.EncodedDataLength)
	r.Duration = max(0, (ev.Timestamp-s.startMono)*1000)
	receiving(&r, s, ev.Timestamp)
	why := c.bodyWanted(&r)
	if why == "" && s.decoded > int64(c.opts.MaxBodyBytes) {
		why, r.BodySize = "too-large", int(s.decoded)
	}
	if why != "" {
		r.BodyOmitted = why
		if why == omitNone {
			r.BodyOmitted = ""
		}
		r.State = protocol.StateFinished
		c.update(s, &r, protocol.NotifyFinished)
		return
	}
	// The finished event waits for the body, so that a client that sees it
	// can ask for the body at once.
	s.rec = &r
	if !c.bodies.enqueue(c.src.Session, ev.RequestID) {
		r.BodyOmitted = "unavailable"
		r.State = protocol.StateFinished
		c.update(s, &r, protocol.NotifyFinished)
	}
}

// receiving times a request's last phase, from its headers until it
// ended (monotonic seconds).
func receiving(r *protocol.NetworkRequest, s *slot, end float64) {
	if r.Timing == nil || s.headersMono <= 0 || end < s.headersMono {
		return
	}
	t := *r.Timing
	t.Receive = ms((end - s.headersMono) * 1000)
	r.Timing = &t
}

func (c *Capture) onLoadingFailed(ev *evLoadingFailed) {
	s, ok := c.ending(ev.RequestID)
	if !ok {
		return
	}
	r := *s.rec
	r.State = protocol.StateFailed
	errText := ev.ErrorText
	if ev.BlockedReason != "" {
		errText += " (blocked: " + ev.BlockedReason + ")"
	}
	if k := c.cutterFor(r.OriginalSizes); len(errText) > k.caps.Field {
		r.ErrorText = k.str(errText, k.caps.Field, &k.t.ErrorText)
		r.Truncated, r.OriginalSizes = k.truncated()
		c.noteCuts(s, &k)
	} else {
		r.ErrorText = errText
	}
	r.Canceled = ev.Canceled
	r.Duration = max(0, (ev.Timestamp-s.startMono)*1000)
	receiving(&r, s, ev.Timestamp)
	c.update(s, &r, protocol.NotifyFailed)
}

// update stores a new version of a request and journals the event, then
// evicts the oldest requests while the store is over its bytes.
func (c *Capture) update(s *slot, r *protocol.NetworkRequest, method string) {
	c.replace(s, r)
	r.Seq = c.journal.append(method, r, s.size)
	c.trimNetwork()
}

// replace stores a new version of a request, keeping the store's bytes.
func (c *Capture) replace(s *slot, r *protocol.NetworkRequest) {
	size := requestSize(r)
	c.networkBytes += size - s.size
	s.size, s.rec = size, r
	c.changed = true
}

// trimNetwork evicts the oldest requests while the store is over its
// bytes.
func (c *Capture) trimNetwork() {
	c.coolNetwork()
	for c.networkBytes > c.opts.MaxNetworkBytes && c.network.order.len() > 1 {
		c.evict(c.network.order.pop())
	}
}

// evict lets go of a request taken out of the store, and counts it.
func (c *Capture) evict(s *slot) {
	if c.network.byID[s.rec.RequestID] == s {
		delete(c.network.byID, s.rec.RequestID)
	}
	c.dropped.Network++
	c.droppedNetwork.add("", s.rec.ResourceType, s.rec.NavigationID, s.rec.Target, s.rec.Timestamp)
	c.dropped.Bytes += s.size + s.bodyBytes
	c.networkBytes -= s.size
	s.size = 0
	c.releaseBody(s)
}

// omitNone marks a finished request that has no body to fetch and needs no
// explanation (a redirect, a 204, a HEAD).
const omitNone = "-"

// bodyWanted returns "" when the body of r should be fetched, or why not.
func (c *Capture) bodyWanted(r *protocol.NetworkRequest) string {
	switch {
	case c.opts.FetchBody == nil:
		return omitNone
	case r.Method == "HEAD" || r.Status == 204 || r.Status == 304 || (r.Status >= 300 && r.Status < 400) || r.Status == 0:
		return omitNone
	case strings.HasPrefix(r.URL, "data:"):
		return omitNone
	case !IsTextMIME(r.MimeType):
		return "not-text"
	case r.EncodedDataLength > int64(c.opts.MaxBodyBytes)+64<<10:
		return "too-large"
	}
	return ""
}

// IsTextMIME reports whether a body of this MIME type is text worth keeping.
func IsTextMIME(mimeType string) bool {
	mt, _, err := mime.ParseMediaType(mimeType)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(mimeType))
	}
	switch {
	case strings.HasPrefix(mt, "text/"),
		strings.HasSuffix(mt, "+json"), strings.HasSuffix(mt, "+xml"),
		strings.Contains(mt, "json"), strings.Contains(mt, "javascript"), strings.Contains(mt, "ecmascript"),
		mt == "application/xml", mt == "application/x-www-form-urlencoded", mt == "image/svg+xml",
		mt == "application/graphql", mt == "application/x-ndjson":
		return true
	}
	return false
}
