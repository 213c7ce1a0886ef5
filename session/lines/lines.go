// Package lines renders records as one line of text each: what
// console/list and network/list answer with format "lines", and what
// bdg-rpc mcp's lists say. A list of 10,000 messages is then a few hundred
// KB of text an LLM reads well, made where the records are, instead of
// megabytes of JSON records carried across two processes and made into
// text at the end.
package lines

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// TextCut is the most of a record's text (a message's text, a request's
// URL) a line holds; a longer one ends "… (+N bytes)".
const TextCut = 300

// Console renders console messages, one line each:
//
//	#12 log text (http://host/app.js:3)
//	#13 error exception [worker] Uncaught TypeError: x is undefined (http://host/w.js:9)
//
// the seq, the level, the source when not "console", the target's type
// when not the page, the text on one line, and the place where it was
// logged. A line logged where the line above it was leaves its place out;
// a line with no place after one with a place says "(no place)".
type Console struct {
	url  string
	line int
}

// Append appends m's line, with its newline.
func (c *Console) Append(b []byte, m *protocol.ConsoleMessage) []byte {
	b = append(b, '#')
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, ' ')
	b = append(b, m.Level...)
	if m.Source != "" && m.Source != "console" {
		b = append(b, ' ')
		b = append(b, m.Source...)
	}
	b = appendTarget(b, m.Target)
	b = append(b, ' ')
	b = appendCut(b, m.Text, origSize(m.OriginalSizes, func(s *protocol.OriginalSizes) int { return s.Text }))
	switch {
	case m.URL == "" && c.url != "":
		b = append(b, " (no place)"...)
	case m.URL != "" && (m.URL != c.url || m.Line != c.line):
		b = append(b, " ("...)
		b = appendOneLine(b, m.URL)
		b = append(b, ':')
		b = strconv.AppendInt(b, int64(m.Line), 10)
		b = append(b, ')')
	}
	c.url, c.line = m.URL, m.Line
	return append(b, '\n')
}

// Request appends r's line, with its newline:
//
//	1234.5 GET 200 http://host/data.json Fetch 12ms 342B
//	1234.6 POST failed: net::ERR_FAILED http://host/api [worker] 3ms
//
// its id, method, status (or state, or the failure), URL, resource type,
// duration, size on the wire, and the target's type when not the page.
func Request(b []byte, r *protocol.NetworkRequest) []byte {
	b = appendOneLine(b, r.RequestID)
	b = append(b, ' ')
	b = appendOneLine(b, r.Method)
	b = append(b, ' ')
	switch {
	case r.State == protocol.StateFailed:
		b = append(b, "failed: "...)
		b = appendOneLine(b, r.ErrorText)
	case r.Status > 0:
		b = strconv.AppendInt(b, int64(r.Status), 10)
	default:
		b = append(b, r.State...)
	}
	b = append(b, ' ')
	b = appendCut(b, r.URL, origSize(r.OriginalSizes, func(s *protocol.OriginalSizes) int { return s.URL }))
	if r.ResourceType != "" {
		b = append(b, ' ')
		b = append(b, r.ResourceType...)
	}
	b = appendTarget(b, r.Target)
	if r.Duration > 0 {
		b = append(b, ' ')
		b = strconv.AppendFloat(b, r.Duration, 'f', 0, 64)
		b = append(b, "ms"...)
	}
	if r.EncodedDataLength > 0 {
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.EncodedDataLength, 10)
		b = append(b, 'B')
	}
	return append(b, '\n')
}

func appendTarget(b []byte, t *protocol.TargetRef) []byte {
	if t == nil || t.Type == "" || t.Type == "page" {
		return b
	}
	b = append(b, " ["...)
	b = append(b, t.Type...)
	return append(b, ']')
}

func origSize(s *protocol.OriginalSizes, field func(*protocol.OriginalSizes) int) int {
	if s == nil {
		return 0
	}
	return field(s)
}

// appendCut appends s on one line, at most TextCut bytes of it, saying how
// many more the record had: orig is its size before an earlier cut (0:
// none), whose "…" is not part of the text.
func appendCut(b []byte, s string, orig int) []byte {
	if orig > len(s) {
		s = strings.TrimSuffix(s, "…")
	}
	orig = max(orig, len(s))
	n := len(s)
	if n > TextCut {
		n = TextCut
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
	}
	b = appendOneLine(b, s[:n])
	if more := orig - n; more > 0 {
		b = append(b, "… (+"...)
		b = strconv.AppendInt(b, int64(more), 10)
		b = append(b, " bytes)"...)
	}
	return b
}

// appendOneLine appends s with its line breaks as ⏎, so that a record
// stays on its line.
func appendOneLine(b []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			return append(b, s...)
		}
		b = append(b, s[:i]...)
		b = append(b, "⏎"...)
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
}
