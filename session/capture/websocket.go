package capture

import (
	"encoding/base64"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
)

// A WebSocket is a request of the network store, of resourceType
// "WebSocket": its handshake is its request and response, and it finishes
// when it closes (fails on a frame error). Every change of it is a
// network/websocket event. Its frames are websocket/frame events, and the
// newest MaxFrames of each socket are kept with it, their payloads cut to
// the text cap and counted in the budget of bodies. An EventSource is an
// ordinary request whose messages are eventsource/message events, kept the
// same way.

// DefaultMaxFrames is how many frames (or EventSource messages) of one
// socket a session keeps; older ones go, counted in dropped.frames.
const DefaultMaxFrames = 100

// The CDP events of WebSockets and EventSources, decoded into what bdg-rpc
// keeps.
type evWebSocketCreated struct {
	RequestID string `json:"requestId"`
	URL       string `json:"url"`
}

type evWebSocketHandshake struct {
	RequestID string  `json:"requestId"`
	Timestamp float64 `json:"timestamp"`
	WallTime  float64 `json:"wallTime"`
	Request   struct {
		Headers jsonv2.Value `json:"headers"`
	} `json:"request"`
}

type evWebSocketResponse struct {
	RequestID string  `json:"requestId"`
	Timestamp float64 `json:"timestamp"`
	Response  struct {
		Status     int          `json:"status"`
		StatusText string       `json:"statusText"`
		Headers    jsonv2.Value `json:"headers"`
	} `json:"response"`
}

type evWebSocketFrame struct {
	RequestID string  `json:"requestId"`
	Timestamp float64 `json:"timestamp"`
	Response  struct {
		Opcode      float64 `json:"opcode"`
		PayloadData string  `json:"payloadData"`
	} `json:"response"`
}

type evWebSocketFrameError struct {
	RequestID    string  `json:"requestId"`
	Timestamp    float64 `json:"timestamp"`
	ErrorMessage string  `json:"errorMessage"`
}

type evWebSocketClosed struct {
	RequestID string  `json:"requestId"`
	Timestamp float64 `json:"timestamp"`
}

type evEventSourceMessage struct {
	RequestID string  `json:"requestId"`
	Timestamp float64 `json:"timestamp"`
	EventName string  `json:"eventName"`
	EventID   string  `json:"eventId"`
	Data      string  `json:"data"`
}

func (c *Capture) onWebSocketCreated(ev *evWebSocketCreated) {
	if !c.opts.IncludeAll && IsTracking(ev.URL) {
		c.filtered[ev.RequestID] = struct{}{}
		c.dropped.Filtered++
		return
	}
	k := cutter{caps: &c.opts.Caps}
	r := &protocol.NetworkRequest{
		RequestID: ev.RequestID, URL: k.str(ev.URL, k.caps.URL, &k.t.URL), Method: "GET",
		ResourceType: protocol.ResourceWebSocket, Timestamp: c.now(), NavigationID: c.navID(),
		State: protocol.StatePending, Target: c.src.Target,
	}
	s := &slot{rec: r}
	if old, ok := c.network.byID[ev.RequestID]; ok {
		c.releaseBody(old)
	}
	c.pushRequest(s) // (it had no ord before: lists by cursor passed it over)
	r.Truncated, r.OriginalSizes = k.truncated()
	c.noteCuts(s, &k)
	c.update(s, s.rec, protocol.NotifyWebSocket)
}

// socket returns the slot of a WebSocket the store holds.
func (c *Capture) socket(id string) (*slot, bool) {
	s, ok := c.network.byID[id]
	if !ok || s.rec.ResourceType != protocol.ResourceWebSocket {
		return nil, false
	}
	return s, true
}

func (c *Capture) onWebSocketHandshake(ev *evWebSocketHandshake) {
	s, ok := c.socket(ev.RequestID)
	if !ok {
		return
	}
	r := *s.rec
	k := c.cutterFor(r.OriginalSizes)
	r.RequestHeaders = k.headers(ev.Request.Headers, &k.t.RequestHeaders)
	if ev.WallTime > 0 {
		r.Timestamp = ev.WallTime * 1000
	}
	s.startMono = ev.Timestamp
	if k.bytes > 0 {
		r.Truncated, r.OriginalSizes = k.truncated()
		c.noteCuts(s, &k)
	}
	c.replace(s, &r) // no event of its own: the handshake's response shows it
}

func (c *Capture) onWebSocketResponse(ev *evWebSocketResponse) {
	s, ok := c.socket(ev.RequestID)
	if !ok {
		return
	}
	r := *s.rec
	k := c.cutterFor(r.OriginalSizes)
	r.Status = ev.Response.Status
	r.StatusText = k.str(ev.Response.StatusText, k.caps.Field, &k.t.StatusText)
	r.ResponseHeaders = k.headers(ev.Response.Headers, &k.t.ResponseHeaders)
	r.State = protocol.StateResponded
	if k.bytes > 0 {
		r.Truncated, r.OriginalSizes = k.truncated()
		c.noteCuts(s, &k)
	}
	c.update(s, &r, protocol.NotifyWebSocket)
}

func (c *Capture) onWebSocketFrameSent(ev *evWebSocketFrame) { c.onFrame(ev, protocol.FrameSent) }

func (c *Capture) onWebSocketFrameReceived(ev *evWebSocketFrame) {
	c.onFrame(ev, protocol.FrameReceived)
}

func (c *Capture) onFrame(ev *evWebSocketFrame, direction string) {
	s, ok := c.socket(ev.RequestID)
	if !ok {
		return
	}
	opcode := int(ev.Response.Opcode)
	f := &protocol.WebSocketFrame{
		RequestID: ev.RequestID, Direction: direction, Opcode: opcode,
		Timestamp: c.wallTime(s, ev.Timestamp), Target: s.rec.Target,
	}
	payload := ev.Response.PayloadData
	if opcode == 1 {
		f.Size = len(payload)
	} else {
		f.Base64 = true
		f.Size = base64.StdEncoding.DecodedLen(len(payload))
		if n, err := base64.StdEncoding.DecodeString(payload); err == nil {
			f.Size = len(n)
		}
	}
	f.Payload, f.Truncated = c.cutPayload(payload)
	c.keepFrame(s, f)
	f.Seq = c.journal.append(protocol.NotifyFrame, f, frameSize(f))
	c.changed = true
}

// cutPayload cuts a frame's or message's payload to the text cap, counting
// what it cut.
func (c *Capture) cutPayload(p string) (string, bool) {
	out, cut := cutString(p, c.opts.Caps.Text)
	if cut {
		c.dropped.Truncated++
		c.dropped.Bytes += int64(len(p) - len(out))
	}
	return out, cut
}

// keepFrame keeps a frame with its socket, in the budget of bodies, letting
// the socket's oldest go beyond MaxFrames.
func (c *Capture) keepFrame(s *slot, f *protocol.WebSocketFrame) {
	size := frameSize(f)
	s.frames = keepNewest(c, s, s.frames, f, size, frameSize)
}

// keepNewest appends an item of a socket (size bytes) to its list, in the
// budget of bodies, letting the oldest go past MaxFrames; an item over the
// budget is not kept. What goes is counted in dropped.frames.
func keepNewest[T any](c *Capture, s *slot, list []T, item T, size int64, sizeOf func(T) int64) []T {
	if c.bodyBytes+size > c.opts.BodyBudget {
		c.dropped.Frames++
		c.dropped.Bytes += size
		return list
	}
	if len(list) == c.opts.MaxFrames {
		n := sizeOf(list[0])
		list = list[1:]
		s.bodyBytes -= n
		c.bodyBytes -= n
		c.dropped.Frames++
		c.dropped.Bytes += n
	}
	s.bodyBytes += size
	c.bodyBytes += size
	return append(list, item)
}

func (c *Capture) onWebSocketFrameError(ev *evWebSocketFrameError) {
	s, ok := c.socket(ev.RequestID)
	if !ok {
		return
	}
	r := *s.rec
	k := c.cutterFor(r.OriginalSizes)
	r.ErrorText = k.str(ev.ErrorMessage, k.caps.Field, &k.t.ErrorText)
	if k.bytes > 0 {
		r.Truncated, r.OriginalSizes = k.truncated()
		c.noteCuts(s, &k)
	}
	c.update(s, &r, protocol.NotifyWebSocket)
}

func (c *Capture) onWebSocketClosed(ev *evWebSocketClosed) {
	s, ok := c.ending(ev.RequestID)
	if !ok || s.rec.ResourceType != protocol.ResourceWebSocket {
		return
	}
	r := *s.rec
	r.State = protocol.StateFinished
	if r.ErrorText != "" || r.Status != 101 {
		r.State = protocol.StateFailed
	}
	if s.startMono > 0 {
		r.Duration = max(0, (ev.Timestamp-s.startMono)*1000)
	}
	c.update(s, &r, protocol.NotifyWebSocket)
}

func (c *Capture) onEventSourceMessage(ev *evEventSourceMessage) {
	s, ok := c.network.byID[ev.RequestID]
	if !ok {
		return
	}
	m := &protocol.EventSourceMessage{
		RequestID: ev.RequestID, Timestamp: c.wallTime(s, ev.Timestamp), Target: s.rec.Target,
	}
	m.EventName, _ = cutString(ev.EventName, c.opts.Caps.Field)
	m.EventID, _ = cutString(ev.EventID, c.opts.Caps.Field)
	m.Data, m.Truncated = c.cutPayload(ev.Data)
	size := messageSize(m)
	s.messages = keepNewest(c, s, s.messages, m, size, messageSize)
	m.Seq = c.journal.append(protocol.NotifyEventSource, m, size)
	c.changed = true
}

// wallTime turns a CDP monotonic timestamp (seconds) of a request's event
// into ms since the Unix epoch, from the request's own start; now when the
// start is not known.
func (c *Capture) wallTime(s *slot, mono float64) float64 {
	if s.startMono == 0 || mono == 0 {
		return c.now()
	}
	return s.rec.Timestamp + (mono-s.startMono)*1000
}

const frameOverhead = 128

func frameSize(f *protocol.WebSocketFrame) int64 {
	return frameOverhead + int64(len(f.RequestID)+len(f.Payload))
}

func messageSize(m *protocol.EventSourceMessage) int64 {
	return frameOverhead + int64(len(m.RequestID)+len(m.EventName)+len(m.EventID)+len(m.Data))
}
