package capture

import (
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// Chrome reports the headers a request really sent and its response really
// carried, Cookie and Set-Cookie among them, only in the ExtraInfo events;
// requestWillBeSent and responseReceived leave cookies out. The ExtraInfo
// headers replace the others in the record (session.json and HAR exports
// redact the credentials among them unless --no-redact). They come from
// the network service, before or after the event they complete: an early
// one waits in the capture's extra map, bounded, until its request comes.

type evRequestExtraInfo struct {
	RequestID string       `json:"requestId"`
	Headers   jsonv2.Value `json:"headers"`
}

type evResponseExtraInfo struct {
	RequestID string       `json:"requestId"`
	Headers   jsonv2.Value `json:"headers"`
}

// earlyExtra is what ExtraInfo events said before their request's event.
type earlyExtra struct {
	request, response jsonv2.Value
}

// maxEarlyExtra bounds the ExtraInfo events waiting for their requests: a
// request that never comes (filtered out, or a target the capture does not
// watch) leaves its entry until the map is full, when they all go.
const maxEarlyExtra = 256

func (c *Capture) onRequestExtraInfo(ev *evRequestExtraInfo) {
	if _, ok := c.filtered[ev.RequestID]; ok {
		return
	}
	s, ok := c.network.byID[ev.RequestID]
	if !ok {
		c.early(ev.RequestID).request = cloneValue(ev.Headers)
		return
	}
	c.setHeaders(s, ev.Headers, false)
}

func (c *Capture) onResponseExtraInfo(ev *evResponseExtraInfo) {
	if _, ok := c.filtered[ev.RequestID]; ok {
		return
	}
	s, ok := c.network.byID[ev.RequestID]
	if !ok || s.rec.State == protocol.StatePending {
		// Before responseReceived, which would replace the headers.
		c.early(ev.RequestID).response = cloneValue(ev.Headers)
		return
	}
	c.setHeaders(s, ev.Headers, true)
}

// early returns the entry of a request's early ExtraInfo, made if needed.
func (c *Capture) early(id string) *earlyExtra {
	if e, ok := c.extra[id]; ok {
		return e
	}
	if len(c.extra) >= maxEarlyExtra {
		clear(c.extra)
	}
	e := &earlyExtra{}
	c.extra[id] = e
	return e
}

// takeEarly applies what ExtraInfo events said before the request's own
// event: the request's headers once it is sent, the response's once it is
// received.
func (c *Capture) takeEarly(s *slot, response bool) {
	e, ok := c.extra[s.rec.RequestID]
	if !ok {
		return
	}
	if !response && e.request != nil {
		c.setHeaders(s, e.request, false)
		e.request = nil
	}
	if response && e.response != nil {
		c.setHeaders(s, e.response, true)
		e.response = nil
	}
	if e.request == nil && e.response == nil {
		delete(c.extra, s.rec.RequestID)
	}
}

// setHeaders replaces the request's headers, or its response's, in the
// record as it stands, with no event of its own: the request's next event
// shows them.
func (c *Capture) setHeaders(s *slot, raw jsonv2.Value, response bool) {
	if len(raw) == 0 {
		return
	}
	r := *s.rec
	k := c.cutterFor(r.OriginalSizes)
	headers, size := &r.RequestHeaders, &k.t.RequestHeaders
	if response {
		headers, size = &r.ResponseHeaders, &k.t.ResponseHeaders
	}
	*size = 0
	*headers = k.headers(raw, size)
	r.Truncated, r.OriginalSizes = k.truncated()
	c.noteCuts(s, &k)
	c.replace(s, &r)
	c.trimNetwork()
}

func cloneValue(v jsonv2.Value) jsonv2.Value {
	return append(jsonv2.Value(nil), v...)
}
