package cli

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Text that comes from the page (console messages, URLs, titles, headers,
// bodies, error texts, stack traces) is untrusted: printed as it is, an
// escape sequence in it would drive the terminal (set its title, clear it,
// move the cursor), a carriage return would overwrite what came before,
// and a bidi override would reorder what follows. The human output passes
// every such value through escapeLine or escapeBlock, which show those
// characters as visible escapes (\x1b, \r, \u202e...) instead. The --json
// output prints values exactly: it is JSON, whose encoder escapes the C0
// controls itself.

// escapeMode says how escapeText treats the characters it escapes.
type escapeMode int

const (
	// lineMode is for a value printed on one line: newline and tab are
	// escaped too.
	lineMode escapeMode = iota
	// blockMode is for text printed as lines of its own (a stack, a body):
	// newline and tab stay.
	blockMode
	// jsonMode is for an encoded JSON document, whose strings hold no raw
	// C0 control: newline and tab stay (they are its layout) and every
	// escape is JSON's own \uNNNN, so that the document keeps its meaning.
	jsonMode
)

// escapeLine returns s made safe to print on one line: every control
// character, newline and tab included, is escaped (see escapeText).
func escapeLine(s string) string { return escapeText(s, lineMode) }

// escapeBlock returns s made safe to print as lines of its own (a stack, a
// body): its newlines and tabs stay, every other control character is
// escaped (see escapeText).
func escapeBlock(s string) string { return escapeText(s, blockMode) }

// escapeJSON returns an encoded JSON document made safe to print: what
// encoding/json leaves raw (DEL, the C1 controls, the bidi overrides and
// isolates) becomes \uNNNN, an escape that means the same in JSON.
func escapeJSON(s string) string { return escapeText(s, jsonMode) }

// escapeText returns s with what could drive a terminal shown as escapes:
// C0 controls as \n, \r, \t or \xNN (newline and tab stay outside
// lineMode), DEL as \x7f, C1 controls, the bidi overrides and isolates and
// the line and paragraph separators as \uNNNN, and a byte that is not
// UTF-8 as \xNN (in jsonMode every escape is \uNNNN, and such a byte
// \ufffd). Everything else, multi-byte text included, is left as it is;
// s itself is returned when nothing needs escaping.
func escapeText(s string, mode escapeMode) string {
	i := firstUnsafe(s, mode)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1 && mode == jsonMode:
			b.WriteString(`\ufffd`)
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafeRune(r, mode):
			writeEscape(&b, r, mode)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe returns the index of the first byte of s that escapeText
// changes, or -1.
func firstUnsafe(s string, mode escapeMode) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f { // printable ASCII: the common case
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r, mode) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports whether r is escaped in mode.
func unsafeRune(r rune, mode escapeMode) bool {
	switch {
	case r == '\n' || r == '\t':
		return mode == lineMode
	case r < 0x20 || r == 0x7f: // C0 controls, DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r >= 0x202a && r <= 0x202e: // LRE, RLE, PDF, LRO, RLO
		return true
	case r >= 0x2066 && r <= 0x2069: // LRI, RLI, FSI, PDI
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return false
}

// writeEscape writes the visible form of r: \n, \r and \t, \xNN for the
// other ASCII controls, \uNNNN beyond ASCII and for everything in
// jsonMode.
func writeEscape(b *strings.Builder, r rune, mode escapeMode) {
	switch {
	case mode == jsonMode:
		fmt.Fprintf(b, `\u%04x`, r)
	case r == '\n':
		b.WriteString(`\n`)
	case r == '\r':
		b.WriteString(`\r`)
	case r == '\t':
		b.WriteString(`\t`)
	case r < 0x80:
		fmt.Fprintf(b, `\x%02x`, r)
	default:
		fmt.Fprintf(b, `\u%04x`, r)
	}
}
