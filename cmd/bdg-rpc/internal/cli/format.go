package cli

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// formatter renders records and events for people: one line each, with
// colour only on a terminal and never when NO_COLOR is set. What comes from
// the page is escaped (escapeLine) before it is laid out or painted.
type formatter struct {
	color bool
}

func newFormatter(env *Env) *formatter {
	return &formatter{color: isTerminal(env.Stdout) && env.Getenv("NO_COLOR") == "" && env.Getenv("TERM") != "dumb"}
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), ioctlGetTermios)
	return err == nil
}

const (
	red    = "31"
	green  = "32"
	yellow = "33"
	blue   = "34"
	gray   = "90"
	bold   = "1"
)

func (f *formatter) paint(code, s string) string {
	if !f.color || code == "" {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

func clock(ms float64) string {
	if ms <= 0 {
		return time.Now().Format("15:04:05.000")
	}
	return time.UnixMilli(int64(ms)).Format("15:04:05.000")
}

// oneLine keeps the first line of s and says how many follow.
func oneLine(s string) string {
	first, rest, ok := strings.Cut(s, "\n")
	if !ok {
		return s
	}
	return fmt.Sprintf("%s (+%d lines)", first, strings.Count(rest, "\n")+1)
}

func levelColor(level string) string {
	switch level {
	case protocol.LevelError:
		return red
	case protocol.LevelWarning:
		return yellow
	case protocol.LevelInfo:
		return blue
	case protocol.LevelDebug:
		return gray
	}
	return ""
}

// targetMode says how a line shows the target its record came from.
type targetMode int

const (
	// noTarget shows none: the lines of a list of the page's records only.
	noTarget targetMode = iota
	// targetColumn gives every line a column of its own (targetName): the
	// lines of a list whose records come from more than one target.
	targetColumn
	// targetTag puts a tag ("[worker]") before the text or URL of a record
	// that is not the page's: tail's lines, which cannot know what comes.
	targetTag
)

// targetNames are the short names of the target types, at most six
// characters: the target column's width.
var targetNames = map[string]string{
	protocol.TargetPage:          "page",
	protocol.TargetIframe:        "iframe",
	protocol.TargetWorker:        "worker",
	protocol.TargetSharedWorker:  "shared",
	protocol.TargetServiceWorker: "sw",
	protocol.TargetPopup:         "popup",
}

// targetName is the short name of a record's target: page, iframe,
// worker, shared (shared worker), sw (service worker) or popup; a record
// without one (from an older session) is the page's. A type this CLI does
// not know is shown escaped, then cut to six characters (the column).
func targetName(t *protocol.TargetRef) string {
	if t == nil || t.Type == "" {
		return targetNames[protocol.TargetPage]
	}
	if n, ok := targetNames[t.Type]; ok {
		return n
	}
	return cutRunes(escapeLine(t.Type), 6, "")
}

// isPage says a record is the watched page's (or has no target).
func isPage(t *protocol.TargetRef) bool {
	return t == nil || t.Type == "" || t.Type == protocol.TargetPage
}

// manyTargets says records come from more than one target: one is not of
// the page, or two are of targets with different ids. Records without a
// target say nothing either way.
func manyTargets(targets ...*protocol.TargetRef) bool {
	id, seen := "", false
	for _, t := range targets {
		if t == nil {
			continue
		}
		if !isPage(t) || (seen && t.ID != id) {
			return true
		}
		id, seen = t.ID, true
	}
	return false
}

// requestTargets and consoleTargets are the targets of records, for
// manyTargets.
func requestTargets(reqs []protocol.NetworkRequest) []*protocol.TargetRef {
	out := make([]*protocol.TargetRef, len(reqs))
	for i := range reqs {
		out[i] = reqs[i].Target
	}
	return out
}

func consoleTargets(msgs []protocol.ConsoleMessage) []*protocol.TargetRef {
	out := make([]*protocol.TargetRef, len(msgs))
	for i := range msgs {
		out[i] = msgs[i].Target
	}
	return out
}

// tagged puts a record's target tag ("[worker] ") before s in targetTag
// mode, for a record that is not the page's.
func tagged(mode targetMode, t *protocol.TargetRef, s string) string {
	if mode != targetTag || isPage(t) {
		return s
	}
	return "[" + targetName(t) + "] " + s
}

// cutRunes keeps the first n characters of s, and adds more after them
// when it cut any.
func cutRunes(s string, n int, more string) string {
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + more
		}
		i++
	}
	return s
}

// console renders one console message, its text and URL escaped: with
// mode targetColumn, its target in a column after the source. original is
// its place in the original source, printed in place of the script's
// when there is one.
func (f *formatter) console(m protocol.ConsoleMessage, mode targetMode, original string) string {
	where := ""
	if original != "" {
		where = "  " + f.paint(gray, escapeLine(original))
	} else if m.URL != "" {
		where = escapeLine(m.URL)
		if m.Line > 0 {
			where = fmt.Sprintf("%s:%d", where, m.Line)
		}
		where = "  " + f.paint(gray, where)
	}
	source := f.paint(gray, fmt.Sprintf("%-9s", escapeLine(m.Source)))
	if mode == targetColumn {
		source += fmt.Sprintf(" %-6s", targetName(m.Target))
	}
	return fmt.Sprintf("%s  %s %s  %s%s", f.paint(gray, clock(m.Timestamp)),
		f.paint(levelColor(m.Level), fmt.Sprintf("%-7s", escapeLine(m.Level))), source,
		tagged(mode, m.Target, escapeLine(oneLine(m.Text))), where)
}

// stack renders a stack trace (or any text of several lines) dimmed, its
// lines kept and its other controls escaped.
func (f *formatter) stack(s string) string {
	return f.paint(gray, escapeBlock(s))
}

func statusColor(r protocol.NetworkRequest) string {
	switch {
	case r.State == protocol.StateFailed || r.Status >= 500:
		return red
	case r.Status >= 400:
		return yellow
	case r.Status >= 200 && r.Status < 400:
		return green
	}
	return ""
}

// statusLabel is a request's status column: the HTTP status, ERR for a
// failure, … while it is pending.
func statusLabel(r protocol.NetworkRequest) string {
	switch {
	case r.State == protocol.StateFailed:
		return "ERR"
	case r.Status > 0:
		return fmt.Sprint(r.Status)
	}
	return "…"
}

// request renders one request as it stands, what came from the page
// escaped; event names the change. A WebSocket reads WS, connecting, open
// or closed. With mode targetTag, a request that is not the page's has its
// target's tag before its URL.
func (f *formatter) request(event string, r protocol.NetworkRequest, mode targetMode) string {
	status := statusLabel(r)
	method := escapeLine(r.Method)
	ws := r.ResourceType == protocol.ResourceWebSocket
	if ws {
		method = "WS"
	}
	detail := ""
	switch {
	case r.State == protocol.StateFailed:
		detail = escapeLine(r.ErrorText)
	case ws && r.State == protocol.StateFinished:
		detail = "closed " + formatDuration(r.Duration)
	case ws && r.State == protocol.StateResponded:
		detail = "open"
	case ws:
		detail = "connecting"
	case r.State == protocol.StateFinished:
		detail = fmt.Sprintf("%s  %s", formatDuration(r.Duration), formatBytes(r.EncodedDataLength))
	case r.State == protocol.StateResponded:
		detail = escapeLine(r.MimeType)
	}
	if detail != "" {
		detail = "  " + f.paint(gray, detail)
	}
	return fmt.Sprintf("%s  %s %s %-6s %s%s", f.paint(gray, clock(r.Timestamp)), f.paint(gray, fmt.Sprintf("%-9s", event)),
		f.paint(statusColor(r), fmt.Sprintf("%-4s", status)), method, tagged(mode, r.Target, escapeLine(r.URL)), detail)
}

// payloadCut is how many characters of a frame's payload or a message's
// data tail's lines show.
const payloadCut = 200

// payload renders a frame's payload or a message's data on one line:
// escaped, its newlines as \n, cut to n characters (0: whole); … says it
// was cut, here or by the session's text cap (truncated).
func payload(s string, truncated bool, n int) string {
	cut := s
	if n > 0 {
		cut = cutRunes(s, n, "…")
	}
	if truncated && !strings.HasSuffix(cut, "…") {
		cut += "…"
	}
	return escapeLine(cut)
}

// frameArrow is ↑ for a frame the page sent, ↓ for one it received.
func (f *formatter) frameArrow(direction string) string {
	switch direction {
	case protocol.FrameSent:
		return f.paint(blue, "↑")
	case protocol.FrameReceived:
		return f.paint(green, "↓")
	}
	return "?"
}

// frameKind is text, binary or the opcode.
func frameKind(opcode int) string {
	switch opcode {
	case 1:
		return "text"
	case 2:
		return "binary"
	}
	return fmt.Sprintf("opcode %d", opcode)
}

// frame renders a WebSocket frame without its time: its direction, kind,
// size and payload (a binary one as base64, said so), cut to n characters
// (0: whole). mode as request's.
func (f *formatter) frame(fr protocol.WebSocketFrame, mode targetMode, n int) string {
	p := payload(fr.Payload, fr.Truncated, n)
	if fr.Base64 {
		p += " " + f.paint(gray, "(base64)")
	}
	return fmt.Sprintf("%s %s %s  %s", f.frameArrow(fr.Direction), frameKind(fr.Opcode), formatBytes(int64(fr.Size)), tagged(mode, fr.Target, p))
}

// sseMessage renders an EventSource message without its time: its event
// name, id and data, cut to n characters (0: whole). mode as request's.
func (f *formatter) sseMessage(m protocol.EventSourceMessage, mode targetMode, n int) string {
	name := escapeLine(m.EventName)
	if name == "" {
		name = "message"
	}
	if m.EventID != "" {
		name += " " + f.paint(gray, "#"+escapeLine(m.EventID))
	}
	return fmt.Sprintf("%s  %s", f.paint(bold, name), tagged(mode, m.Target, payload(m.Data, m.Truncated, n)))
}

// targetLine renders a target as its type and URL.
func targetLine(t protocol.TargetRef) string {
	kind := escapeLine(t.Type)
	if kind == "" {
		kind = "target"
	}
	if t.URL == "" {
		return kind
	}
	return kind + " " + escapeLine(t.URL)
}

func formatDuration(ms float64) string {
	if ms >= 1000 {
		return fmt.Sprintf("%.2fs", ms/1000)
	}
	return fmt.Sprintf("%.0fms", ms)
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fkB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

// event renders one notification, what came from the page escaped.
func (f *formatter) event(method string, params json.RawMessage) string {
	switch method {
	case protocol.NotifyConsole:
		var ev protocol.ConsoleEvent
		_ = json.Unmarshal(params, &ev)
		return f.console(ev.Message, targetTag, "")
	case protocol.NotifyRequest, protocol.NotifyResponse, protocol.NotifyFinished, protocol.NotifyFailed, protocol.NotifyWebSocket:
		var ev protocol.NetworkEvent
		_ = json.Unmarshal(params, &ev)
		return f.request(strings.TrimPrefix(method, "network/"), ev.Request, targetTag)
	case protocol.NotifyFrame:
		var ev protocol.WebSocketFrameEvent
		_ = json.Unmarshal(params, &ev)
		return fmt.Sprintf("%s  %s %s  %s", f.paint(gray, clock(ev.Frame.Timestamp)), f.paint(gray, fmt.Sprintf("%-9s", "frame")),
			f.frame(ev.Frame, targetTag, payloadCut), f.paint(gray, "(request "+escapeLine(ev.Frame.RequestID)+")"))
	case protocol.NotifyEventSource:
		var ev protocol.EventSourceEvent
		_ = json.Unmarshal(params, &ev)
		return fmt.Sprintf("%s  %s %s  %s", f.paint(gray, clock(ev.Message.Timestamp)), f.paint(gray, fmt.Sprintf("%-9s", "sse")),
			f.sseMessage(ev.Message, targetTag, payloadCut), f.paint(gray, "(request "+escapeLine(ev.Message.RequestID)+")"))
	case protocol.NotifyAttached, protocol.NotifyDetached:
		var ev protocol.TargetEvent
		_ = json.Unmarshal(params, &ev)
		line := fmt.Sprintf("%s  %s %s", f.paint(gray, clock(0)), f.paint(bold, fmt.Sprintf("%-9s", strings.TrimPrefix(method, "target/"))), targetLine(ev.Target))
		if ev.Reason != "" {
			line += " (" + escapeLine(ev.Reason) + ")"
		}
		return line
	case protocol.NotifyNavigated:
		var ev protocol.NavigatedEvent
		_ = json.Unmarshal(params, &ev)
		return fmt.Sprintf("%s  %s #%d %s", f.paint(gray, clock(ev.Navigation.Timestamp)), f.paint(bold, "navigated"), ev.Navigation.ID,
			tagged(targetTag, ev.Navigation.Target, escapeLine(ev.Navigation.URL)))
	case protocol.NotifyEnded:
		var ev protocol.EndedEvent
		_ = json.Unmarshal(params, &ev)
		line := fmt.Sprintf("%s  %s: %s", f.paint(gray, clock(0)), f.paint(bold, "session ended"), escapeLine(ev.Reason))
		if ev.Error != "" {
			line += " (" + escapeLine(ev.Error) + ")"
		}
		if ev.OutputPath != "" {
			line += "; output in " + escapeLine(ev.OutputPath)
		}
		return line
	case protocol.NotifyDropped:
		var ev protocol.DroppedEvent
		_ = json.Unmarshal(params, &ev)
		return fmt.Sprintf("%s  %s", f.paint(gray, clock(0)), f.paint(yellow, fmt.Sprintf("%d events no longer retained (seq %d-%d)", ev.Count, ev.FromSeq, ev.ToSeq)))
	}
	return fmt.Sprintf("%s  %s %s", f.paint(gray, clock(0)), escapeLine(method), escapeLine(string(params)))
}
