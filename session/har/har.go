// Package har turns a session's captured requests into an HTTP Archive
// (HAR 1.2, http://www.softwareishard.com/blog/har-12-spec/), the format
// browsers' DevTools import and export.
package har

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// HAR is the document.
type HAR struct {
	Log Log `json:"log"`
}

// Log is the archive.
type Log struct {
	Version string   `json:"version"`
	Creator Creator  `json:"creator"`
	Browser *Creator `json:"browser,omitempty"`
	Pages   []Page   `json:"pages"`
	Entries []Entry  `json:"entries"`
	Comment string   `json:"comment,omitempty"`
}

// Creator names the program that made the archive.
type Creator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Page is a page load: one per navigation.
type Page struct {
	StartedDateTime string      `json:"startedDateTime"`
	ID              string      `json:"id"`
	Title           string      `json:"title"`
	PageTimings     PageTimings `json:"pageTimings"`
}

// PageTimings are unknown to bdg-rpc: -1, as the spec says.
type PageTimings struct {
	OnContentLoad float64 `json:"onContentLoad"`
	OnLoad        float64 `json:"onLoad"`
}

// Entry is one request and its response.
type Entry struct {
	Pageref         string   `json:"pageref,omitempty"`
	StartedDateTime string   `json:"startedDateTime"`
	Time            float64  `json:"time"`
	Request         Request  `json:"request"`
	Response        Response `json:"response"`
	Cache           struct{} `json:"cache"`
	Timings         Timings  `json:"timings"`
	ServerIPAddress string   `json:"serverIPAddress,omitempty"`
	ResourceType    string   `json:"_resourceType,omitempty"`
	Error           string   `json:"_error,omitempty"`
	// WebSocketMessages are a WebSocket's frames, as Chrome's own HAR
	// export writes them.
	WebSocketMessages []WebSocketMessage `json:"_webSocketMessages,omitempty"`
}

// WebSocketMessage is a frame of a WebSocket, in Chrome's HAR convention:
// type send or receive, time in seconds since the Unix epoch, opcode 1
// (text) or 2 (binary, data in base64).
type WebSocketMessage struct {
	Type   string  `json:"type"`
	Time   float64 `json:"time"`
	Opcode int     `json:"opcode"`
	Data   string  `json:"data"`
}

// Request is a HAR request.
type Request struct {
	Method      string      `json:"method"`
	URL         string      `json:"url"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	QueryString []NameValue `json:"queryString"`
	PostData    *PostData   `json:"postData,omitempty"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int         `json:"bodySize"`
}

// Response is a HAR response.
type Response struct {
	Status      int         `json:"status"`
	StatusText  string      `json:"statusText"`
	HTTPVersion string      `json:"httpVersion"`
	Cookies     []NameValue `json:"cookies"`
	Headers     []NameValue `json:"headers"`
	Content     Content     `json:"content"`
	RedirectURL string      `json:"redirectURL"`
	HeadersSize int         `json:"headersSize"`
	BodySize    int64       `json:"bodySize"`
}

// NameValue is a header, cookie or query parameter.
type NameValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// PostData is a request body.
type PostData struct {
	MimeType string `json:"mimeType"`
	Text     string `json:"text"`
}

// Content is a response body.
type Content struct {
	Size     int    `json:"size"`
	MimeType string `json:"mimeType"`
	Text     string `json:"text,omitempty"`
	Encoding string `json:"encoding,omitempty"`
	Comment  string `json:"comment,omitempty"`
}

// Timings splits an entry's time into the phases of the request's
// timing; -1 is a phase that did not happen. A request without a timing
// (served from the memory cache, failed before an answer) has its whole
// time as waiting.
type Timings struct {
	Blocked float64 `json:"blocked"`
	DNS     float64 `json:"dns"`
	Connect float64 `json:"connect"`
	Send    float64 `json:"send"`
	Wait    float64 `json:"wait"`
	Receive float64 `json:"receive"`
	SSL     float64 `json:"ssl"`
}

// timings gives a request's HAR timings.
func timings(r *protocol.NetworkRequest) Timings {
	t := r.Timing
	if t == nil {
		return Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1, Wait: r.Duration}
	}
	// send, wait and receive may not be -1 in HAR.
	return Timings{Blocked: t.Blocked, DNS: t.DNS, Connect: t.Connect, SSL: t.SSL,
		Send: max(t.Send, 0), Wait: max(t.Wait, 0), Receive: max(t.Receive, 0)}
}

// Build makes an archive of requests (oldest first, with bodies where
// captured), grouping them into a page per navigation, its entries in the
// order of their start.
func Build(requests []protocol.NetworkRequest, navigations []protocol.Navigation, title string) HAR {
	h, pages := head(navigations, title)
	for _, r := range requests {
		h.Log.Entries = append(h.Log.Entries, entries(r, pages)...)
	}
	sort.SliceStable(h.Log.Entries, func(i, j int) bool { return h.Log.Entries[i].StartedDateTime < h.Log.Entries[j].StartedDateTime })
	return h
}

// head is an archive without entries: its pages, one per navigation, and
// which navigations have one.
func head(navigations []protocol.Navigation, title string) (HAR, map[int]bool) {
	h := HAR{Log: Log{Version: "1.2", Creator: Creator{Name: "bdg-rpc", Version: protocol.Version}, Pages: []Page{}, Entries: []Entry{}}}
	pages := map[int]bool{}
	for _, n := range navigations {
		h.Log.Pages = append(h.Log.Pages, Page{StartedDateTime: stamp(n.Timestamp), ID: pageID(n.ID), Title: n.URL,
			PageTimings: PageTimings{OnContentLoad: -1, OnLoad: -1}})
		pages[n.ID] = true
	}
	if len(h.Log.Pages) > 0 && title != "" {
		h.Log.Pages[len(h.Log.Pages)-1].Title = title
	}
	return h, pages
}

// entries are the entries of a request: each redirect hop is an entry of
// its own, as in DevTools' export, then the request as it ended.
func entries(r protocol.NetworkRequest, pages map[int]bool) []Entry {
	ref := ""
	if pages[r.NavigationID] {
		ref = pageID(r.NavigationID)
	}
	var es []Entry
	for i, hop := range r.Redirects {
		next := r.URL
		if i+1 < len(r.Redirects) {
			next = r.Redirects[i+1].URL
		}
		e := entry(r, ref)
		e.StartedDateTime = stamp(hop.Timestamp)
		e.Request.URL, e.Request.QueryString = hop.URL, query(hop.URL)
		e.Response = Response{Status: hop.Status, StatusText: hop.StatusText, HTTPVersion: e.Response.HTTPVersion,
			Cookies: []NameValue{}, Headers: headers(hop.ResponseHeaders), RedirectURL: next, HeadersSize: -1, BodySize: 0,
			Content: Content{MimeType: "x-unknown"}}
		e.Time, e.Timings, e.Error = 0, Timings{Blocked: -1, DNS: -1, Connect: -1, SSL: -1}, ""
		es = append(es, e)
	}
	return append(es, entry(r, ref))
}

// Write writes the archive of the requests each gives (oldest first, with
// bodies where captured) to w, indented as Build's archive encoded with
// two spaces, one entry at a time: an archive of 200,000 requests and
// their bodies is never held in memory. The entries are in the order the
// requests were sent (a request's redirect hops first), which is the
// order of their start but where the events of two targets raced. It
// returns how many entries it wrote.
func Write(w io.Writer, each func(visit func(*protocol.NetworkRequest) bool) error, navigations []protocol.Navigation, title string) (int, error) {
	h, pages := head(navigations, title)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(h); err != nil {
		return 0, fmt.Errorf("encoding the archive: %w", err)
	}
	doc := b.Bytes()
	marker := []byte(`"entries": []`)
	i := bytes.Index(doc, marker)
	if i < 0 {
		return 0, errors.New("encoding the archive: no entries member")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(doc[:i])
	bw.WriteString(`"entries": [`)
	var eb bytes.Buffer
	ee := json.NewEncoder(&eb)
	ee.SetEscapeHTML(false)
	ee.SetIndent("      ", "  ") // the depth of log.entries' items
	n := 0
	var werr error
	err := each(func(r *protocol.NetworkRequest) bool {
		for _, e := range entries(*r, pages) {
			eb.Reset()
			if werr = ee.Encode(e); werr != nil {
				return false
			}
			if n > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n      ")
			bw.Write(bytes.TrimSuffix(eb.Bytes(), []byte("\n")))
			n++
		}
		return true
	})
	if err = errors.Join(err, werr); err != nil {
		return n, err
	}
	if n > 0 {
		bw.WriteString("\n    ")
	}
	bw.WriteByte(']')
	bw.Write(doc[i+len(marker):])
	return n, bw.Flush()
}

func entry(r protocol.NetworkRequest, ref string) Entry {
	version := httpVersion(r.Protocol)
	e := Entry{
		Pageref: ref, StartedDateTime: stamp(r.Timestamp), Time: r.Duration, ResourceType: strings.ToLower(r.ResourceType),
		Request: Request{Method: r.Method, URL: r.URL, HTTPVersion: version, Cookies: []NameValue{},
			Headers: headers(r.RequestHeaders), QueryString: query(r.URL), HeadersSize: -1, BodySize: len(r.RequestBody)},
		Response: Response{Status: r.Status, StatusText: r.StatusText, HTTPVersion: version, Cookies: []NameValue{},
			Headers: headers(r.ResponseHeaders), HeadersSize: -1, BodySize: -1,
			Content: Content{Size: r.BodySize, MimeType: r.MimeType, Text: r.ResponseBody}},
		Timings: timings(&r),
	}
	if r.EncodedDataLength > 0 {
		e.Response.BodySize = r.EncodedDataLength
	}
	if r.RequestBody != "" {
		mt := protocol.HeaderMap(r.RequestHeaders)["Content-Type"]
		e.Request.PostData = &PostData{MimeType: mt, Text: r.RequestBody}
	}
	if r.Base64Encoded {
		e.Response.Content.Encoding = "base64"
	}
	if r.BodyOmitted != "" {
		e.Response.Content.Comment = "body not captured: " + r.BodyOmitted
	}
	for _, f := range r.Frames {
		typ := "receive"
		if f.Direction == protocol.FrameSent {
			typ = "send"
		}
		e.WebSocketMessages = append(e.WebSocketMessages, WebSocketMessage{Type: typ, Time: f.Timestamp / 1000, Opcode: f.Opcode, Data: f.Payload})
	}
	if e.Response.Content.MimeType == "" {
		e.Response.Content.MimeType = "x-unknown"
	}
	if host, _, ok := strings.Cut(r.RemoteAddress, ":"); ok && !strings.HasPrefix(r.RemoteAddress, "[") {
		e.ServerIPAddress = host
	} else if i := strings.LastIndex(r.RemoteAddress, "]:"); i > 0 {
		e.ServerIPAddress = r.RemoteAddress[1:i]
	}
	if r.State == protocol.StateFailed {
		e.Error = r.ErrorText
		e.Response.Status, e.Response.StatusText = 0, ""
	}
	return e
}

func pageID(nav int) string { return "page_" + strconv.Itoa(nav) }

func stamp(ms float64) string {
	return time.UnixMicro(int64(ms * 1000)).UTC().Format("2006-01-02T15:04:05.000Z")
}

func httpVersion(proto string) string {
	switch strings.ToLower(proto) {
	case "", "http/1.1":
		return "HTTP/1.1"
	case "h2":
		return "HTTP/2"
	case "h3":
		return "HTTP/3"
	}
	return strings.ToUpper(proto)
}

func headers(h protocol.Headers) []NameValue {
	m := protocol.HeaderMap(h)
	out := make([]NameValue, 0, len(m))
	for k, v := range m {
		// Chrome joins repeated headers with newlines.
		for _, part := range strings.Split(v, "\n") {
			out = append(out, NameValue{Name: k, Value: part})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func query(rawURL string) []NameValue {
	out := []NameValue{}
	u, err := url.Parse(rawURL)
	if err != nil {
		return out
	}
	for k, vs := range u.Query() {
		for _, v := range vs {
			out = append(out, NameValue{Name: k, Value: v})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
