package mcp

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"

	jsonv2 "github.com/chromedp/cdproto/cdp/jsonv2"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/lines"
	"github.com/bdg-rpc/bdg-rpc/session/sourcemap"
)

// The tools' inputs. Their json and jsonschema tags are the schemas the
// clients see: each field says what it is and what it defaults to.

// SessionInput names the session a tool acts on.
type SessionInput struct {
	Session string `json:"session,omitempty" jsonschema:"the session's name; default: the one attach_session chose, else the server's (usually \"default\", the one an editor watches)"`
}

// StartInput are start_session's arguments.
type StartInput struct {
	SessionInput
	URL     string `json:"url,omitempty" jsonschema:"the page to open (http://, https://, file://); needed unless attaching to a running Chrome"`
	Attach  string `json:"attach,omitempty" jsonschema:"attach to a running Chrome instead of launching one: its DevTools port (9222), host:port, http:// or ws:// URL"`
	Tab     string `json:"tab,omitempty" jsonschema:"with attach: the tab, by target id, index from 0, or URL/title substring"`
	NewTab  bool   `json:"newTab,omitempty" jsonschema:"with attach: open a new tab for the session (at url, if given)"`
	Reload  bool   `json:"reload,omitempty" jsonschema:"with attach: reload the tab once capture is on, to capture its load"`
	Headed  bool   `json:"headed,omitempty" jsonschema:"show Chrome's window (default: headless)"`
	Timeout int    `json:"timeoutSeconds,omitempty" jsonschema:"end the session after this many seconds (default: never)"`
}

// ListInput are the arguments every list takes.
type ListInput struct {
	SessionInput
	Filter string `json:"filter,omitempty" jsonschema:"the filter language (bdg-rpc help filter): words match the text or URL; field:value terms such as level:error, status-code:>=400, method:POST, domain:*.cdn.com, mime:json; -term excludes"`
	Cursor string `json:"cursor,omitempty" jsonschema:"continue where a previous answer left off: the cursor its last line gives (More: pass cursor ...), or its nextCursor"`
	Limit  int    `json:"limit,omitempty" jsonschema:"the most items to return (default 100, at most 10000)"`
	Order  string `json:"order,omitempty" jsonschema:"asc (oldest first, the default) or desc (newest first)"`
	Items  bool   `json:"items,omitempty" jsonschema:"also give the page as JSON records (structuredContent: items without their bulk, and the counts and cursor), for programs; by default the answer is its text lines only"`
}

// ConsoleListInput are list_console_messages' arguments.
type ConsoleListInput struct {
	ListInput
	Levels   []string `json:"levels,omitempty" jsonschema:"keep these levels only: debug, log, info, warning, error"`
	SinceSeq int64    `json:"sinceSeq,omitempty" jsonschema:"only messages after this seq (a message's number in the session); cursor takes its place when given"`
}

// NetworkListInput are list_network_requests' arguments.
type NetworkListInput struct {
	ListInput
	Types []string `json:"types,omitempty" jsonschema:"keep these resource types only: Document, Script, Stylesheet, Image, Fetch, XHR, WebSocket..."`
}

// SeqInput names a console message.
type SeqInput struct {
	SessionInput
	Seq int64 `json:"seq" jsonschema:"the message's seq, as list_console_messages gives it"`
}

// RequestInput names a request.
type RequestInput struct {
	SessionInput
	RequestID string `json:"requestId" jsonschema:"the request's id, as list_network_requests gives it"`
	// MaxInlineBody is how much of the body the answer holds; a larger one
	// is written to a file whose path it gives.
	MaxInlineBody *int `json:"maxInlineBody,omitempty" jsonschema:"the largest response body given inline, in bytes (default 20000); a larger one is written to a file and its path given; 0: always a file"`
}

// EvaluateInput are evaluate's arguments.
type EvaluateInput struct {
	SessionInput
	Expression string `json:"expression" jsonschema:"JavaScript to run in the page, such as document.title; a promise is awaited"`
}

// ScreenshotInput are screenshot's arguments.
type ScreenshotInput struct {
	SessionInput
	FullPage bool   `json:"fullPage,omitempty" jsonschema:"the whole page, not only what the viewport shows"`
	Selector string `json:"selector,omitempty" jsonschema:"only the element this CSS selector finds"`
}

// NavigateInput are navigate's arguments.
type NavigateInput struct {
	SessionInput
	URL string `json:"url" jsonschema:"the page to load"`
}

// ReloadInput are reload's arguments.
type ReloadInput struct {
	SessionInput
	IgnoreCache bool `json:"ignoreCache,omitempty" jsonschema:"reload without the cache"`
}

// Defaults of the lists and bodies.
const (
	defaultLimit      = 100
	maxLimit          = 10000
	defaultInlineBody = 20000
	// textCut is the most of a text (a node's, a request body beside a
	// file) an answer holds inline.
	textCut = 300
)

// chosen is the session attach_session chose for this client.
type chosen struct {
	mu   sync.Mutex
	name string
}

func (c *chosen) get() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

func (c *chosen) set(name string) {
	c.mu.Lock()
	c.name = name
	c.mu.Unlock()
}

// add registers the tools.
func (t *tools) add(s *sdk.Server) {
	sdk.AddTool(s, &sdk.Tool{Name: "start_session", Description: "Start a capture session: launch Chrome at a URL, or attach to a running Chrome's tab. " +
		"Everything the page does from then on (console, network, every frame, worker and popup) is recorded, and queryable with the other tools. Fails with a hint when the session already runs."}, t.start)
	sdk.AddTool(s, &sdk.Tool{Name: "list_sessions", Description: "List the sessions: running ones (with their page and counts) and ended ones whose records are still on disk."}, t.list)
	sdk.AddTool(s, &sdk.Tool{Name: "attach_session", Description: "Use a session that is already running (started by a person's editor, the command line, or start_session) for the tools that name none."}, t.attach)
	sdk.AddTool(s, &sdk.Tool{Name: "session_status", Description: "A session's state: its page, Chrome, how many requests and console messages it holds, and how many its bounds dropped."}, t.status)
	sdk.AddTool(s, &sdk.Tool{Name: "stop_session", Description: "Stop a session: Chrome closes (or, when attached, is left as it was) and the records are written to session.json, still queryable."}, t.stop)
	sdk.AddTool(s, &sdk.Tool{Name: "list_console_messages", Description: "List a session's console messages and uncaught exceptions, oldest first, a page at a time, one line each: " +
		"#seq, level, source when not console, [target] when not the page, text, and (url:line) where it was logged, left out when the line above was logged at the same place. " +
		"The last line says how many matched, how many it returned and how many the session dropped, and the cursor of the next page. get_console_message gives one whole."}, t.consoleList)
	sdk.AddTool(s, &sdk.Tool{Name: "get_console_message", Description: "One console message in full: its text, its stack, and its place and stack frames in the original sources where the scripts have source maps."}, t.consoleGet)
	sdk.AddTool(s, &sdk.Tool{Name: "list_network_requests", Description: "List a session's network requests in the order they were sent, a page at a time, one line each: requestId, method, status, URL, type, [target] when not the page, time, size. " +
		"The last line says how many matched, how many it returned and how many the session dropped, and the cursor of the next page. get_network_request gives one whole."}, t.networkList)
	sdk.AddTool(s, &sdk.Tool{Name: "get_network_request", Description: "One request in full: its headers, timing, initiator, and its bodies (the response body inline up to maxInlineBody bytes, else in a file whose path is given)."}, t.networkGet)
	sdk.AddTool(s, &sdk.Tool{Name: "evaluate", Description: "Run JavaScript in the page and return its value (a promise is awaited); an exception comes back with its stack."}, t.evaluate)
	sdk.AddTool(s, &sdk.Tool{Name: "screenshot", Description: "Take a PNG screenshot of the page (or the whole page, or one element): the image, and the file it was written to."}, t.screenshot)
	sdk.AddTool(s, &sdk.Tool{Name: "navigate", Description: "Load a URL in the session's tab and wait until it has loaded; the session records the new page's activity."}, t.navigate)
	sdk.AddTool(s, &sdk.Tool{Name: "reload", Description: "Reload the session's page and wait until it has loaded."}, t.reload)
}

// sessionDir is the directory of the session in, or of the one chosen.
func (t *tools) sessionDir(in SessionInput) (session.Dir, error) {
	name := in.Session
	if name == "" {
		name = t.current.get()
	}
	return t.dir(name)
}

func (t *tools) start(ctx context.Context, _ *sdk.CallToolRequest, in StartInput) (*sdk.CallToolResult, any, error) {
	d, err := t.sessionDir(in.SessionInput)
	if err != nil {
		return failure(err), nil, nil
	}
	if in.URL == "" && in.Attach == "" {
		return failure(protocol.Errorf(protocol.InvalidArgs, "start_session needs a url, or attach").
			WithHint(`give {"url": "http://localhost:3000/"}, or {"attach": "9222"} for a Chrome started with --remote-debugging-port=9222`)), nil, nil
	}
	opts := session.Options{Session: d.Name, Home: d.Home, URL: in.URL, ChromePath: t.o.Chrome, TimeoutSeconds: in.Timeout,
		AttachOptions: protocol.AttachOptions{Attach: in.Attach, Tab: in.Tab, NewTab: in.NewTab, Reload: in.Reload}}
	headless := !in.Headed
	opts.Headless = &headless
	w, err := control.Launcher{}.Start(ctx, opts)
	if err != nil {
		return failure(err), nil, nil
	}
	t.current.set(d.Name)
	hs := w.Handshake
	text := fmt.Sprintf("Session %q started: %s (Chrome %s). The tools that name no session now use it.", d.Name, hs.Target.URL, hs.Chrome.Version)
	return result(text, hs), hs, nil
}

func (t *tools) list(ctx context.Context, _ *sdk.CallToolRequest, _ struct{}) (*sdk.CallToolResult, any, error) {
	all, err := control.List(ctx, t.o.Home)
	if err != nil {
		return failure(err), nil, nil
	}
	var b strings.Builder
	if len(all) == 0 {
		b.WriteString("No sessions. start_session starts one.")
	}
	for _, st := range all {
		fmt.Fprintf(&b, "%s: %s, %s, %d requests, %d console messages", st.Session, st.State, st.Target.URL, st.Counts.Network, st.Counts.Console)
		if st.Dropped.Network+st.Dropped.Console > 0 {
			fmt.Fprintf(&b, " (dropped %d requests, %d messages)", st.Dropped.Network, st.Dropped.Console)
		}
		b.WriteByte('\n')
	}
	out := map[string]any{"sessions": all}
	return result(strings.TrimRight(b.String(), "\n"), out), out, nil
}

func (t *tools) attach(ctx context.Context, _ *sdk.CallToolRequest, in SessionInput) (*sdk.CallToolResult, any, error) {
	d, err := t.sessionDir(in)
	if err != nil {
		return failure(err), nil, nil
	}
	st, err := control.Status(ctx, d)
	if err != nil {
		return failure(err), nil, nil
	}
	if st.State != protocol.StateRunning {
		return failure(protocol.Errorf(protocol.NoSession, "session %q is %s, not running", d.Name, st.State).
			WithHint("list_sessions lists them; its records can still be listed by naming it, or start_session starts it again")), nil, nil
	}
	t.current.set(d.Name)
	text := fmt.Sprintf("Using session %q: %s, %d requests, %d console messages so far (last seq %d).", d.Name, st.Target.URL, st.Counts.Network, st.Counts.Console, st.LastSeq)
	return result(text, st), st, nil
}

func (t *tools) status(ctx context.Context, _ *sdk.CallToolRequest, in SessionInput) (*sdk.CallToolResult, any, error) {
	d, err := t.sessionDir(in)
	if err != nil {
		return failure(err), nil, nil
	}
	st, err := control.Status(ctx, d)
	if err != nil {
		return failure(err), nil, nil
	}
	text := fmt.Sprintf("Session %q: %s\nPage: %s", st.Session, st.State, st.Target.URL)
	if st.Target.Title != "" {
		text += " (" + st.Target.Title + ")"
	}
	if st.Chrome.Version != "" {
		text += "\nChrome: " + st.Chrome.Version
	}
	text += fmt.Sprintf("\nCaptured: %d requests, %d console messages (last seq %d)", st.Counts.Network, st.Counts.Console, st.LastSeq)
	text += fmt.Sprintf("\nDropped by its bounds: %d requests, %d console messages", st.Dropped.Network, st.Dropped.Console)
	return result(text, st), st, nil
}

func (t *tools) stop(ctx context.Context, _ *sdk.CallToolRequest, in SessionInput) (*sdk.CallToolResult, any, error) {
	d, err := t.sessionDir(in)
	if err != nil {
		return failure(err), nil, nil
	}
	res, err := control.Stop(ctx, d)
	if err != nil {
		return failure(err), nil, nil
	}
	text := fmt.Sprintf("Session %q stopped after %.1f s: %d requests, %d console messages, written to %s (still queryable by naming the session).",
		d.Name, float64(res.DurationMs)/1000, res.Counts.Network, res.Counts.Console, res.OutputPath)
	return result(text, res), res, nil
}

// A list answers text: one line per record, made by the worker
// (format "lines", session/lines), and a line of what the page holds and
// what it does not. Without items it has no structured content: the
// clients most agents run (Claude Code, VS Code) hand the model the
// structured content in place of the text when there is one, and the
// lines are what a model reads best and a tenth of the bytes. With items,
// the structured content is the records without their bulk (brief, as
// the worker gives them) and the counts, and the lines are made here by
// the same code.

// listResult is a list's structured content, with items.
type listResult[T any] struct {
	Items []T `json:"items"`
	protocol.ListPage
	Stale bool `json:"stale,omitzero"` // from the session's files: its worker is not running
}

// listAnswer is a list's result: the lines, the page line, and with
// items the structured content, encoded once by jsonv2 (the SDK's
// encoding/json takes 80 ms for 10,000 records by reflection).
func listAnswer[T any](lines string, p protocol.ListPage, stale protocol.Stale, kind string, items []T) (*sdk.CallToolResult, any, error) {
	text := lines + pageLine(p, kind)
	if stale.Stale {
		text += "\n(From the session's files: its worker is not running.)"
	}
	if items == nil {
		return &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: text}}}, nil, nil
	}
	raw, err := jsonv2.Marshal(listResult[T]{Items: items, ListPage: p, Stale: stale.Stale})
	if err != nil {
		return failure(fmt.Errorf("encoding the list: %w", err)), nil, nil
	}
	return result(text, json.RawMessage(raw)), json.RawMessage(raw), nil
}

// listParams makes a list's params from a tool's input.
func listParams(in ListInput) (protocol.ListParams, error) {
	limit := in.Limit
	switch {
	case limit == 0:
		limit = defaultLimit
	case limit < 0 || limit > maxLimit:
		return protocol.ListParams{}, protocol.Errorf(protocol.InvalidArgs, "limit must be 1 to %d, got %d", maxLimit, limit).
			WithHint("walk a longer list a page at a time with cursor")
	}
	lp := protocol.ListParams{Filter: in.Filter, Cursor: in.Cursor, Limit: &limit, Order: in.Order, Format: protocol.FormatLines}
	if in.Items {
		lp.Format, lp.Brief = "", true
	}
	return lp, nil
}

// pageLine says what a list holds and what it does not.
func pageLine(p protocol.ListPage, kind string) string {
	line := fmt.Sprintf("%d of %d matching %s (the session holds %d; its bounds dropped %d).", p.Returned, p.Matched, kind, p.Total, p.Dropped)
	if p.NextCursor != "" {
		line += fmt.Sprintf(" More: pass cursor %q.", p.NextCursor)
	} else {
		line += " No more."
	}
	return line
}

// cut gives at most n bytes of s, on a character boundary, saying how much
// more there was.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && i < len(s) && s[i]&0xC0 == 0x80 {
		i--
	}
	return fmt.Sprintf("%s… (+%d bytes)", s[:i], len(s)-i)
}

// oneLine keeps a record's text on its line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", "⏎", "\n", "⏎", "\r", "⏎").Replace(s)
}

func (t *tools) consoleList(ctx context.Context, _ *sdk.CallToolRequest, in ConsoleListInput) (*sdk.CallToolResult, any, error) {
	lp, err := listParams(in.ListInput)
	if err != nil {
		return failure(err), nil, nil
	}
	if lp.Cursor == "" && in.SinceSeq > 0 {
		lp.Cursor = protocol.FormatCursor(uint64(in.SinceSeq)) // a console list's cursor is the seq of its last message
	}
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.ConsoleList, protocol.ConsoleListParams{ListParams: lp, Levels: in.Levels})
	if fail != nil {
		return fail, nil, nil
	}
	if !in.Items {
		return listAnswer[protocol.ConsoleMessage](res.Lines, res.ListPage, res.Stale, "messages", nil)
	}
	var b []byte
	var cl lines.Console
	for i := range res.Items {
		b = cl.Append(b, &res.Items[i])
	}
	return listAnswer(string(b), res.ListPage, res.Stale, "messages", res.Items)
}

func (t *tools) consoleGet(ctx context.Context, _ *sdk.CallToolRequest, in SeqInput) (*sdk.CallToolResult, any, error) {
	if in.Seq < 1 {
		return failure(protocol.Errorf(protocol.InvalidArgs, "seq must be 1 or more, got %d", in.Seq).
			WithHint("list_console_messages gives each message's seq (#12)")), nil, nil
	}
	one := 1
	lp := protocol.ListParams{Limit: &one}
	if in.Seq > 1 {
		lp.Cursor = protocol.FormatCursor(uint64(in.Seq - 1))
	}
	res, d, fail := ask(ctx, t, in.SessionInput, protocol.ConsoleList, protocol.ConsoleListParams{ListParams: lp})
	if fail != nil {
		return fail, nil, nil
	}
	if len(res.Items) == 0 || int64(res.Items[0].Seq) != in.Seq {
		return failure(protocol.Errorf(protocol.NotFound, "session %q has no console message #%d", d.Name, in.Seq).
			WithHint("seq numbers are shared with the session's requests, so not every number is a message; list_console_messages gives them (a message the bounds dropped is counted there)")), nil, nil
	}
	m := res.Items[0]
	out := map[string]any{"message": m}
	var b strings.Builder
	fmt.Fprintf(&b, "#%d %s %s\n%s\n", m.Seq, m.Level, m.Source, m.Text)
	refs := sourcemap.StackPlaces(m.Stack)
	if m.URL != "" && m.Line > 0 {
		refs = append([]protocol.SourceRef{{URL: m.URL, Line: m.Line, Column: m.Column}}, refs...)
	}
	originals := t.resolve(ctx, d, refs)
	if m.URL != "" {
		fmt.Fprintf(&b, "At: %s:%d:%d", m.URL, m.Line, m.Column)
		if o := originals[protocol.SourceRef{URL: m.URL, Line: m.Line, Column: m.Column}]; o != nil {
			fmt.Fprintf(&b, " (original: %s:%d:%d)", o.Source, o.Line, o.Column)
			out["original"] = o
		}
		b.WriteByte('\n')
	}
	if m.Stack != "" {
		stack := m.Stack
		if mapped := sourcemap.MapStack(m.Stack, func(ref protocol.SourceRef) string {
			if o := originals[ref]; o != nil {
				return fmt.Sprintf("%s:%d:%d", o.Source, o.Line, o.Column)
			}
			return ""
		}); mapped != "" {
			stack = mapped
			out["originalStack"] = mapped
		}
		fmt.Fprintf(&b, "Stack:\n%s\n", stack)
	}
	if m.Target != nil && m.Target.Type != "page" {
		fmt.Fprintf(&b, "From: %s %s\n", m.Target.Type, m.Target.URL)
	}
	return result(strings.TrimRight(b.String(), "\n"), out), out, nil
}

// ask calls method m of the session in names (or of the one chosen): its
// answer and the session, or the tool's error result.
func ask[P, R any](ctx context.Context, t *tools, in SessionInput, m rpc.Spec[P, R], params P) (R, session.Dir, *sdk.CallToolResult) {
	var zero R
	d, err := t.sessionDir(in)
	if err != nil {
		return zero, d, failure(err)
	}
	res, err := call(ctx, d, m, params)
	if err != nil {
		return zero, d, failure(err)
	}
	return res, d, nil
}

// resolve maps places to their original sources, best effort: a session
// that cannot (its worker is gone) leaves them as they are.
func (t *tools) resolve(ctx context.Context, d session.Dir, refs []protocol.SourceRef) map[protocol.SourceRef]*protocol.OriginalLocation {
	out := map[protocol.SourceRef]*protocol.OriginalLocation{}
	if len(refs) == 0 {
		return out
	}
	refs = refs[:min(len(refs), protocol.MaxResolveLocations)]
	res, err := call(ctx, d, protocol.SourceResolve, protocol.SourceResolveParams{Locations: refs})
	if err != nil || len(res.Results) != len(refs) {
		return out
	}
	for i, ref := range refs {
		out[ref] = res.Results[i].Original
	}
	return out
}

func (t *tools) networkList(ctx context.Context, _ *sdk.CallToolRequest, in NetworkListInput) (*sdk.CallToolResult, any, error) {
	lp, err := listParams(in.ListInput)
	if err != nil {
		return failure(err), nil, nil
	}
	lp.Types = in.Types
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.NetworkList, protocol.NetworkListParams{ListParams: lp})
	if fail != nil {
		return fail, nil, nil
	}
	if !in.Items {
		return listAnswer[protocol.NetworkRequest](res.Lines, res.ListPage, res.Stale, "requests", nil)
	}
	var b []byte
	for i := range res.Items {
		b = lines.Request(b, &res.Items[i])
	}
	return listAnswer(string(b), res.ListPage, res.Stale, "requests", res.Items)
}

func (t *tools) networkGet(ctx context.Context, _ *sdk.CallToolRequest, in RequestInput) (*sdk.CallToolResult, any, error) {
	inline := defaultInlineBody
	if in.MaxInlineBody != nil {
		inline = *in.MaxInlineBody
	}
	if inline < 0 {
		return failure(protocol.Errorf(protocol.InvalidArgs, "maxInlineBody must not be negative").WithHint("0 writes every body to a file")), nil, nil
	}
	res, d, fail := ask(ctx, t, in.SessionInput, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: in.RequestID, Body: true})
	if fail != nil {
		return fail, nil, nil
	}
	r := res.Request
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\nState: %s", r.Method, r.URL, r.State)
	if r.Status > 0 {
		fmt.Fprintf(&b, ", status %d %s", r.Status, r.StatusText)
	}
	if r.ErrorText != "" {
		fmt.Fprintf(&b, ", error %s", r.ErrorText)
	}
	fmt.Fprintf(&b, "\nType: %s, MIME type: %s, time %.0f ms, %d bytes transferred\n", r.ResourceType, r.MimeType, r.Duration, r.EncodedDataLength)
	if tm := r.Timing; tm != nil {
		fmt.Fprintf(&b, "Timing (ms): blocked %.1f, dns %.1f, connect %.1f, ssl %.1f, send %.1f, wait %.1f, receive %.1f (-1: did not happen)\n",
			tm.Blocked, tm.DNS, tm.Connect, tm.SSL, tm.Send, tm.Wait, tm.Receive)
	}
	if i := r.Initiator; i != nil {
		fmt.Fprintf(&b, "Initiator: %s", i.Type)
		if i.URL != "" {
			fmt.Fprintf(&b, " %s:%d:%d", i.URL, i.Line, i.Column)
			ref := protocol.SourceRef{URL: i.URL, Line: i.Line, Column: i.Column}
			if i.Line > 0 {
				if o := t.resolve(ctx, d, []protocol.SourceRef{ref})[ref]; o != nil {
					fmt.Fprintf(&b, " (original: %s:%d:%d)", o.Source, o.Line, o.Column)
				}
			}
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "Request headers: %s\n", headersText(r.RequestHeaders))
	if r.RequestBody != "" {
		fmt.Fprintf(&b, "Request body:\n%s\n", cut(r.RequestBody, max(inline, textCut)))
	}
	fmt.Fprintf(&b, "Response headers: %s\n", headersText(r.ResponseHeaders))
	out := map[string]any{"request": r}
	switch {
	case r.ResponseBody == "" && r.BodyOmitted != "":
		fmt.Fprintf(&b, "Response body: not captured (%s)", r.BodyOmitted)
	case r.ResponseBody == "":
		b.WriteString("Response body: none")
	case len(r.ResponseBody) <= inline && !r.Base64Encoded:
		fmt.Fprintf(&b, "Response body (%d bytes):\n%s", len(r.ResponseBody), r.ResponseBody)
	default:
		// Too large to give inline: the worker writes it to a file of its own.
		f, err := call(ctx, d, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: in.RequestID, BodyFile: true})
		if err != nil {
			return failure(err), nil, nil
		}
		r.ResponseBody = ""
		out["request"], out["bodyFile"] = r, f.BodyFile
		fmt.Fprintf(&b, "Response body: %d bytes%s, written to %s (read the file; maxInlineBody raises the inline limit)", r.BodySize, map[bool]string{true: " (binary)"}[r.Base64Encoded], f.BodyFile)
	}
	return result(b.String(), out), out, nil
}

// headersText is a request's headers as their JSON object, "none" when
// there are none.
func headersText(h protocol.Headers) string {
	if len(h) == 0 || string(h) == "{}" {
		return "none"
	}
	return string(h)
}

func (t *tools) evaluate(ctx context.Context, _ *sdk.CallToolRequest, in EvaluateInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Evaluate, protocol.EvaluateParams{Expression: in.Expression, AwaitPromise: true})
	if fail != nil {
		return fail, nil, nil
	}
	if ex := res.Exception; ex != nil {
		text := "Exception: " + ex.Text
		if ex.Stack != "" {
			text += "\n" + ex.Stack
		}
		return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: text}}, StructuredContent: res}, nil, nil
	}
	text := res.Text
	if len(res.Value) > 0 {
		text = string(res.Value)
	}
	return result(text, res), res, nil
}

func (t *tools) screenshot(ctx context.Context, _ *sdk.CallToolRequest, in ScreenshotInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Screenshot, protocol.ScreenshotParams{FullPage: in.FullPage, Selector: in.Selector})
	if fail != nil {
		return fail, nil, nil
	}
	png, err := os.ReadFile(res.Path)
	if err != nil {
		return failure(fmt.Errorf("reading the screenshot: %w", err)), nil, nil
	}
	text := fmt.Sprintf("Screenshot %dx%d, %d bytes, written to %s", res.Width, res.Height, res.Size, res.Path)
	// No structured content: hosts that have one give it to the model in
	// place of the content, and the image would not reach it.
	return &sdk.CallToolResult{Content: []sdk.Content{
		&sdk.ImageContent{Data: png, MIMEType: "image/png"},
		&sdk.TextContent{Text: text},
	}}, nil, nil
}

func (t *tools) navigate(ctx context.Context, _ *sdk.CallToolRequest, in NavigateInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Navigate, protocol.NavigateParams{URL: in.URL})
	if fail != nil {
		return fail, nil, nil
	}
	return result(fmt.Sprintf("Loaded %s (navigation #%d, waited for %s).", res.URL, res.NavigationID, res.WaitedFor), res), res, nil
}

func (t *tools) reload(ctx context.Context, _ *sdk.CallToolRequest, in ReloadInput) (*sdk.CallToolResult, any, error) {
	res, _, fail := ask(ctx, t, in.SessionInput, protocol.Reload, protocol.ReloadParams{IgnoreCache: in.IgnoreCache})
	if fail != nil {
		return fail, nil, nil
	}
	return result(fmt.Sprintf("Reloaded %s (navigation #%d, waited for %s).", res.URL, res.NavigationID, res.WaitedFor), res), res, nil
}
