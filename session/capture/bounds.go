package capture

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/chromedp/cdproto/runtime"
)

// The page is untrusted: every string it can make (URLs, console text,
// stack frames, headers, post data, status texts...) is cut to a cap before
// it is stored, and the stores hold a bounded number of bytes besides a
// bounded number of records, so that what the worker holds (and writes to
// session.json, and pushes in events) is bounded whatever the page does.
// What is cut is said (the record's truncated, dropped.truncated) and
// counted (dropped.bytes).

// Caps are the largest sizes of the strings kept from the page, in bytes.
// A zero field takes its default (DefaultCaps).
type Caps struct {
	URL          int // a URL: a request's, a redirect hop's, a message's, a navigation's (8 KiB)
	Text         int // a console message's text (64 KiB)
	Stack        int // a stack trace's text, all frames (16 KiB)
	StackFrames  int // frames of a stack trace (100)
	FrameURL     int // the URL of one frame of a stack trace (2 KiB)
	Header       int // a header's name, and its value (8 KiB each)
	Headers      int // headers of one set: request, response, a hop's response (200)
	HeadersBytes int // one set of headers, as JSON text (64 KiB)
	PostData     int // a request's post data (64 KiB)
	Redirects    int // hops of a redirect chain (20)
	Field        int // any other page string: method, status text, MIME type, error text, function name (1 KiB)
}

// DefaultCaps are the caps a zero Caps field takes.
var DefaultCaps = Caps{
	URL: 8 << 10, Text: 64 << 10, Stack: 16 << 10, StackFrames: 100, FrameURL: 2 << 10,
	Header: 8 << 10, Headers: 200, HeadersBytes: 64 << 10, PostData: 64 << 10, Redirects: 20, Field: 1 << 10,
}

func (k *Caps) setDefaults() {
	d := DefaultCaps
	for _, f := range []struct {
		v   *int
		def int
	}{
		{&k.URL, d.URL}, {&k.Text, d.Text}, {&k.Stack, d.Stack}, {&k.StackFrames, d.StackFrames},
		{&k.FrameURL, d.FrameURL}, {&k.Header, d.Header}, {&k.Headers, d.Headers},
		{&k.HeadersBytes, d.HeadersBytes}, {&k.PostData, d.PostData}, {&k.Redirects, d.Redirects},
		{&k.Field, d.Field},
	} {
		if *f.v <= 0 {
			*f.v = f.def
		}
	}
	// The text and the stack end with "…" when cut: leave room for it.
	k.Text = max(k.Text, len(ellipsis))
	k.Stack = max(k.Stack, len(stackEllipsis))
}

// ellipsis ends a cut text; stackEllipsis, a cut stack trace.
const (
	ellipsis      = "…"
	stackEllipsis = "\n    …"
)

// cutAt returns the length of the longest prefix of s of at most n bytes
// that does not end inside a UTF-8 sequence.
func cutAt(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	i := n
	// Back up over the continuation bytes of the sequence s[n] is in (at
	// most 3 in valid UTF-8; invalid text is cut where it is).
	for j := 0; j < utf8.UTFMax-1 && i > 0 && !utf8.RuneStart(s[i]); j++ {
		i--
	}
	if !utf8.RuneStart(s[i]) {
		return n
	}
	return i
}

// cutString returns s cut to at most n bytes, a copy so that the page's
// whole string can be freed, and whether it cut.
func cutString(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	return strings.Clone(s[:cutAt(s, n)]), true
}

// cutText returns s cut to at most n bytes, ending with "…" when cut.
func cutText(s string, n int) (string, bool) {
	if len(s) <= n {
		return s, false
	}
	return s[:cutAt(s, n-len(ellipsis))] + ellipsis, true
}

// cutter applies the caps to one record, gathering what it cut.
type cutter struct {
	caps  *Caps
	t     protocol.OriginalSizes
	bytes int64 // bytes cut
}

// str cuts s to n bytes, noting its size in *field when it cuts.
func (k *cutter) str(s string, n int, field *int) string {
	if len(s) <= n {
		return s
	}
	out, _ := cutString(s, n)
	*field = len(s)
	k.bytes += int64(len(s) - len(out))
	return out
}

// headers caps a set of headers (see capHeaders), noting the original size
// in *field when it cuts.
func (k *cutter) headers(raw []byte, field *int) protocol.Headers {
	h, cut := k.caps.capHeaders(raw)
	if cut {
		*field = len(raw)
		k.bytes += int64(len(raw) - len(h))
	}
	return h
}

// truncated returns what a record says of its cuts: whether there were
// any, and the original sizes (nil when nothing was cut).
func (k *cutter) truncated() (bool, *protocol.OriginalSizes) {
	if k.t == (protocol.OriginalSizes{}) {
		return false, nil
	}
	t := k.t
	return true, &t
}

// capHeaders returns a set of headers, a JSON object of names to string
// values as Chrome sent it, within the caps: at most Headers members,
// names and values cut to Header bytes of JSON text each, HeadersBytes in
// all (the members that do not fit are left out). It returns nil for no
// headers, a copy of raw when nothing had to be cut, and whether it cut. An
// object it cannot read (a value that is not a string) is left out whole.
func (k *Caps) capHeaders(raw []byte) (protocol.Headers, bool) {
	if len(raw) == 0 || string(raw) == "{}" {
		return nil, false
	}
	// Each member takes at least 6 bytes (`"":"",`): a set this short
	// holds no more than Headers members and no name or value longer than
	// Header bytes.
	if len(raw) <= min(k.HeadersBytes, k.Header, 6*k.Headers) {
		return protocol.Headers(bytes.Clone(raw)), false
	}
	members, ok := scanHeaders(raw, nil)
	if !ok {
		return nil, true
	}
	fits := len(raw) <= k.HeadersBytes && len(members) <= k.Headers
	for _, m := range members {
		fits = fits && m.nameEnd-m.name <= k.Header && m.valueEnd-m.value <= k.Header
	}
	if fits {
		return protocol.Headers(bytes.Clone(raw)), false
	}
	out := make([]byte, 0, min(len(raw), k.HeadersBytes))
	out = append(out, '{')
	for i, m := range members {
		if i == k.Headers {
			break
		}
		name := raw[m.name : m.name+cutJSONString(raw[m.name:m.nameEnd], k.Header)]
		value := raw[m.value : m.value+cutJSONString(raw[m.value:m.valueEnd], k.Header)]
		need := len(name) + len(value) + len(`"":""`) + 2 // a comma, and the closing brace
		if len(out)+need > k.HeadersBytes {
			break
		}
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, '"')
		out = append(out, name...)
		out = append(out, `":"`...)
		out = append(out, value...)
		out = append(out, '"')
	}
	out = append(out, '}')
	if len(out) == 2 {
		return nil, true
	}
	return protocol.Headers(out), true
}

// member locates a header's name and value in the JSON text: the bytes
// between their quotes.
type member struct{ name, nameEnd, value, valueEnd int }

// scanHeaders reads a JSON object of string values, appending its members
// to ms; false when it is not one.
func scanHeaders(b []byte, ms []member) ([]member, bool) {
	i := skipSpace(b, 0)
	if i == len(b) || b[i] != '{' {
		return ms, false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return ms, skipSpace(b, i+1) == len(b)
	}
	for {
		var m member
		var ok bool
		if m.name, m.nameEnd, i, ok = scanString(b, i); !ok {
			return ms, false
		}
		if i = skipSpace(b, i); i == len(b) || b[i] != ':' {
			return ms, false
		}
		if m.value, m.valueEnd, i, ok = scanString(b, skipSpace(b, i+1)); !ok {
			return ms, false
		}
		ms = append(ms, m)
		if i = skipSpace(b, i); i == len(b) {
			return ms, false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return ms, skipSpace(b, i+1) == len(b)
		default:
			return ms, false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// scanString reads the JSON string at b[i]: its content is b[start:end],
// and next is just after its closing quote.
func scanString(b []byte, i int) (start, end, next int, ok bool) {
	if i >= len(b) || b[i] != '"' {
		return 0, 0, 0, false
	}
	start = i + 1
	for j := start; ; {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return 0, 0, 0, false
		}
		q += j
		// The quote is escaped when an odd number of backslashes precede it.
		n := 0
		for k := q - 1; k >= start && b[k] == '\\'; k-- {
			n++
		}
		if n%2 == 0 {
			return start, q, q + 1, true
		}
		j = q + 1
	}
}

// cutJSONString returns the length of the longest prefix of the content s
// of a JSON string that is at most n bytes and ends between characters:
// not inside an escape (nor between the two halves of an escaped surrogate
// pair), nor inside a UTF-8 sequence.
func cutJSONString(s []byte, n int) int {
	if len(s) <= n {
		return len(s)
	}
	i := 0
	for i < len(s) {
		size := 1
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && s[i+1] == 'u':
			size = 6
			if i+12 <= len(s) && isHighSurrogate(s[i+2:i+6]) && s[i+6] == '\\' && s[i+7] == 'u' {
				size = 12
			}
		case c == '\\':
			size = 2
		case c >= utf8.RuneSelf:
			_, size = utf8.DecodeRune(s[i:])
		}
		if i+size > n {
			break
		}
		i += size
	}
	return i
}

// isHighSurrogate reports whether the 4 hex digits h are D800-DBFF.
func isHighSurrogate(h []byte) bool {
	return (h[0] == 'd' || h[0] == 'D') && (h[1] == '8' || h[1] == '9' || h[1] == 'a' || h[1] == 'A' || h[1] == 'b' || h[1] == 'B')
}

// formatStack renders a stack trace, one "    at fn (url:line:col)" frame
// per line, within the caps: at most StackFrames frames, each function
// name cut to Field bytes and each URL to FrameURL, Stack bytes in all,
// ending with a "    …" line when frames were left out. It returns the
// size of the whole trace when it cut anything.
func (k *Caps) formatStack(st *runtime.StackTrace) (string, int) {
	w := stackWriter{caps: k}
	frames := 0
	for s := st; s != nil; s = s.Parent {
		if s.Description != "" && w.full > 0 {
			w.begin(len("    ---  ---") + len(s.Description))
			if w.open() {
				w.b = append(w.b, "    --- "...)
				w.b = w.appendCut(w.b, s.Description, k.Field)
				w.b = append(w.b, " ---"...)
				w.end()
			}
		}
		for _, f := range s.CallFrames {
			if f == nil {
				continue
			}
			name := f.FunctionName
			if name == "" {
				name = "(anonymous)"
			}
			ln, col := int64(f.LineNumber)+1, int64(f.ColumnNumber)+1
			if frames++; frames > k.StackFrames {
				w.stopped, w.cut = true, true
			}
			w.begin(len("    at  (::)") + len(name) + len(f.URL) + digits(ln) + digits(col))
			if w.open() {
				w.b = append(w.b, "    at "...)
				w.b = w.appendCut(w.b, name, k.Field)
				w.b = append(w.b, " ("...)
				w.b = w.appendCut(w.b, f.URL, k.FrameURL)
				w.b = append(w.b, ':')
				w.b = strconv.AppendInt(w.b, ln, 10)
				w.b = append(w.b, ':')
				w.b = strconv.AppendInt(w.b, col, 10)
				w.b = append(w.b, ')')
				w.end()
			}
		}
	}
	if !w.cut {
		return string(w.b), 0
	}
	if w.stopped {
		if len(w.b) > 0 {
			w.b = append(w.b, stackEllipsis...)
		} else {
			w.b = append(w.b, stackEllipsis[1:]...)
		}
	}
	return string(w.b), w.full
}

// stackWriter writes the lines of a stack trace within its caps.
type stackWriter struct {
	caps    *Caps
	b       []byte
	full    int  // size of the whole trace, so far
	start   int  // where the current line starts in b
	cut     bool // something was cut
	stopped bool // lines are no longer written: the cap is reached
}

// begin counts a line of the given size in the whole trace.
func (w *stackWriter) begin(size int) {
	if w.full > 0 {
		size++ // the newline before it
	}
	w.full += size
}

// open starts writing the line, unless the trace is stopped.
func (w *stackWriter) open() bool {
	if w.stopped {
		return false
	}
	w.start = len(w.b)
	if w.start > 0 {
		w.b = append(w.b, '\n')
	}
	return true
}

// end takes the line back, and stops the trace, when it went past the cap
// (with room left for the closing "    …" line).
func (w *stackWriter) end() {
	if len(w.b) > w.caps.Stack-len(stackEllipsis) {
		w.b = w.b[:w.start]
		w.stopped, w.cut = true, true
	}
}

// appendCut appends s cut to n bytes.
func (w *stackWriter) appendCut(b []byte, s string, n int) []byte {
	if len(s) > n {
		w.cut = true
		return append(b, s[:cutAt(s, n)]...)
	}
	return append(b, s...)
}

// digits returns the length of n in decimal.
func digits(n int64) int {
	d := 1
	if n < 0 {
		d, n = 2, -n
	}
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// The sizes the budgets count: a record's strings, plus its struct and its
// share of the store and journal around it. Strings that several versions
// of a request share count in each.
const (
	consoleOverhead    = int64(unsafe.Sizeof(protocol.ConsoleMessage{})) + 64
	requestOverhead    = int64(unsafe.Sizeof(protocol.NetworkRequest{})) + 64
	redirectOverhead   = int64(unsafe.Sizeof(protocol.Redirect{}))
	navigationOverhead = int64(unsafe.Sizeof(protocol.Navigation{})) + 64
	truncatedSize      = int64(unsafe.Sizeof(protocol.OriginalSizes{}))
)

func consoleSize(m *protocol.ConsoleMessage) int64 {
	n := consoleOverhead + int64(len(m.Level)+len(m.Source)+len(m.Type)+len(m.Text)+len(m.URL)+len(m.Stack))
	if m.OriginalSizes != nil {
		n += truncatedSize
	}
	for i := range m.Objects {
		o := &m.Objects[i]
		n += consoleObjectOverhead + int64(len(o.ObjectID)+len(o.Type)+len(o.Subtype)+len(o.ClassName)+len(o.Text))
	}
	return n
}

// consoleObjectOverhead is a ConsoleObject's size beside its strings.
const consoleObjectOverhead = 80

// initiatorOverhead is an Initiator's size beside its strings.
const initiatorOverhead = 64

// timingSize is a Timing's size: seven float64 and its allocation's header.
const timingSize = 64

// requestSize is the size of a request without its bodies, which the body
// budget counts.
func requestSize(r *protocol.NetworkRequest) int64 {
	n := requestOverhead + int64(len(r.RequestID)+len(r.URL)+len(r.Method)+len(r.ResourceType)+len(r.State)+
		len(r.RequestHeaders)+len(r.StatusText)+len(r.MimeType)+len(r.ResponseHeaders)+len(r.Protocol)+
		len(r.RemoteAddress)+len(r.ErrorText)+len(r.BodyOmitted)+len(r.FrameID)+len(r.ServiceWorkerRequestID)+len(r.ForRequestID))
	if r.OriginalSizes != nil {
		n += truncatedSize
	}
	if in := r.Initiator; in != nil {
		n += initiatorOverhead + int64(len(in.Type)+len(in.URL))
	}
	if r.Timing != nil {
		n += timingSize
	}
	for i := range r.Redirects {
		h := &r.Redirects[i]
		n += redirectOverhead + int64(len(h.URL)+len(h.StatusText)+len(h.ResponseHeaders))
		if h.OriginalSizes != nil {
			n += truncatedSize
		}
	}
	return n
}

func navigationSize(n *protocol.Navigation) int64 {
	return navigationOverhead + int64(len(n.URL))
}

// CutString returns s cut to at most n bytes, between characters, as the
// caps cut a record's strings.
func CutString(s string, n int) string {
	out, _ := cutString(s, n)
	return out
}
