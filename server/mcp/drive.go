package mcp

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// The tools that inspect and drive the page beyond evaluate and
// navigation, and the HAR export.

// ElementInput names an element: by a CSS selector, or by the uid an
// accessibility_snapshot gave it.
type ElementInput struct {
	SessionInput
	Selector string `json:"selector,omitempty" jsonschema:"a CSS selector of the element"`
	UID      int64  `json:"uid,omitempty" jsonschema:"the element's uid in the last accessibility_snapshot, instead of a selector"`
}

// QueryInput are query_dom's arguments.
type QueryInput struct {
	SessionInput
	Selector string `json:"selector" jsonschema:"a CSS selector"`
	All      bool   `json:"all,omitempty" jsonschema:"every element it matches (up to 100), not only the first"`
}

// SnapshotInput are accessibility_snapshot's arguments.
type SnapshotInput struct {
	SessionInput
	Offset int `json:"offset,omitempty" jsonschema:"the first line to give, from a previous answer's next offset"`
	Limit  int `json:"limit,omitempty" jsonschema:"the most lines to give (default 500)"`
}

// ClickInput are click's arguments.
type ClickInput struct {
	ElementInput
	Button string `json:"button,omitempty" jsonschema:"left (default), middle or right"`
	Count  int    `json:"clickCount,omitempty" jsonschema:"2 for a double click (default 1)"`
}

// FillInput are fill's arguments.
type FillInput struct {
	ElementInput
	Value string `json:"value" jsonschema:"the value to type: replaces the input's, textarea's or contenteditable's; an option's value or text for a select"`
}

// PressInput are press_key's arguments.
type PressInput struct {
	SessionInput
	Key       string   `json:"key" jsonschema:"the key, as KeyboardEvent.key names it: Enter, Tab, Escape, ArrowDown, a, Control+a"`
	Modifiers []string `json:"modifiers,omitempty" jsonschema:"modifiers held: Alt, Control, Meta, Shift"`
}

// WaitInput are wait_for's arguments: one of selector, text and networkIdle.
type WaitInput struct {
	SessionInput
	Selector    string `json:"selector,omitempty" jsonschema:"wait until an element matches this CSS selector"`
	Visible     bool   `json:"visible,omitempty" jsonschema:"with selector: until it is also visible"`
	Text        string `json:"text,omitempty" jsonschema:"wait until the page shows this text"`
	NetworkIdle bool   `json:"networkIdle,omitempty" jsonschema:"wait until no request has been in flight for 500 ms"`
	TimeoutMs   int    `json:"timeoutMs,omitempty" jsonschema:"give up after this many ms (default 30000)"`
}

// EmulateInput are emulate's arguments; what is absent stays as it is.
type EmulateInput struct {
	SessionInput
	Viewport      string   `json:"viewport,omitempty" jsonschema:"WIDTHxHEIGHT, with @SCALE and ,mobile if wanted (390x844@3,mobile); none: the window's own"`
	UserAgent     *string  `json:"userAgent,omitempty" jsonschema:"the User-Agent to send; empty: Chrome's own"`
	ColorScheme   *string  `json:"colorScheme,omitempty" jsonschema:"light, dark or no-preference; empty: the system's"`
	Network       string   `json:"network,omitempty" jsonschema:"offline, slow-3g, fast-3g, or none"`
	CPUThrottling *float64 `json:"cpuThrottling,omitempty" jsonschema:"a slowdown factor: 4 is four times slower; 1 is none"`
}

// HARInput are export_har's arguments.
type HARInput struct {
	SessionInput
	Path     string `json:"path,omitempty" jsonschema:"the file to write (default: export.har in the session's directory)"`
	NoRedact bool   `json:"noRedact,omitempty" jsonschema:"keep credentials (Authorization, Cookie, token parameters), which are redacted by default"`
}

func (t *tools) addDrive(s *sdk.Server) {
	sdk.AddTool(s, &sdk.Tool{Name: "query_dom", Description: "Describe the elements a CSS selector matches: tag, id, classes, attributes, text, outer HTML (cut), box, visibility."}, t.queryDOM)
	sdk.AddTool(s, &sdk.Tool{Name: "accessibility_snapshot", Description: "The page's accessibility tree as text, a line per node with a uid that click, fill and hover take; a page of lines at a time."}, t.snapshot)
	sdk.AddTool(s, &sdk.Tool{Name: "click", Description: "Click an element as a person would (scrolled into view, not covered), by CSS selector or snapshot uid."}, t.click)
	sdk.AddTool(s, &sdk.Tool{Name: "fill", Description: "Type a value into an input, textarea, select or contenteditable element, by CSS selector or snapshot uid, with the events a person's typing fires."}, t.fill)
	sdk.AddTool(s, &sdk.Tool{Name: "press_key", Description: "Press a key where the focus is: Enter, Tab, Escape, ArrowDown, Control+a."}, t.press)
	sdk.AddTool(s, &sdk.Tool{Name: "wait_for", Description: "Wait until an element is there (or visible), some text shows, or the network is idle; says how long it waited, or fails after the timeout."}, t.waitFor)
	sdk.AddTool(s, &sdk.Tool{Name: "emulate", Description: "Change what the page sees: viewport size and mobile, User-Agent, color scheme, network (offline, slow-3g, fast-3g) and CPU slowdown."}, t.emulate)
	sdk.AddTool(s, &sdk.Tool{Name: "export_har", Description: "Write every request of the session, with the bodies captured, to a HAR 1.2 file (credentials redacted unless asked); answers its path and how many entries it holds."}, t.exportHAR)
}

func (t *tools) queryDOM(ctx context.Context, _ *sdk.CallToolRequest, in QueryInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.DOMQuery, protocol.DOMQueryParams{Selector: in.Selector, All: in.All})
	if fail != nil {
		return fail, nil, nil
	}
	var b strings.Builder
	for _, n := range res.Nodes {
		b.WriteString(n.Tag)
		if n.ID != "" {
			b.WriteString("#" + n.ID)
		}
		for _, c := range n.Classes {
			b.WriteString("." + c)
		}
		fmt.Fprintf(&b, " visible=%v box=%.0f,%.0f %.0fx%.0f text=%q\n  %s\n", n.Visible, n.Box.X, n.Box.Y, n.Box.Width, n.Box.Height,
			cut(n.Text, textCut), cut(oneLine(n.OuterHTML), 2*textCut))
	}
	fmt.Fprintf(&b, "%d of %d matching elements.", res.Returned, res.Total)
	return result(b.String(), res), res, nil
}

func (t *tools) snapshot(ctx context.Context, _ *sdk.CallToolRequest, in SnapshotInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Snapshot, protocol.SnapshotParams{Offset: in.Offset, Limit: in.Limit})
	if fail != nil {
		return fail, nil, nil
	}
	text := res.Text
	switch {
	case res.Next > 0:
		text += fmt.Sprintf("\n(lines %d-%d of %d; more: pass offset %d)", res.Offset+1, res.Offset+res.Lines, res.Total, res.Next)
	default:
		text += fmt.Sprintf("\n(lines %d-%d of %d; no more)", res.Offset+1, res.Offset+res.Lines, res.Total)
	}
	if res.Cut {
		text += "\n(the tree had more lines than a snapshot holds: query_dom finds the others)"
	}
	return result(text, res), res, nil
}

// inputText says what an input tool did.
func inputText(verb string, res protocol.InputResult) string {
	text := verb + " " + res.Element
	if res.X != 0 || res.Y != 0 {
		text += fmt.Sprintf(" at %.0f,%.0f", res.X, res.Y)
	}
	if res.Value != "" {
		text += fmt.Sprintf("; its value is now %q", res.Value)
	}
	return text + "."
}

func element(in ElementInput) protocol.ElementParams {
	return protocol.ElementParams{Selector: in.Selector, UID: in.UID}
}

func (t *tools) click(ctx context.Context, _ *sdk.CallToolRequest, in ClickInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Click, protocol.ClickParams{ElementParams: element(in.ElementInput), Button: in.Button, ClickCount: in.Count})
	if fail != nil {
		return fail, nil, nil
	}
	return result(inputText("Clicked", res), res), res, nil
}

func (t *tools) fill(ctx context.Context, _ *sdk.CallToolRequest, in FillInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Fill, protocol.FillParams{ElementParams: element(in.ElementInput), Value: in.Value})
	if fail != nil {
		return fail, nil, nil
	}
	return result(inputText("Filled", res), res), res, nil
}

func (t *tools) press(ctx context.Context, _ *sdk.CallToolRequest, in PressInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Press, protocol.PressParams{Key: in.Key, Modifiers: in.Modifiers})
	if fail != nil {
		return fail, nil, nil
	}
	text := "Pressed " + in.Key
	if res.Element != "" {
		text += " in " + res.Element
	}
	return result(text+".", res), res, nil
}

func (t *tools) waitFor(ctx context.Context, _ *sdk.CallToolRequest, in WaitInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.WaitFor, protocol.WaitForParams{Selector: in.Selector, Visible: in.Visible, Text: in.Text,
		NetworkIdle: in.NetworkIdle, TimeoutMs: in.TimeoutMs})
	if fail != nil {
		return fail, nil, nil
	}
	return result(fmt.Sprintf("Done after %d ms.", res.WaitedMs), res), res, nil
}

func (t *tools) emulate(ctx context.Context, _ *sdk.CallToolRequest, in EmulateInput) (*sdk.CallToolResult, any, error) {
	p := protocol.EmulateParams{UserAgent: in.UserAgent, ColorScheme: in.ColorScheme, Network: in.Network, CPUThrottling: in.CPUThrottling}
	if in.Viewport != "" {
		v, err := protocol.ParseViewport(in.Viewport)
		if err != nil {
			return failure(protocol.Errorf(protocol.InvalidArgs, "viewport %v", err).WithHint("or none, for the window's own")), nil, nil
		}
		p.Viewport = &v
	}
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Emulate, p)
	if fail != nil {
		return fail, nil, nil
	}
	text := fmt.Sprintf("Now: network %s, CPU x%g", res.Network, max(res.CPUThrottling, 1))
	if v := res.Viewport; v != nil {
		text += fmt.Sprintf(", viewport %dx%d@%g", v.Width, v.Height, max(v.DeviceScaleFactor, 1))
		if v.Mobile {
			text += " mobile"
		}
	}
	if res.UserAgent != "" {
		text += ", User-Agent " + res.UserAgent
	}
	if res.ColorScheme != "" {
		text += ", color scheme " + res.ColorScheme
	}
	return result(text+".", res), res, nil
}

func (t *tools) exportHAR(ctx context.Context, _ *sdk.CallToolRequest, in HARInput) (*sdk.CallToolResult, any, error) {
	d, err := t.sessionDir(in.SessionInput)
	if err != nil {
		return failure(err), nil, nil
	}
	path := in.Path
	if path == "" {
		path = d.File("export.har")
	}
	if !filepath.IsAbs(path) {
		return failure(protocol.Errorf(protocol.InvalidArgs, "path %q is not absolute", path).
			WithHint("give an absolute path: the server's working directory is not yours")), nil, nil
	}
	var entries int
	if err := session.WriteFileAtomic(path, func(w io.Writer) error {
		var err error
		entries, err = control.WriteHAR(ctx, d, w, control.HAROptions{KeepCredentials: in.NoRedact})
		return err
	}); err != nil {
		return failure(err), nil, nil
	}
	out := map[string]any{"path": path, "entries": entries}
	return result(fmt.Sprintf("Wrote %d entries to %s.", entries, path), out), out, nil
}
