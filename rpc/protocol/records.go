package protocol

import "encoding/json"

// ConsoleMessage is one console entry: a console API call, an uncaught
// exception, or a browser-side log entry (CSP violations, failed loads).
type ConsoleMessage struct {
	// Seq is the session-wide sequence number of the event that brought it.
	Seq    uint64 `json:"seq"`
	Level  string `json:"level"`  // debug | log | info | warning | error
	Source string `json:"source"` // console | exception | browser
	// Type is what produced it: the console method ("log", "table",
	// "assert"...), "exception", or the browser log source ("network",
	// "security"...). It matches the "type" of the bdg CLI's session.json.
	Type      string  `json:"type"`
	Text      string  `json:"text"`
	Timestamp float64 `json:"timestamp"` // milliseconds since the Unix epoch
	URL       string  `json:"url,omitempty"`
	Line      int     `json:"line,omitempty"`   // 1-based
	Column    int     `json:"column,omitempty"` // 1-based
	// Stack is the stack trace, one "at fn (url:line:col)" frame per line.
	Stack        string `json:"stack,omitempty"`
	NavigationID int    `json:"navigationId"`
	// Target is the target of the page that logged it: the page, one of
	// its out-of-process iframes, workers or popups. FrameID is the frame
	// that logged it, where a frame did (not in workers).
	Target  *TargetRef `json:"target,omitempty"`
	FrameID string     `json:"frameId,omitempty"`
	// Truncated says a field was cut to its cap; OriginalSizes names
	// the fields cut, with their sizes before.
	Truncated     bool           `json:"truncated,omitempty"`
	OriginalSizes *OriginalSizes `json:"originalSizes,omitempty"`
	// Objects are the arguments of a console call that are objects (the
	// first MaxConsoleObjects), whose properties runtime/getProperties
	// gives while the page holds them.
	Objects []ConsoleObject `json:"objects,omitempty"`
}

// MaxConsoleObjects bounds the objects a console message keeps the ids
// of; MaxConsoleObjectText the preview of each.
const (
	MaxConsoleObjects    = 8
	MaxConsoleObjectText = 200
)

// ConsoleObject is an argument of a console call that is an object or a
// function: its place among the arguments, its remote id in the target
// that logged it (valid until that page navigates, or Chrome's console
// storage lets the message go), what it is, and its one-line preview.
type ConsoleObject struct {
	Index     int    `json:"index"`
	ObjectID  string `json:"objectId"`
	Type      string `json:"type"`
	Subtype   string `json:"subtype,omitempty"`
	ClassName string `json:"className,omitempty"`
	Text      string `json:"text"`
}

// TargetRef says which target of the watched page a record came from. The
// page's targets are the page itself, and what it makes: out-of-process
// iframes, dedicated, shared and service workers, and the pages it opens.
// A same-process iframe is part of its parent's target; its frameId tells
// it apart.
type TargetRef struct {
	ID   string `json:"id"`
	Type string `json:"type"` // page | iframe | worker | shared_worker | service_worker | popup
	// URL is the target's URL when the record was made, cut to the url
	// cap; a brief record's target has none.
	URL string `json:"url,omitempty"`
	// ParentID is the target that made it: an iframe's or worker's page
	// or iframe, a popup's opener. The watched page has none.
	ParentID string `json:"parentId,omitempty"`
}

// Target types.
const (
	TargetPage          = "page"
	TargetIframe        = "iframe"
	TargetWorker        = "worker"
	TargetSharedWorker  = "shared_worker"
	TargetServiceWorker = "service_worker"
	TargetPopup         = "popup"
)

// TargetTypes lists the target types, in the order status counts them.
var TargetTypes = []string{TargetPage, TargetIframe, TargetWorker, TargetSharedWorker, TargetServiceWorker, TargetPopup}

// OriginalSizes names the fields of a record that were cut to their caps
// (see docs/PROTOCOL.md, "Bounds and drops"), each with its size before the cut:
// in bytes for strings (url, method, text, stack, statusText, mimeType,
// errorText, requestBody) and for headers (the JSON text of the object
// Chrome sent), in hops for redirects. A field it does not name was kept
// whole. A cut string is a prefix of the original, cut between characters;
// text and stack end with "…" to show it.
type OriginalSizes struct {
	URL             int `json:"url,omitempty"`
	Method          int `json:"method,omitempty"`
	Text            int `json:"text,omitempty"`
	Stack           int `json:"stack,omitempty"`
	RequestHeaders  int `json:"requestHeaders,omitempty"`
	RequestBody     int `json:"requestBody,omitempty"`
	StatusText      int `json:"statusText,omitempty"`
	MimeType        int `json:"mimeType,omitempty"`
	ResponseHeaders int `json:"responseHeaders,omitempty"`
	ErrorText       int `json:"errorText,omitempty"`
	Redirects       int `json:"redirects,omitempty"`
}

// Console levels, from least to most severe.
const (
	LevelDebug   = "debug"
	LevelLog     = "log"
	LevelInfo    = "info"
	LevelWarning = "warning"
	LevelError   = "error"
)

// Console sources.
const (
	SourceConsole   = "console"
	SourceException = "exception"
	SourceBrowser   = "browser"
)

// NetworkRequest is one request the page made, as known so far. Requests are
// identified by RequestID; an HTTP redirect keeps the id and records the
// earlier hops in Redirects.
type NetworkRequest struct {
	Seq          uint64  `json:"seq"` // the event that last changed it
	RequestID    string  `json:"requestId"`
	URL          string  `json:"url"`
	Method       string  `json:"method"`
	ResourceType string  `json:"resourceType,omitempty"` // Document, XHR, Fetch, Script...
	Timestamp    float64 `json:"timestamp"`              // ms since the Unix epoch, when it was sent
	NavigationID int     `json:"navigationId"`
	// Target is the target that sent it, FrameID the frame (none for a
	// worker's requests).
	Target  *TargetRef `json:"target,omitempty"`
	FrameID string     `json:"frameId,omitempty"`
	// Initiator is what made it: the parser of a document, a script (and
	// where in it), a preload...
	Initiator *Initiator `json:"initiator,omitempty"`

	State string `json:"state"` // pending | responded | finished | failed

	RequestHeaders Headers `json:"requestHeaders,omitempty"`
	// RequestBody is the post data, kept up to a cap and within the
	// session's budget of bodies; network events leave it out (ask
	// network/get). RequestBodySize is its size as Chrome sent it, in
	// every event.
	RequestBody     string `json:"requestBody,omitempty"`
	RequestBodySize int    `json:"requestBodySize,omitempty"`

	Status          int     `json:"status,omitempty"`
	StatusText      string  `json:"statusText,omitempty"`
	MimeType        string  `json:"mimeType,omitempty"`
	ResponseHeaders Headers `json:"responseHeaders,omitempty"`
	Protocol        string  `json:"protocol,omitempty"`
	RemoteAddress   string  `json:"remoteAddress,omitempty"`
	FromCache       bool    `json:"fromCache,omitempty"`
	// FromServiceWorker says a service worker answered it; the service
	// worker's own fetch, if it made one, is a request of its own, of the
	// service worker's target.
	FromServiceWorker bool `json:"fromServiceWorker,omitempty"`
	// ServiceWorkerRequestID is, on a request that a service worker
	// answered with a fetch of its own, that fetch's requestId;
	// ForRequestID is, on that fetch, the page's request it answers.
	// (Chrome does not link them: a fetch of the service worker is taken
	// to answer the newest pending request of the page to the same URL and
	// method.)
	ServiceWorkerRequestID string `json:"serviceWorkerRequestId,omitempty"`
	ForRequestID           string `json:"forRequestId,omitempty"`

	EncodedDataLength int64   `json:"encodedDataLength,omitempty"`
	Duration          float64 `json:"duration,omitempty"` // ms from sent to finished or failed
	// Timing splits the time of a request that reached the network into
	// its phases, from the response's timing (none for a request served
	// from the memory cache or that failed before an answer).
	Timing *Timing `json:"timing,omitempty"`

	ErrorText string `json:"errorText,omitempty"`
	Canceled  bool   `json:"canceled,omitempty"`

	// ResponseBody is filled only where asked for (network/get with body,
	// session.json). BodySize is the size of the captured body; BodyOmitted
	// says why there is none when there could have been.
	ResponseBody  string `json:"responseBody,omitempty"`
	Base64Encoded bool   `json:"base64Encoded,omitempty"`
	BodySize      int    `json:"bodySize,omitempty"`
	BodyOmitted   string `json:"bodyOmitted,omitempty"` // not-text | too-large | unavailable | over-budget

	// Redirects are the earlier hops, the first ones up to a cap.
	Redirects []Redirect `json:"redirects,omitempty"`

	// Frames are a WebSocket's newest frames, Messages an EventSource's
	// newest messages, filled where bodies are (network/get with body,
	// session.json).
	Frames   []WebSocketFrame     `json:"frames,omitempty"`
	Messages []EventSourceMessage `json:"messages,omitempty"`

	// Truncated says a field was cut to its cap (a cut inside a hop is
	// in the hop's own truncated); OriginalSizes names the fields cut,
	// with their sizes before.
	Truncated     bool           `json:"truncated,omitempty"`
	OriginalSizes *OriginalSizes `json:"originalSizes,omitempty"`
}

// Request states.
const (
	StatePending   = "pending"
	StateResponded = "responded"
	StateFinished  = "finished"
	StateFailed    = "failed"
)

// ResourceWebSocket is the resourceType of a WebSocket.
const ResourceWebSocket = "WebSocket"

// WebSocketFrame is a message a WebSocket sent or received.
type WebSocketFrame struct {
	Seq       uint64 `json:"seq"`
	RequestID string `json:"requestId"` // the socket's
	Direction string `json:"direction"` // sent | received
	Opcode    int    `json:"opcode"`    // 1 text, 2 binary
	// Payload is the text of a text frame, the base64 of a binary one
	// (Base64), cut to the text cap (Truncated); Size is its size in
	// bytes before either.
	Payload   string     `json:"payload"`
	Base64    bool       `json:"base64,omitempty"`
	Size      int        `json:"size"`
	Timestamp float64    `json:"timestamp"` // ms since the Unix epoch
	Truncated bool       `json:"truncated,omitempty"`
	Target    *TargetRef `json:"target,omitempty"`
}

// Frame directions.
const (
	FrameSent     = "sent"
	FrameReceived = "received"
)

// EventSourceMessage is a message an EventSource received.
type EventSourceMessage struct {
	Seq       uint64 `json:"seq"`
	RequestID string `json:"requestId"` // the EventSource's request
	EventName string `json:"eventName"`
	EventID   string `json:"eventId,omitempty"`
	// Data is cut to the text cap (Truncated).
	Data      string     `json:"data"`
	Timestamp float64    `json:"timestamp"` // ms since the Unix epoch
	Truncated bool       `json:"truncated,omitempty"`
	Target    *TargetRef `json:"target,omitempty"`
}

// Initiator says what made a request, as Chrome's Network.Initiator does:
// Type is parser, script, preload, SignedExchange, preflight or other.
// URL, Line and Column (1-based) are where: for a script, the innermost
// frame of the stack that made it (its async parents when it has no frame
// of its own); for the parser, the document and its line. source/resolve
// maps them to the original source.
type Initiator struct {
	Type   string `json:"type"`
	URL    string `json:"url,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// Timing is where a request's time went, in ms, split as HAR's timings
// and DevTools' Timing tab split it; -1 is a phase that did not happen (no
// DNS lookup or connection on a reused connection, no TLS over plain
// HTTP).
type Timing struct {
	// Blocked is from sent until Chrome began the lookup, the connection
	// or the sending: queued and stalled.
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	// Connect includes SSL, the TLS handshake, as in HAR.
	Connect float64 `json:"connect"`
	SSL     float64 `json:"ssl"`
	Send    float64 `json:"send"`
	// Wait is from sent until the response's headers came: the server's
	// time to first byte.
	Wait float64 `json:"wait"`
	// Receive is from the headers until the last byte; -1 until then.
	Receive float64 `json:"receive"`
}

// Redirect is an earlier hop of a redirected request.
type Redirect struct {
	URL             string  `json:"url"`
	Status          int     `json:"status"`
	StatusText      string  `json:"statusText,omitempty"`
	ResponseHeaders Headers `json:"responseHeaders,omitempty"`
	Timestamp       float64 `json:"timestamp"`
	// Truncated says a field of the hop was cut to its cap;
	// OriginalSizes names them (url, statusText, responseHeaders).
	Truncated     bool           `json:"truncated,omitempty"`
	OriginalSizes *OriginalSizes `json:"originalSizes,omitempty"`
}

// Navigation is a main-frame navigation of the page. Items captured after it
// carry its ID as their navigationId; the first page load is 1.
type Navigation struct {
	ID        int     `json:"id"`
	URL       string  `json:"url"`
	Timestamp float64 `json:"timestamp"`
	// Target is the popup that navigated, for a navigation of a page the
	// page opened; none for the watched page's own. Ids are drawn from
	// one sequence: the records of a popup carry its navigation's.
	Target *TargetRef `json:"target,omitempty"`
	// Truncated says the url was cut to its cap; OriginalSizes gives its
	// size before.
	Truncated     bool           `json:"truncated,omitempty"`
	OriginalSizes *OriginalSizes `json:"originalSizes,omitempty"`
}

// Target is the page a session watches.
type Target struct {
	ID    string `json:"id,omitempty"`
	URL   string `json:"url"`
	Title string `json:"title"`
}

// Output is the document a session leaves behind: session.json when it
// ends, session.partial.json while it runs. Its shape is the bdg CLI's.
type Output struct {
	Version   string     `json:"version"`
	Success   bool       `json:"success"`
	Timestamp string     `json:"timestamp"` // RFC 3339, when the session started
	Duration  int64      `json:"duration"`  // milliseconds
	Target    Target     `json:"target"`
	Data      OutputData `json:"data"`
	Partial   bool       `json:"partial"`
	Error     string     `json:"error,omitempty"`

	// Beyond the bdg shape:
	Session     string       `json:"session"`
	Chrome      Chrome       `json:"chrome"`
	Reason      string       `json:"reason,omitempty"` // why it ended (session.json)
	WrittenAt   string       `json:"writtenAt"`        // RFC 3339
	LastSeq     uint64       `json:"lastSeq"`
	Counts      Counts       `json:"counts"`
	Dropped     Counts       `json:"dropped"`
	Navigations []Navigation `json:"navigations,omitempty"`
	// Targets are the targets of the page the session followed, the
	// newest ones up to a bound.
	Targets []TargetState `json:"targets,omitempty"`
}

// TargetState is a target of the page as the session saw it: when it
// was attached, and when and why it went.
type TargetState struct {
	TargetRef
	Attached float64 `json:"attached"`         // ms since the Unix epoch
	Ended    float64 `json:"ended,omitempty"`  // ms since the Unix epoch
	Reason   string  `json:"reason,omitempty"` // why it went: destroyed | crashed | detached
}

// OutputData holds the captured items, oldest first.
type OutputData struct {
	Network []NetworkRequest `json:"network"`
	Console []ConsoleMessage `json:"console"`
}

// Counts counts items per kind.
type Counts struct {
	Network int `json:"network"`
	Console int `json:"console"`
	// Bodies counts the response and request bodies left out because the
	// session's budget of bodies was spent (dropped only).
	Bodies int `json:"bodies,omitempty"`
	// Filtered counts requests to tracking hosts left out (dropped only).
	Filtered int `json:"filtered,omitempty"`
	// Truncated counts the records kept with a field cut to its cap
	// (dropped only): console messages, requests and navigations.
	Truncated int `json:"truncated,omitempty"`
	// Frames counts the WebSocket frames and EventSource messages let go
	// of: beyond the newest kept per socket, or over the budget of bodies
	// (dropped only). Their events were sent all the same.
	Frames int `json:"frames,omitempty"`
	// Targets counts the targets of the page not followed because the
	// session followed as many as it may at once (dropped only).
	Targets int `json:"targets,omitempty"`
	// Bytes counts the bytes of page data let go of (dropped only): what
	// the caps cut from fields, the sizes of the records evicted (with
	// their bodies) and of the bodies left out over the budget.
	Bytes int64 `json:"bytes,omitempty"`
}

// Headers is a JSON object of HTTP header names to values, kept as the JSON
// text Chrome sent: compact to hold for thousands of requests, and passed to
// clients as it is.
type Headers = json.RawMessage

// HeaderMap decodes headers into a map; values that are not strings are
// left out. It returns nil for no headers.
func HeaderMap(h Headers) map[string]string {
	if len(h) == 0 {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(h, &m) != nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = s
		}
	}
	return out
}

// BriefText is the most of a console message's text a brief record holds.
const BriefText = 300

// Brief is m without its bulk, as a list asked for brief records answers
// it: no stack (its top frame stays as url, line and column), objects or
// frame id, its target's id and type without its URL, the text cut to
// BriefText bytes (ending with "…"; Truncated and OriginalSizes say so).
func (m ConsoleMessage) Brief() ConsoleMessage {
	m.Stack = ""
	m.Objects = nil
	m.FrameID = ""
	m.Target = m.Target.brief()
	if len(m.Text) > BriefText {
		sizes := OriginalSizes{}
		if m.OriginalSizes != nil {
			sizes = *m.OriginalSizes
		}
		if sizes.Text == 0 {
			sizes.Text = len(m.Text)
		}
		m.Text = cutText(m.Text, BriefText) + "…"
		m.Truncated = true
		m.OriginalSizes = &sizes
	}
	return m
}

// Brief is r without its bulk, as a list asked for brief records answers
// it: no headers, bodies, redirect hops, WebSocket frames, EventSource
// messages, timing phases, initiator or frame id, its target's id and type
// without its URL; the rest (its URL, method, state, status, type, sizes,
// duration) as it is.
func (r NetworkRequest) Brief() NetworkRequest {
	r.Initiator = nil
	r.FrameID = ""
	r.Target = r.Target.brief()
	r.RequestHeaders = nil
	r.ResponseHeaders = nil
	r.RequestBody = ""
	r.ResponseBody = ""
	r.Redirects = nil
	r.Frames = nil
	r.Messages = nil
	r.Timing = nil
	return r
}

// cutText is at most n bytes of s, cut between characters.
func cutText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// brief is t without its URL.
func (t *TargetRef) brief() *TargetRef {
	if t == nil {
		return nil
	}
	return &TargetRef{ID: t.ID, Type: t.Type, ParentID: t.ParentID}
}
