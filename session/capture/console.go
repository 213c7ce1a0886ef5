package capture

import (
	"strconv"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
)

// addConsole stores a message, its text and URL cut to their caps (its
// stack is capped as it is formatted), evicting the oldest messages beyond
// the store's count and bytes, and journals it.
func (c *Capture) addConsole(m *protocol.ConsoleMessage, stackSize int) {
	k := cutter{caps: &c.opts.Caps}
	if len(m.Text) > k.caps.Text {
		n := len(m.Text)
		m.Text, _ = cutText(m.Text, k.caps.Text)
		k.t.Text, k.bytes = n, k.bytes+int64(n-len(m.Text))
	}
	m.URL = k.str(m.URL, k.caps.URL, &k.t.URL)
	if stackSize > 0 {
		k.t.Stack, k.bytes = stackSize, k.bytes+int64(stackSize-len(m.Stack))
	}
	if m.Truncated, m.OriginalSizes = k.truncated(); m.Truncated {
		c.dropped.Truncated++
		c.dropped.Bytes += k.bytes
	}
	m.NavigationID = c.navID()
	m.Target = c.src.Target
	size := consoleSize(m)
	m.Seq = c.journal.append(protocol.NotifyConsole, m, size)
	c.consoleBytes += size
	c.console.push(m)
	c.indexConsole(m)
	c.trimConsole()
	c.changed = true
}

func (c *Capture) onConsoleAPICalled(ev *runtime.EventConsoleAPICalled) {
	apiType := string(ev.Type)
	m := &protocol.ConsoleMessage{
		Level: consoleLevel(apiType), Source: protocol.SourceConsole, Type: apiType,
		Text: renderArgs(ev.Args), Timestamp: float64(ev.Timestamp), FrameID: c.frameOf(ev.ExecutionContextID),
	}
	stackSize := 0
	if f := firstFrame(ev.StackTrace); f != nil {
		m.URL, m.Line, m.Column = f.URL, int(f.LineNumber)+1, int(f.ColumnNumber)+1
		switch apiType {
		case "error", "warning", "trace", "assert":
			m.Stack, stackSize = c.opts.Caps.formatStack(ev.StackTrace)
		}
	}
	m.Objects = consoleObjects(ev.Args)
	if apiType == "assert" && m.Text == "" {
		m.Text = "Assertion failed"
	} else if apiType == "assert" {
		m.Text = "Assertion failed: " + m.Text
	}
	c.addConsole(m, stackSize)
}

func (c *Capture) onExceptionThrown(ev *runtime.EventExceptionThrown) {
	d := ev.ExceptionDetails
	if d == nil {
		return
	}
	text := d.Text
	if d.Exception != nil {
		desc := d.Exception.Description
		if desc == "" {
			desc = remoteToString(d.Exception)
		}
		first, _, _ := strings.Cut(desc, "\n")
		if first != "" {
			text = strings.TrimSpace(text + " " + first)
		}
	}
	m := &protocol.ConsoleMessage{
		Level: protocol.LevelError, Source: protocol.SourceException, Type: "exception",
		Text: text, Timestamp: float64(ev.Timestamp), URL: d.URL,
		Line: int(d.LineNumber) + 1, Column: int(d.ColumnNumber) + 1, FrameID: c.frameOf(d.ExecutionContextID),
	}
	stackSize := 0
	if d.StackTrace != nil {
		m.Stack, stackSize = c.opts.Caps.formatStack(d.StackTrace)
		if f := firstFrame(d.StackTrace); m.URL == "" && f != nil {
			m.URL = f.URL
		}
	}
	c.addConsole(m, stackSize)
}

func (c *Capture) onLogEntry(ev *log.EventEntryAdded) {
	e := ev.Entry
	if e == nil || (c.opts.WorkersAttached && e.Source == "worker") {
		return // a worker's own console and exceptions come from its target
	}
	m := &protocol.ConsoleMessage{
		Level: logLevel(string(e.Level)), Source: protocol.SourceBrowser, Type: string(e.Source),
		Text: e.Text, Timestamp: float64(e.Timestamp), URL: e.URL,
	}
	if e.LineNumber > 0 {
		m.Line = int(e.LineNumber) + 1
	}
	stackSize := 0
	if e.StackTrace != nil {
		m.Stack, stackSize = c.opts.Caps.formatStack(e.StackTrace)
	}
	c.addConsole(m, stackSize)
}

func consoleLevel(apiType string) string {
	switch apiType {
	case "debug":
		return protocol.LevelDebug
	case "info", "count", "timeEnd":
		return protocol.LevelInfo
	case "warning":
		return protocol.LevelWarning
	case "error", "assert":
		return protocol.LevelError
	}
	return protocol.LevelLog
}

func logLevel(level string) string {
	switch level {
	case "verbose":
		return protocol.LevelDebug
	case "info":
		return protocol.LevelInfo
	case "warning":
		return protocol.LevelWarning
	case "error":
		return protocol.LevelError
	}
	return protocol.LevelLog
}

// firstFrame returns the top frame of st, or nil.
func firstFrame(st *runtime.StackTrace) *runtime.CallFrame {
	if st == nil || len(st.CallFrames) == 0 {
		return nil
	}
	return st.CallFrames[0]
}

// consoleObjects returns the arguments of a console call that are objects
// or functions, with their remote ids (the first MaxConsoleObjects; an id
// longer than Chrome's are is left out), for runtime/getProperties.
func consoleObjects(args []*runtime.RemoteObject) []protocol.ConsoleObject {
	var out []protocol.ConsoleObject
	for i, a := range args {
		if a == nil || a.ObjectID == "" || len(a.ObjectID) > 128 || (a.Type != "object" && a.Type != "function") || a.Subtype == "null" {
			continue
		}
		text, _ := cutString(remoteToString(a), protocol.MaxConsoleObjectText)
		out = append(out, protocol.ConsoleObject{
			Index: i, ObjectID: string(a.ObjectID), Type: string(a.Type), Subtype: string(a.Subtype),
			ClassName: a.ClassName, Text: text,
		})
		if len(out) == protocol.MaxConsoleObjects {
			break
		}
	}
	return out
}

// renderArgs renders console arguments as DevTools shows them: format
// specifiers in a leading string are substituted, the rest joined by spaces.
func renderArgs(args []*runtime.RemoteObject) string {
	if len(args) == 0 {
		return ""
	}
	var parts []string
	rest := args
	if first := args[0]; first != nil && first.Type == "string" {
		format := remoteToString(first)
		rest = args[1:]
		if strings.Contains(format, "%") {
			format, rest = substitute(format, rest)
		}
		parts = append(parts, format)
	}
	for _, a := range rest {
		parts = append(parts, remoteToString(a))
	}
	return strings.Join(parts, " ")
}

// substitute applies %s %d %i %f %o %O %c and %% to format, consuming args.
func substitute(format string, args []*runtime.RemoteObject) (string, []*runtime.RemoteObject) {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' || i+1 == len(format) {
			b.WriteByte(ch)
			continue
		}
		verb := format[i+1]
		if verb == '%' {
			b.WriteByte('%')
			i++
			continue
		}
		if !strings.ContainsRune("sdifoOc", rune(verb)) || len(args) == 0 {
			b.WriteByte(ch)
			continue
		}
		a := args[0]
		args = args[1:]
		i++
		switch verb {
		case 's', 'o', 'O':
			b.WriteString(remoteToString(a))
		case 'd', 'i':
			if f, err := strconv.ParseFloat(primitiveText(a), 64); err == nil {
				b.WriteString(strconv.FormatInt(int64(f), 10))
			} else {
				b.WriteString("NaN")
			}
		case 'f':
			if f, err := strconv.ParseFloat(primitiveText(a), 64); err == nil {
				b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
			} else {
				b.WriteString("NaN")
			}
		case 'c': // CSS: not rendered
		}
	}
	return b.String(), args
}

func primitiveText(o *runtime.RemoteObject) string {
	if o == nil {
		return "undefined"
	}
	if o.UnserializableValue != "" {
		return string(o.UnserializableValue)
	}
	var s string
	if o.Type == "string" && jsonv2.Unmarshal(o.Value, &s, decodeOpts) == nil {
		return s
	}
	return string(o.Value)
}

// remoteToString renders one value: primitives as their text, objects from
// their preview ({a: 1, b: "x"}, [1, 2]) or description.
func remoteToString(o *runtime.RemoteObject) string {
	if o == nil {
		return "undefined"
	}
	switch o.Type {
	case "string", "number", "boolean", "bigint":
		return primitiveText(o)
	case "undefined":
		return "undefined"
	case "symbol", "function":
		return o.Description
	}
	if o.Subtype == "null" {
		return "null"
	}
	if o.Preview != nil {
		switch o.Subtype {
		case "error", "regexp", "date", "node":
		default:
			return renderPreview(o.Preview, o.Description)
		}
	}
	if o.Description != "" {
		return o.Description
	}
	if len(o.Value) > 0 {
		return string(o.Value)
	}
	return o.ClassName
}

func renderPreview(p *runtime.ObjectPreview, description string) string {
	var items []string
	isArray := p.Subtype == "array" || p.Subtype == "typedarray"
	for _, e := range p.Entries {
		if e == nil {
			continue
		}
		v := renderEntryPreview(e.Value)
		if e.Key != nil {
			v = renderEntryPreview(e.Key) + " => " + v
		}
		items = append(items, v)
	}
	for _, prop := range p.Properties {
		if prop == nil {
			continue
		}
		v := renderPropertyValue(prop)
		if isArray {
			if _, err := strconv.Atoi(prop.Name); err == nil {
				items = append(items, v)
				continue
			}
		}
		items = append(items, prop.Name+": "+v)
	}
	if p.Overflow {
		items = append(items, "…")
	}
	body := strings.Join(items, ", ")
	switch {
	case isArray:
		prefix := ""
		if description != "" && !strings.HasPrefix(description, "Array(") {
			prefix = description + " "
		}
		return prefix + "[" + body + "]"
	case p.Subtype == "map" || p.Subtype == "set":
		return description + " {" + body + "}"
	case description != "" && description != "Object":
		return description + " {" + body + "}"
	}
	return "{" + body + "}"
}

func renderEntryPreview(p *runtime.ObjectPreview) string {
	if p == nil {
		return "undefined"
	}
	if p.Type == "object" && len(p.Properties) > 0 {
		return renderPreview(p, p.Description)
	}
	return p.Description
}

func renderPropertyValue(p *runtime.PropertyPreview) string {
	switch {
	case p.Type == "string":
		return strconv.Quote(p.Value)
	case p.ValuePreview != nil && len(p.ValuePreview.Properties) > 0 && p.ValuePreview.Subtype != "array":
		return renderPreview(p.ValuePreview, p.ValuePreview.Description)
	case p.Type == "accessor":
		return "(...)"
	}
	return p.Value
}
