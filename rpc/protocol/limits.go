package protocol

import (
	"fmt"
	"strconv"
	"strings"
)

// Limits override a session's bounds on what it keeps of the page (see
// docs/PROTOCOL.md, "Bounds and drops"): session/start's limits, the
// command line's --limit NAME=SIZE. A zero field keeps its default; sizes
// are in bytes.
type Limits struct {
	// The stores: records kept, and their bytes.
	Requests     int   `json:"requests,omitempty"`     // requests kept (10,000)
	Console      int   `json:"console,omitempty"`      // console messages kept (10,000)
	NetworkBytes int64 `json:"networkBytes,omitempty"` // bytes of requests kept, bodies apart (64 MiB)
	ConsoleBytes int64 `json:"consoleBytes,omitempty"` // bytes of console messages kept (64 MiB)
	JournalBytes int64 `json:"journalBytes,omitempty"` // bytes of the events kept for replay (128 MiB)
	BodyBudget   int64 `json:"bodyBudget,omitempty"`   // bytes of bodies kept, response and request (256 MiB)

	// The caps on one string from the page.
	URL          int `json:"url,omitempty"`          // a URL (8 KiB)
	Text         int `json:"text,omitempty"`         // a console message's text (64 KiB)
	Stack        int `json:"stack,omitempty"`        // a stack trace (16 KiB)
	StackFrames  int `json:"stackFrames,omitempty"`  // frames of a stack trace (100)
	FrameURL     int `json:"frameURL,omitempty"`     // the URL of a stack frame (2 KiB)
	Header       int `json:"header,omitempty"`       // a header's name, and its value (8 KiB each)
	Headers      int `json:"headers,omitempty"`      // headers of one set (200)
	HeadersBytes int `json:"headersBytes,omitempty"` // one set of headers (64 KiB)
	PostData     int `json:"postData,omitempty"`     // a request's post data (64 KiB)
	Redirects    int `json:"redirects,omitempty"`    // hops of a redirect chain (20)
	Field        int `json:"field,omitempty"`        // any other page string: method, status text... (1 KiB)
}

// fields lists the limits by name, in order, with where each is kept.
func (l *Limits) fields() []limitField {
	return []limitField{
		{"requests", nil, &l.Requests}, {"console", nil, &l.Console},
		{"networkBytes", &l.NetworkBytes, nil}, {"consoleBytes", &l.ConsoleBytes, nil},
		{"journalBytes", &l.JournalBytes, nil}, {"bodyBudget", &l.BodyBudget, nil},
		{"url", nil, &l.URL}, {"text", nil, &l.Text}, {"stack", nil, &l.Stack},
		{"stackFrames", nil, &l.StackFrames}, {"frameURL", nil, &l.FrameURL},
		{"header", nil, &l.Header}, {"headers", nil, &l.Headers},
		{"headersBytes", nil, &l.HeadersBytes}, {"postData", nil, &l.PostData},
		{"redirects", nil, &l.Redirects}, {"field", nil, &l.Field},
	}
}

type limitField struct {
	name string
	i64  *int64
	i    *int
}

// LimitNames lists the names Set takes.
func LimitNames() []string {
	var l Limits
	var names []string
	for _, f := range l.fields() {
		names = append(names, f.name)
	}
	return names
}

// maxLimit is the largest limit taken: 1 TiB, far beyond any memory.
const maxLimit = 1 << 40

// Set sets the limit name from text: a count, or a size with an optional
// unit (B, KB, KiB, MB, MiB, GB, GiB; a KB is 1,000 bytes, a KiB 1,024).
func (l *Limits) Set(name, text string) error {
	for _, f := range l.fields() {
		if f.name != name {
			continue
		}
		n, err := parseSize(text)
		if err != nil {
			return fmt.Errorf("limit %s: %w", name, err)
		}
		if f.i64 != nil {
			*f.i64 = n
		} else {
			*f.i = int(n)
		}
		return nil
	}
	return fmt.Errorf("no limit named %q (limits: %s)", name, strings.Join(LimitNames(), ", "))
}

// Validate checks that no limit is negative or absurdly large.
func (l Limits) Validate() error {
	for _, f := range l.fields() {
		v := int64(0)
		if f.i64 != nil {
			v = *f.i64
		} else {
			v = int64(*f.i)
		}
		if v < 0 || v > maxLimit {
			return fmt.Errorf("limit %s is %d: it must be between 0 (the default) and 1 TiB", f.name, v)
		}
	}
	return nil
}

// parseSize reads "65536", "64KiB", "8 MB", "1.5MiB".
func parseSize(text string) (int64, error) {
	s := strings.TrimSpace(text)
	num := strings.TrimRightFunc(s, func(r rune) bool { return r == ' ' || r > '9' || r < '0' && r != '.' })
	unit := strings.ToLower(strings.TrimSpace(s[len(num):]))
	mult, ok := map[string]float64{"": 1, "b": 1, "kb": 1e3, "kib": 1 << 10, "mb": 1e6, "mib": 1 << 20, "gb": 1e9, "gib": 1 << 30}[unit]
	v, err := strconv.ParseFloat(num, 64)
	if !ok || err != nil || v < 0 {
		return 0, fmt.Errorf("%q is not a size: give a number of bytes, or one with a unit such as 64KiB or 8MB", text)
	}
	n := v * mult
	if n > maxLimit {
		return 0, fmt.Errorf("%q is more than 1 TiB", text)
	}
	return int64(n), nil
}
