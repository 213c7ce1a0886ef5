package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/capture"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// ask asks the session (its worker, or its files when the worker is gone);
// a stale answer is announced on stderr with its age.
func ask[P, R any](ctx context.Context, env *Env, d session.Dir, m rpc.Spec[P, R], params P) (R, error) {
	var result R
	raw, err := json.Marshal(params)
	if err != nil {
		return result, err
	}
	res, err := control.Ask(ctx, d, m.MethodName(), raw)
	if err != nil {
		return result, err
	}
	var st struct{ protocol.Stale }
	if json.Unmarshal(res, &st) == nil && st.Stale.Stale {
		warnStale(env, st.Stale)
	}
	if err := json.Unmarshal(res, &result); err != nil {
		return result, fmt.Errorf("decoding the answer to %s: %w", m.MethodName(), err)
	}
	return result, nil
}

func runPeek(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("peek", env)
	last := sf.fs.Int("last", protocol.DefaultPeekLast, "how many of the newest items of each kind")
	network := sf.fs.Bool("network", false, "only requests")
	console := sf.fs.Bool("console", false, "only console messages")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	if *last < 0 {
		return usageErrorf("--last must not be negative")
	}
	p := protocol.PeekParams{Last: *last}
	if *network && !*console {
		p.Kinds = []string{protocol.PeekNetwork}
	}
	if *console && !*network {
		p.Kinds = []string{protocol.PeekConsole}
	}
	res, err := ask(ctx, env, d, protocol.Peek, p)
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	f := newFormatter(env)
	w := env.Stdout
	// One target column for both tables, when what they show comes from
	// more than one target.
	mode := noTarget
	if manyTargets(append(requestTargets(res.Network), consoleTargets(res.Console)...)...) {
		mode = targetColumn
	}
	if len(p.Kinds) == 0 || p.Kinds[0] == protocol.PeekNetwork {
		fmt.Fprintf(w, "%s (%d of %d):\n", f.paint(bold, "Network"), len(res.Network), res.Counts.Network)
		printRequests(w, f, res.Network, mode)
	}
	if len(p.Kinds) == 0 || p.Kinds[0] == protocol.PeekConsole {
		if len(p.Kinds) == 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s (%d of %d):\n", f.paint(bold, "Console"), len(res.Console), res.Counts.Console)
		for _, m := range res.Console {
			fmt.Fprintln(w, f.console(m, mode, ""))
		}
	}
	return nil
}

// listTargets is the target mode of a list: a column when its records
// come from more than one target, none when they are all the page's.
func listTargets(targets []*protocol.TargetRef) targetMode {
	if manyTargets(targets...) {
		return targetColumn
	}
	return noTarget
}

// printRequests prints requests as a table, what came from the page
// escaped; with mode targetColumn, a TARGET column before the URL.
func printRequests(w io.Writer, f *formatter, reqs []protocol.NetworkRequest, mode targetMode) {
	if len(reqs) == 0 {
		fmt.Fprintln(w, "  (none)")
		return
	}
	targetHead := ""
	if mode == targetColumn {
		targetHead = fmt.Sprintf("%-6s ", "TARGET")
	}
	fmt.Fprintln(w, f.paint(gray, fmt.Sprintf("%-22s %-6s %-4s %-9s %8s %8s  %s%s", "ID", "METHOD", "STAT", "TYPE", "TIME", "SIZE", targetHead, "URL")))
	for _, r := range reqs {
		status := statusLabel(r)
		dur, size := "", ""
		if r.Duration > 0 {
			dur = formatDuration(r.Duration)
		}
		if r.EncodedDataLength > 0 {
			size = formatBytes(r.EncodedDataLength)
		}
		url := escapeLine(r.URL)
		if r.State == protocol.StateFailed && r.ErrorText != "" {
			url += "  " + f.paint(red, escapeLine(r.ErrorText))
		}
		if mode == targetColumn {
			url = fmt.Sprintf("%-6s %s", targetName(r.Target), url)
		}
		fmt.Fprintf(w, "%-22s %-6s %s %-9s %8s %8s  %s\n", escapeLine(r.RequestID), escapeLine(r.Method), f.paint(statusColor(r), fmt.Sprintf("%-4s", status)),
			escapeLine(truncate(r.ResourceType, 9)), dur, size, url)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// noArgs parses flags and refuses positional arguments.
func noArgs(fs *flag.FlagSet, args []string) error {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageErrorf("%s takes no arguments, got %q", fs.Name(), strings.Join(pos, " ")).WithHint(fmt.Sprintf("run '%s --help'", fs.Name()))
	}
	return nil
}

func runNetwork(ctx context.Context, env *Env, args []string) error {
	if len(args) == 0 {
		return usageErrorf("network needs a subcommand: list, get or har").WithHint("bdg-rpc network list --filter status-code:>=400")
	}
	switch args[0] {
	case "list", "ls":
		return runNetworkList(ctx, env, args[1:])
	case "get", "show":
		return runNetworkGet(ctx, env, args[1:])
	case "har":
		return runNetworkHAR(ctx, env, args[1:])
	}
	return usageErrorf("unknown network subcommand %q", args[0]).WithHint("use list, get or har")
}

// listFlags are the selection flags that network list and console share.
type listFlags struct {
	filter, target, types *string
	navigation            *int
}

func addListFlags(sf *sessionFlags, filterHelp string) listFlags {
	return listFlags{
		filter:     sf.fs.String("filter", "", filterHelp),
		target:     sf.fs.String("target", "", "only what one target of the page made: its id, or a type (page, iframe, worker, shared_worker, service_worker, popup)"),
		types:      sf.fs.String("type", "", "only these types, comma-separated"),
		navigation: sf.fs.Int("navigation", 0, "only what one navigation made (its id, as status shows)"),
	}
}

// params checks the flags and makes the list params of them.
func (l listFlags) params() (protocol.ListParams, error) {
	p := protocol.ListParams{Filter: *l.filter, Target: *l.target, Navigation: *l.navigation}
	if *l.types != "" {
		p.Types = strings.Split(*l.types, ",")
	}
	if p.Navigation < 0 {
		return p, usageErrorf("--navigation must not be negative")
	}
	return p, nil
}

// listTail says what a list printed leaves out: the matches not shown
// and what the session dropped within the list's scope.
func listTail(w io.Writer, shown int, lp protocol.ListPage, kind, flag string) {
	if shown < lp.Matched {
		fmt.Fprintf(w, "(%d of %d matching)\n", shown, lp.Matched)
	}
	if lp.Dropped > 0 {
		fmt.Fprintf(w, "(%d older %s dropped by the session's bounds: start it with %s to keep more)\n", lp.Dropped, kind, flag)
	}
}

func runNetworkList(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("network list", env)
	lf := addListFlags(sf, "only requests that match (see 'bdg-rpc help filter')")
	last := sf.fs.Int("last", 0, "only the newest N (0: all)")
	offset := sf.fs.Int("offset", 0, "skip the newest N first")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	if *last < 0 || *offset < 0 {
		return usageErrorf("--last and --offset must not be negative")
	}
	if _, err := capture.ParseFilter(*lf.filter); err != nil {
		return usageErrorf("%v", err).WithHint("see 'bdg-rpc help filter'")
	}
	base, err := lf.params()
	if err != nil {
		return err
	}
	reqs, lp, err := requestPager(base, false).fetch(ctx, env, d, *last, *offset)
	if err != nil {
		return err
	}
	lp.Returned, lp.NextCursor = len(reqs), ""
	res := protocol.NetworkListResult{Items: reqs, ListPage: lp}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	printRequests(env.Stdout, newFormatter(env), res.Items, listTargets(requestTargets(res.Items)))
	listTail(env.Stdout, len(res.Items), lp, "requests", "--max-requests")
	return nil
}

func runNetworkGet(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("network get", env)
	body := sf.fs.Bool("body", false, "print the response body too")
	bodyFile := sf.fs.Bool("body-file", false, "write the response body to a file of its own (0600, in the session's bodies directory) and print its path")
	mf := addMapFlags(sf.fs)
	d, pos, err := sf.parse(env, args, -1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("network get takes one request id").WithHint("ids are in the first column of 'bdg-rpc network list'")
	}
	res, err := ask(ctx, env, d, protocol.NetworkGet, protocol.NetworkGetParams{RequestID: pos[0], Body: *body, BodyFile: *bodyFile})
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	initiator := ""
	if in := res.Request.Initiator; in != nil && in.URL != "" {
		ref := protocol.SourceRef{URL: in.URL, Line: in.Line, Column: in.Column}
		maps := mf.resolver(env, d)
		maps.resolve(ctx, []protocol.SourceRef{ref})
		initiator = maps.placeOf(maps.original(ref))
	}
	printRequest(env.Stdout, newFormatter(env), res.Request, *body, initiator)
	switch {
	case res.BodyFile != "":
		fmt.Fprintf(env.Stdout, "Body file: %s\n", res.BodyFile)
	case *bodyFile:
		why := res.Request.BodyOmitted
		if why == "" {
			why = "none captured"
		}
		fmt.Fprintf(env.Stdout, "Body file: none (no body: %s)\n", escapeLine(why))
	}
	return nil
}

// timingLine gives a request's phases, those that happened: "blocked
// 1.2ms  dns 0.4ms  connect 3.1ms (ssl 2.0ms)  send 0.1ms  wait 102.3ms
// receive 4.0ms".
func timingLine(t *protocol.Timing) string {
	var parts []string
	add := func(name string, v float64) {
		if v >= 0 {
			parts = append(parts, fmt.Sprintf("%s %.1fms", name, v))
		}
	}
	add("blocked", t.Blocked)
	add("dns", t.DNS)
	add("connect", t.Connect)
	if t.SSL >= 0 && len(parts) > 0 && strings.HasPrefix(parts[len(parts)-1], "connect") {
		parts[len(parts)-1] += fmt.Sprintf(" (ssl %.1fms)", t.SSL)
	}
	add("send", t.Send)
	add("wait", t.Wait)
	add("receive", t.Receive)
	return strings.Join(parts, "  ")
}

// printRequest prints one request in full, and its response body with
// body. What came from the page is escaped: one-line values entirely,
// bodies all but their newlines and tabs.
//
// original is the place of its initiator in the original source, if known.
func printRequest(w io.Writer, f *formatter, r protocol.NetworkRequest, body bool, original string) {
	fmt.Fprintf(w, "%s %s\n", f.paint(bold, escapeLine(r.Method)), escapeLine(r.URL))
	switch {
	case r.State == protocol.StateFailed:
		fmt.Fprintf(w, "Failed: %s\n", f.paint(red, escapeLine(r.ErrorText)))
	case r.Status > 0:
		fmt.Fprintf(w, "Status: %s %s\n", f.paint(statusColor(r), fmt.Sprint(r.Status)), escapeLine(r.StatusText))
	}
	fmt.Fprintf(w, "Type: %s  State: %s  Time: %s  Size: %s  Navigation: %d\n", escapeLine(r.ResourceType), escapeLine(r.State),
		formatDuration(r.Duration), formatBytes(r.EncodedDataLength), r.NavigationID)
	if r.Timing != nil {
		fmt.Fprintln(w, "Timing: "+timingLine(r.Timing))
	}
	var where []string
	if r.Target != nil {
		where = append(where, "Target: "+targetLine(*r.Target))
	}
	if r.FrameID != "" {
		where = append(where, "Frame: "+escapeLine(r.FrameID))
	}
	if len(where) > 0 {
		fmt.Fprintln(w, strings.Join(where, "  "))
	}
	if in := r.Initiator; in != nil {
		line := "Initiator: " + escapeLine(in.Type)
		switch {
		case original != "":
			line += " " + escapeLine(original)
		case in.URL != "" && in.Line > 0:
			line += fmt.Sprintf(" %s:%d:%d", escapeLine(in.URL), in.Line, in.Column)
		case in.URL != "":
			line += " " + escapeLine(in.URL)
		}
		fmt.Fprintln(w, line)
	}
	if r.FromServiceWorker {
		line := "Answered by a service worker"
		if r.ServiceWorkerRequestID != "" {
			line += " (its fetch: " + escapeLine(r.ServiceWorkerRequestID) + ")"
		}
		fmt.Fprintln(w, line)
	}
	if r.ForRequestID != "" {
		fmt.Fprintf(w, "Fetched for: %s (the page's request this service worker fetch answers)\n", escapeLine(r.ForRequestID))
	}
	for _, hop := range r.Redirects {
		fmt.Fprintf(w, "Redirected from: %s (%d)\n", escapeLine(hop.URL), hop.Status)
	}
	printHeaders(w, f, "Request headers", r.RequestHeaders)
	if r.RequestBody != "" {
		fmt.Fprintf(w, "\n%s\n%s\n", f.paint(bold, "Request body:"), escapeBlock(r.RequestBody))
	}
	printHeaders(w, f, "Response headers", r.ResponseHeaders)
	if body {
		switch {
		case r.ResponseBody != "" && r.Base64Encoded:
			fmt.Fprintf(w, "\n%s (base64, %d bytes)\n%s\n", f.paint(bold, "Response body"), r.BodySize, escapeBlock(r.ResponseBody))
		case r.ResponseBody != "":
			fmt.Fprintf(w, "\n%s\n%s\n", f.paint(bold, "Response body:"), escapeBlock(r.ResponseBody))
		case r.BodyOmitted != "":
			fmt.Fprintf(w, "\nResponse body not captured: %s\n", escapeLine(r.BodyOmitted))
		}
	}
	if len(r.Frames) > 0 {
		fmt.Fprintf(w, "\n%s\n", f.paint(bold, fmt.Sprintf("WebSocket frames (newest %d):", len(r.Frames))))
		for _, fr := range r.Frames {
			fmt.Fprintf(w, "  %s  %s\n", f.paint(gray, clock(fr.Timestamp)), f.frame(fr, noTarget, 0))
		}
	}
	if len(r.Messages) > 0 {
		fmt.Fprintf(w, "\n%s\n", f.paint(bold, fmt.Sprintf("EventSource messages (newest %d):", len(r.Messages))))
		for _, m := range r.Messages {
			fmt.Fprintf(w, "  %s  %s\n", f.paint(gray, clock(m.Timestamp)), f.sseMessage(m, noTarget, 0))
		}
	}
}

// printHeaders prints headers one a line, names and values escaped (a
// value Chrome joined from several headers has newlines in it).
func printHeaders(w io.Writer, f *formatter, title string, h protocol.Headers) {
	m := protocol.HeaderMap(h)
	if len(m) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", f.paint(bold, title+":"))
	for _, k := range sortedKeys(m) {
		fmt.Fprintf(w, "  %s: %s\n", escapeLine(k), escapeLine(m[k]))
	}
}

func runNetworkHAR(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("network har", env)
	noRedact := sf.fs.Bool("no-redact", false, "keep credentials (Authorization, Cookie, token parameters) in the export")
	d, pos, err := sf.parse(env, args, 1)
	if err != nil {
		return err
	}
	o := control.HAROptions{KeepCredentials: *noRedact, Stale: func(st protocol.Stale) { warnStale(env, st) }}
	var entries int
	if len(pos) == 0 || pos[0] == "-" {
		_, err := control.WriteHAR(ctx, d, env.Stdout, o)
		return err
	}
	if err := session.WriteFileAtomic(pos[0], func(w io.Writer) error {
		var err error
		entries, err = control.WriteHAR(ctx, d, w, o)
		return err
	}); err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(map[string]any{"path": pos[0], "entries": entries}))
	}
	fmt.Fprintf(env.Stdout, "Wrote %d entries to %s\n", entries, pos[0])
	return nil
}

func runConsole(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("console", env)
	level := sf.fs.String("level", "", "only these levels, comma-separated (debug, log, info, warning, error); 'warning+' means warning and error")
	lf := addListFlags(sf, "only messages that match (see 'bdg-rpc help filter')")
	last := sf.fs.Int("last", 0, "only the newest N (0: all)")
	mf := addMapFlags(sf.fs)
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	if *last < 0 {
		return usageErrorf("--last must not be negative")
	}
	levels, err := parseLevels(*level)
	if err != nil {
		return err
	}
	if _, err := capture.ParseConsoleFilter(*lf.filter); err != nil {
		return usageErrorf("%v", err).WithHint("see 'bdg-rpc help filter'")
	}
	base, err := lf.params()
	if err != nil {
		return err
	}
	msgs, lp, err := consolePager(base, levels).fetch(ctx, env, d, *last, 0)
	if err != nil {
		return err
	}
	lp.Returned, lp.NextCursor = len(msgs), ""
	res := protocol.ConsoleListResult{Items: msgs, ListPage: lp}
	maps := mf.resolver(env, d)
	mapped := maps.mapMessages(ctx, msgs)
	if sf.json {
		return printJSON(env, envelope(mappedConsoleList{Items: mapped, ListPage: lp}))
	}
	f := newFormatter(env)
	mode := listTargets(consoleTargets(res.Items))
	for _, m := range mapped {
		fmt.Fprintln(env.Stdout, f.console(m.ConsoleMessage, mode, maps.placeOf(m.Original)))
		if m.Stack != "" && (m.Level == protocol.LevelError) {
			stack := m.Stack
			if s := maps.mapStack(m.Stack, maps.show); s != "" {
				stack = s
			}
			fmt.Fprintln(env.Stdout, f.stack(stack))
		}
	}
	if len(res.Items) == 0 {
		fmt.Fprintln(env.Stdout, "(no console messages)")
	}
	listTail(env.Stdout, len(res.Items), lp, "messages", "--max-console")
	return nil
}

// parseLevels reads "error", "warning,error" or "warning+".
func parseLevels(s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	if base, ok := strings.CutSuffix(s, "+"); ok {
		for i, l := range protocol.Levels {
			if l == base {
				return protocol.Levels[i:], nil
			}
		}
	}
	var out []string
	for _, l := range strings.Split(s, ",") {
		l = strings.TrimSpace(l)
		if l == "warn" {
			l = protocol.LevelWarning
		}
		ok := false
		for _, known := range protocol.Levels {
			ok = ok || l == known
		}
		if !ok {
			return nil, usageErrorf("unknown level %q", l).WithHint("levels are debug, log, info, warning, error; 'warning+' means warning and error")
		}
		out = append(out, l)
	}
	return out, nil
}

func runSessions(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("sessions", env)
	asJSON := fs.Bool("json", false, "print one JSON envelope")
	if err := noArgs(fs, args); err != nil {
		return err
	}
	home, err := session.Home(env.Getenv)
	if err != nil {
		return protocol.Wrap(protocol.SessionFile, err)
	}
	list, err := control.List(ctx, home)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, envelope(protocol.ListResult{Sessions: list}))
	}
	if len(list) == 0 {
		fmt.Fprintln(env.Stdout, "No sessions. Start one: bdg-rpc start URL")
		return nil
	}
	f := newFormatter(env)
	fmt.Fprintln(env.Stdout, f.paint(gray, fmt.Sprintf("%-16s %-9s %7s %8s %8s  %s", "SESSION", "STATE", "PID", "REQUESTS", "CONSOLE", "TARGET")))
	for _, st := range list {
		pid := ""
		if st.PID != 0 {
			pid = fmt.Sprint(st.PID)
		}
		color := ""
		switch st.State {
		case protocol.StateRunning:
			color = green
		case protocol.StateStale:
			color = yellow
		}
		fmt.Fprintf(env.Stdout, "%-16s %s %7s %8d %8d  %s\n", escapeLine(st.Session), f.paint(color, fmt.Sprintf("%-9s", escapeLine(st.State))), pid,
			st.Counts.Network, st.Counts.Console, escapeLine(st.Target.URL))
	}
	return nil
}

func runCDP(ctx context.Context, env *Env, args []string) error {
	return runRaw(ctx, env, args, "cdp", "bdg-rpc cdp Runtime.evaluate '{\"expression\":\"document.title\",\"returnByValue\":true}'")
}

func runCall(ctx context.Context, env *Env, args []string) error {
	return runRaw(ctx, env, args, "call", "bdg-rpc call network/list '{\"last\":5}'")
}

// runRaw sends "METHOD [JSON]" as it is: a CDP command to the session's page
// (cdp), or a JSON-RPC call to its worker (call).
func runRaw(ctx context.Context, env *Env, args []string, cmd, example string) error {
	sf := newSessionFlags(cmd, env)
	d, pos, err := sf.parse(env, args, -1)
	if err != nil {
		return err
	}
	method, params, err := methodAndParams(cmd, pos, example)
	if err != nil {
		return err
	}
	if cmd == "cdp" {
		res, err := ask(ctx, env, d, protocol.CDPSend, protocol.CDPSendParams{Method: method, Params: params})
		if err != nil {
			return err
		}
		return printResult(env, sf.json, res)
	}
	if params == nil {
		params = json.RawMessage("{}")
	}
	c, err := control.Connect(ctx, d, nil, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	var res json.RawMessage
	if err := rpc.CallRaw(ctx, c.Conn, method, params, &res); err != nil {
		return err
	}
	return printResult(env, sf.json, res)
}

// methodAndParams reads "METHOD [JSON]" and checks the JSON.
func methodAndParams(cmd string, pos []string, example string) (string, json.RawMessage, error) {
	if len(pos) == 0 || len(pos) > 2 {
		return "", nil, usageErrorf("%s takes a method and, optionally, its params as JSON", cmd).WithHint(example)
	}
	if len(pos) == 1 {
		return pos[0], nil, nil
	}
	raw := json.RawMessage(pos[1])
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return "", nil, usageErrorf("params are not a JSON object: %v", err).WithHint("quote them for the shell: " + example)
	}
	return pos[0], raw, nil
}

// printResult prints a raw result, indented, or in an envelope. Indented,
// it goes through escapeJSON: still the same JSON, with nothing in its
// strings that could drive the terminal.
func printResult(env *Env, asJSON bool, res json.RawMessage) error {
	if asJSON {
		return printJSON(env, envelope(res))
	}
	var v any
	if err := json.Unmarshal(res, &v); err != nil {
		_, err := fmt.Fprintln(env.Stdout, escapeBlock(string(res)))
		return err
	}
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	_, err := io.WriteString(env.Stdout, escapeJSON(b.String()))
	return err
}

func runCleanup(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("cleanup", env)
	name := fs.String("session", "", "only this session (default: every session)")
	asJSON := fs.Bool("json", false, "print one JSON envelope")
	if err := noArgs(fs, args); err != nil {
		return err
	}
	home, err := session.Home(env.Getenv)
	if err != nil {
		return protocol.Wrap(protocol.SessionFile, err)
	}
	names := []string{*name}
	if *name == "" {
		if names, err = session.List(home); err != nil {
			return protocol.Wrap(protocol.SessionFile, err)
		}
	}
	results := []control.Cleaned{}
	for _, n := range names {
		d, err := session.NewDir(home, n)
		if err != nil {
			return usageErrorf("%v", err)
		}
		c, err := control.Cleanup(d)
		if err != nil && *name != "" {
			return err
		}
		results = append(results, c)
	}
	if *asJSON {
		return printJSON(env, envelope(results))
	}
	for _, c := range results {
		switch {
		case c.Live:
			fmt.Fprintf(env.Stdout, "%s: running, left alone\n", c.Session)
		case len(c.Removed) == 0 && c.RescuedOutput == "" && c.KilledChrome == 0:
			fmt.Fprintf(env.Stdout, "%s: nothing stale\n", c.Session)
		default:
			fmt.Fprintf(env.Stdout, "%s: removed %d stale files", c.Session, len(c.Removed))
			if c.KilledChrome != 0 {
				fmt.Fprintf(env.Stdout, ", killed an orphaned Chrome (pid %d)", c.KilledChrome)
			}
			if c.RescuedOutput != "" {
				fmt.Fprintf(env.Stdout, ", kept the capture in %s", c.RescuedOutput)
			}
			fmt.Fprintln(env.Stdout)
		}
	}
	if len(results) == 0 {
		fmt.Fprintln(env.Stdout, "No sessions.")
	}
	return nil
}

func runLogs(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("logs", env)
	follow := sf.fs.Bool("follow", false, "keep printing what is appended, until interrupted")
	lines := sf.fs.Int("lines", 50, "how many of the last lines to print first (0: all)")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	path := d.File(session.LogFile)
	f, err := os.Open(path)
	if err != nil {
		if os.IsNotExist(err) {
			return protocol.Errorf(protocol.NoSession, "session %q has no log (%s)", d.Name, path).
				WithHint("bdg-rpc sessions lists the sessions")
		}
		return protocol.Wrap(protocol.SessionFile, err)
	}
	defer f.Close()
	return printLog(ctx, env, f, path, *lines, *follow)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return strings.ToLower(keys[i]) < strings.ToLower(keys[j]) })
	return keys
}
