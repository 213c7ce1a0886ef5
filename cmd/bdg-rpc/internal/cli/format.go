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

// console renders one console message, its text and URL escaped.
func (f *formatter) console(m protocol.ConsoleMessage) string {
	where := ""
	if m.URL != "" {
		where = escapeLine(m.URL)
		if m.Line > 0 {
			where = fmt.Sprintf("%s:%d", where, m.Line)
		}
		where = "  " + f.paint(gray, where)
	}
	return fmt.Sprintf("%s  %s %s  %s%s", f.paint(gray, clock(m.Timestamp)),
		f.paint(levelColor(m.Level), fmt.Sprintf("%-7s", escapeLine(m.Level))), f.paint(gray, fmt.Sprintf("%-9s", escapeLine(m.Source))),
		escapeLine(oneLine(m.Text)), where)
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
// escaped; event names the change.
func (f *formatter) request(event string, r protocol.NetworkRequest) string {
	status := statusLabel(r)
	detail := ""
	switch r.State {
	case protocol.StateFailed:
		detail = escapeLine(r.ErrorText)
	case protocol.StateFinished:
		detail = fmt.Sprintf("%s  %s", formatDuration(r.Duration), formatBytes(r.EncodedDataLength))
	case protocol.StateResponded:
		detail = escapeLine(r.MimeType)
	}
	if detail != "" {
		detail = "  " + f.paint(gray, detail)
	}
	return fmt.Sprintf("%s  %s %s %-6s %s%s", f.paint(gray, clock(r.Timestamp)), f.paint(gray, fmt.Sprintf("%-9s", event)),
		f.paint(statusColor(r), fmt.Sprintf("%-4s", status)), escapeLine(r.Method), escapeLine(r.URL), detail)
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
		return f.console(ev.Message)
	case protocol.NotifyRequest, protocol.NotifyResponse, protocol.NotifyFinished, protocol.NotifyFailed:
		var ev protocol.NetworkEvent
		_ = json.Unmarshal(params, &ev)
		return f.request(strings.TrimPrefix(method, "network/"), ev.Request)
	case protocol.NotifyNavigated:
		var ev protocol.NavigatedEvent
		_ = json.Unmarshal(params, &ev)
		return fmt.Sprintf("%s  %s #%d %s", f.paint(gray, clock(ev.Navigation.Timestamp)), f.paint(bold, "navigated"), ev.Navigation.ID, escapeLine(ev.Navigation.URL))
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
