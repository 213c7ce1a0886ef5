package mcp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/bdg-rpc/bdg-rpc/browser/browsertest"
	"github.com/bdg-rpc/bdg-rpc/rpc"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/server"
	"github.com/bdg-rpc/bdg-rpc/server/mcp"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
	"github.com/bdg-rpc/bdg-rpc/session/sessiontest"
)

// The test binary is also "bdg-rpc mcp" (the server under test, in a
// process of its own as clients run it) and the session workers it starts.
func TestMain(m *testing.M) {
	sessiontest.Child(map[string]func() int{"mcp": mcpMain, "serve": serveMain})
	os.Exit(m.Run())
}

func mcpMain() int {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	err := mcp.Run(ctx, mcp.Options{Home: os.Getenv("BDG_HOME"), Version: protocol.Version, Chrome: os.Getenv("BDG_CHROME")}, os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// serveMain is "bdg-rpc serve" on stdio, the editors' backend.
func serveMain() int {
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	exe, _ := os.Executable()
	srv := server.New(server.Config{Home: os.Getenv("BDG_HOME"), Log: slog.New(slog.NewTextHandler(os.Stderr, nil)), Launcher: control.Launcher{Executable: exe}})
	return srv.ServeConn(ctx, rpc.StdioConn{In: os.Stdin, Out: os.Stdout})
}

// limit bounds every call: a broken server fails a test instead of hanging it.
const limit = 90 * time.Second

// client starts "bdg-rpc mcp" on home and connects the SDK's client to it;
// the test's cleanup stops every session of home and the server.
func client(t *testing.T, home string) *sdk.ClientSession {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "mcp")
	cmd.Env = append(os.Environ(), "BDG_HOME="+home, "BDG_CHROME="+browsertest.ExecPath(t))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	c := sdk.NewClient(&sdk.Implementation{Name: "bdg-rpc-test", Version: "1"}, nil)
	cs, err := c.Connect(ctx, &sdk.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connecting: %v\nstderr: %s", err, stderr.String())
	}
	t.Cleanup(func() {
		stopAll(t, home)
		if err := cs.Close(); err != nil {
			t.Logf("closing the client: %v", err)
		}
		if s := stderr.String(); s != "" {
			t.Logf("the server's stderr:\n%s", s)
		}
	})
	return cs
}

// stopAll stops the sessions of home that still run.
func stopAll(t *testing.T, home string) {
	names, _ := session.List(home)
	for _, name := range names {
		d, err := session.NewDir(home, name)
		if err != nil {
			continue
		}
		if alive, _ := d.WorkerAlive(); alive {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			if _, err := control.Stop(ctx, d); err != nil {
				t.Logf("stopping %s: %v", name, err)
			}
			cancel()
		}
	}
}

// callTool calls a tool and returns its text and structured content.
func callTool(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) (string, json.RawMessage, *sdk.CallToolResult) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var text []string
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			text = append(text, tc.Text)
		}
	}
	raw, _ := json.Marshal(res.StructuredContent)
	return strings.Join(text, "\n"), raw, res
}

// ok calls a tool that must succeed.
func ok(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any) (string, json.RawMessage) {
	t.Helper()
	text, raw, res := callTool(t, cs, name, args)
	if res.IsError {
		t.Fatalf("%s(%v) failed: %s", name, args, text)
	}
	return text, raw
}

// fails calls a tool that must fail with an error that matches want and a hint.
func fails(t *testing.T, cs *sdk.ClientSession, name string, args map[string]any, want string) {
	t.Helper()
	text, _, res := callTool(t, cs, name, args)
	if !res.IsError {
		t.Fatalf("%s(%v) succeeded: %s", name, args, text)
	}
	if !regexp.MustCompile(want).MatchString(text) || !strings.Contains(text, "\nHint: ") {
		t.Errorf("%s(%v) failed with %q: want %q and a hint", name, args, text, want)
	}
}

func TestToolsAreListed(t *testing.T) {
	cs := client(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	info := cs.InitializeResult()
	if info == nil || info.ServerInfo.Name != "bdg-rpc" || info.ProtocolVersion == "" || info.Instructions == "" {
		t.Fatalf("initialize: %+v", info)
	}
	var names []string
	for tool, err := range cs.Tools(ctx, nil) {
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, tool.Name)
		if len(tool.Description) < 40 {
			t.Errorf("%s: a description of %d characters: %q", tool.Name, len(tool.Description), tool.Description)
		}
		schema, _ := json.Marshal(tool.InputSchema)
		if !strings.Contains(string(schema), `"type":"object"`) {
			t.Errorf("%s: input schema %s", tool.Name, schema)
		}
	}
	want := []string{"accessibility_snapshot", "attach_session", "click", "emulate", "evaluate", "export_har", "fill",
		"get_console_message", "get_network_request", "list_console_messages", "list_network_requests", "list_sessions",
		"navigate", "press_key", "query_dom", "reload", "screenshot", "session_status", "start_session", "stop_session", "wait_for"}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("tools %v, want %v", names, want)
	}
}

// Every tool on a real page, and their errors: each a result with isError,
// the error and a hint, never a crash of the server.
func TestToolsOnAPage(t *testing.T) {
	fx := browsertest.ServeFixtures(t)
	home := t.TempDir()
	cs := client(t, home)

	fails(t, cs, "start_session", map[string]any{}, `needs a url`)
	fails(t, cs, "session_status", map[string]any{"session": "nope"}, `no_session|not running|no session`)

	text, _ := ok(t, cs, "start_session", map[string]any{"url": fx.URL("/big-json.html")})
	if !strings.Contains(text, `Session "default" started: `+fx.URL("/big-json.html")) {
		t.Errorf("start_session: %s", text)
	}
	fails(t, cs, "start_session", map[string]any{"url": fx.URL("/big-json.html")}, `already_running`)

	// The page's console and its requests, once loaded.
	waitFor(t, func() bool {
		text, _ := ok(t, cs, "list_console_messages", map[string]any{"filter": "done"})
		return strings.Contains(text, "big json done")
	}, "the page's last message")
	// By default a list is its lines, without structured content (which
	// the clients agents run give the model in place of the text).
	text, raw := ok(t, cs, "list_console_messages", map[string]any{})
	page := regexp.QuoteMeta(fx.URL("/big-json.html"))
	if !regexp.MustCompile(`(?m)^#\d+ log big json items 9000 big json done \(`+page+`:5\)$`).MatchString(text) ||
		!regexp.MustCompile(`\n\d+ of \d+ matching messages \(the session holds \d+; its bounds dropped 0\)\. No more\.$`).MatchString(text) {
		t.Errorf("list_console_messages:\n%s", text)
	}
	if string(raw) != "null" {
		t.Errorf("list_console_messages has structured content without items: %s", raw)
	}
	lines := text
	text, raw = ok(t, cs, "list_console_messages", map[string]any{"items": true})
	var cl protocol.ConsoleListResult
	if err := json.Unmarshal(raw, &cl); err != nil || cl.Matched == 0 || len(cl.Items) != cl.Returned || cl.Items[0].Target == nil || cl.Items[0].Target.URL != "" {
		t.Errorf("list_console_messages' structured content (brief records): %v %s", err, raw)
	}
	if text != lines {
		t.Errorf("the lines of items (-) and of the worker (+) differ:\n%s", cmp.Diff(text, lines))
	}
	seq := cl.Items[len(cl.Items)-1].Seq
	text, _ = ok(t, cs, "get_console_message", map[string]any{"seq": seq})
	if !strings.HasPrefix(text, fmt.Sprintf("#%d log console\n", seq)) {
		t.Errorf("get_console_message %d:\n%s", seq, text)
	}
	fails(t, cs, "get_console_message", map[string]any{"seq": 1 << 40}, `not_found`)

	text, raw = ok(t, cs, "list_network_requests", map[string]any{"filter": "url:big.json", "items": true})
	var nl protocol.NetworkListResult
	if err := json.Unmarshal(raw, &nl); err != nil || len(nl.Items) != 1 || nl.Items[0].ResponseHeaders != nil {
		t.Fatalf("list_network_requests: %v\n%s", err, text)
	}
	if !regexp.MustCompile(`^` + regexp.QuoteMeta(nl.Items[0].RequestID+" GET 200 "+fx.URL("/big.json")) + ` Fetch \d+ms \d+B\n1 of 1 matching requests`).MatchString(text) {
		t.Errorf("list_network_requests:\n%s", text)
	}
	if plain, _ := ok(t, cs, "list_network_requests", map[string]any{"filter": "url:big.json"}); plain != text {
		t.Errorf("list_network_requests' lines without items (+) differ:\n%s", cmp.Diff(text, plain))
	}
	fails(t, cs, "list_network_requests", map[string]any{"filter": "status-code:>>1"}, `invalid_args`)
	fails(t, cs, "list_network_requests", map[string]any{"limit": 50000}, `limit must be 1 to 10000`)

	// A body over the inline limit is a file; under it, inline.
	id := nl.Items[0].RequestID
	waitFor(t, func() bool {
		text, _ := ok(t, cs, "get_network_request", map[string]any{"requestId": id, "maxInlineBody": 100})
		return strings.Contains(text, "written to ")
	}, "big.json's body")
	text, raw = ok(t, cs, "get_network_request", map[string]any{"requestId": id, "maxInlineBody": 100})
	var got struct {
		BodyFile string                  `json:"bodyFile"`
		Request  protocol.NetworkRequest `json:"request"`
	}
	if err := json.Unmarshal(raw, &got); err != nil || got.BodyFile == "" || got.Request.ResponseBody != "" {
		t.Fatalf("get_network_request with a small limit: %v %s\n%s", err, raw, text)
	}
	body, err := os.ReadFile(got.BodyFile)
	if err != nil || !bytes.Equal(body, browsertest.BigJSON()) {
		t.Errorf("the body file %s: %v, %d bytes, want big.json's %d", got.BodyFile, err, len(body), len(browsertest.BigJSON()))
	}
	if !strings.Contains(text, "Timing (ms): blocked ") || !strings.Contains(text, "Initiator: script") {
		t.Errorf("get_network_request's text:\n%s", text)
	}
	text, _ = ok(t, cs, "get_network_request", map[string]any{"requestId": id, "maxInlineBody": 10 << 20})
	if !strings.Contains(text, fmt.Sprintf("Response body (%d bytes):\n", len(browsertest.BigJSON()))) {
		t.Errorf("get_network_request inline: %.300s", text)
	}
	fails(t, cs, "get_network_request", map[string]any{"requestId": "no-such"}, `not_found`)

	// Drive the page.
	text, _ = ok(t, cs, "evaluate", map[string]any{"expression": "1 + 1"})
	if text != "2" {
		t.Errorf("evaluate 1 + 1: %q", text)
	}
	text, _ = ok(t, cs, "evaluate", map[string]any{"expression": "fetch('/data.json?from=mcp').then(r => r.json())"})
	if !strings.Contains(text, `"n":42`) {
		t.Errorf("evaluate of a promise: %q", text)
	}
	text, _, res := callTool(t, cs, "evaluate", map[string]any{"expression": "(() => { throw new Error('boom') })()"})
	if !res.IsError || !strings.HasPrefix(text, "Exception: Uncaught Error: boom") {
		t.Errorf("evaluate of a throw: %v %q", res.IsError, text)
	}
	_, _, res = callTool(t, cs, "screenshot", map[string]any{})
	if res.IsError || len(res.Content) != 2 || res.StructuredContent != nil {
		t.Fatalf("screenshot (an image and its text, no structured content that hosts would give the model in place of the image): %+v", res)
	}
	img, isImage := res.Content[0].(*sdk.ImageContent)
	if !isImage || img.MIMEType != "image/png" || !bytes.HasPrefix(img.Data, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot: not a PNG image: %T", res.Content[0])
	}
	if tc, _ := res.Content[1].(*sdk.TextContent); tc == nil || !regexp.MustCompile(`written to /.+\.png$`).MatchString(tc.Text) {
		t.Errorf("screenshot's text: %+v", res.Content[1])
	}
	text, _ = ok(t, cs, "navigate", map[string]any{"url": fx.URL("/second.html")})
	if !strings.Contains(text, "Loaded "+fx.URL("/second.html")+" (navigation #2") {
		t.Errorf("navigate: %s", text)
	}
	text, _ = ok(t, cs, "reload", map[string]any{})
	if !strings.Contains(text, "(navigation #3") {
		t.Errorf("reload: %s", text)
	}
	fails(t, cs, "navigate", map[string]any{"url": "nota url"}, `invalid_url|invalid_args`)

	text, _ = ok(t, cs, "session_status", map[string]any{})
	if !strings.Contains(text, `Session "default": running`) || !strings.Contains(text, "Dropped by its bounds: 0 requests, 0 console messages") {
		t.Errorf("session_status:\n%s", text)
	}
	text, _ = ok(t, cs, "list_sessions", map[string]any{})
	if !strings.HasPrefix(text, "default: running, "+fx.URL("/second.html")) {
		t.Errorf("list_sessions: %s", text)
	}
	text, _ = ok(t, cs, "stop_session", map[string]any{})
	if !strings.Contains(text, `Session "default" stopped`) {
		t.Errorf("stop_session: %s", text)
	}
	// An ended session's records are still there, from its files.
	text, _ = ok(t, cs, "list_console_messages", map[string]any{"filter": "done"})
	if !strings.Contains(text, "big json done") || !strings.Contains(text, "its worker is not running") {
		t.Errorf("list_console_messages after stop:\n%s", text)
	}
}

// The tools that inspect and drive the page, on the form of drive.html, and
// the HAR export.
func TestDriveTools(t *testing.T) {
	fx := browsertest.ServeFixtures(t)
	home := t.TempDir()
	cs := client(t, home)
	ok(t, cs, "start_session", map[string]any{"url": fx.URL("/drive.html")})
	ok(t, cs, "wait_for", map[string]any{"selector": "#go", "visible": true})

	text, raw := ok(t, cs, "query_dom", map[string]any{"selector": "input", "all": true})
	var q protocol.DOMQueryResult
	if err := json.Unmarshal(raw, &q); err != nil || q.Total < 2 || !strings.Contains(text, "input#user visible=true") {
		t.Errorf("query_dom: %v\n%s", err, text)
	}
	text, _ = ok(t, cs, "accessibility_snapshot", map[string]any{})
	uid := regexp.MustCompile(`uid=(\d+) textbox "User"`).FindStringSubmatch(text)
	if uid == nil {
		t.Fatalf("accessibility_snapshot: no textbox User:\n%s", text)
	}
	id, _ := strconv.Atoi(uid[1])
	text, _ = ok(t, cs, "fill", map[string]any{"uid": id, "value": "carol"})
	if text != `Filled input#user; its value is now "carol".` {
		t.Errorf("fill by uid: %s", text)
	}
	ok(t, cs, "fill", map[string]any{"selector": "#user", "value": "alice"})
	ok(t, cs, "fill", map[string]any{"selector": "#password", "value": "s3cret"})
	text, _ = ok(t, cs, "click", map[string]any{"selector": "#go"})
	if !regexp.MustCompile(`^Clicked button#go at \d+,\d+\.$`).MatchString(text) {
		t.Errorf("click: %s", text)
	}
	text, _ = ok(t, cs, "wait_for", map[string]any{"text": "signed in", "timeoutMs": 10000})
	if !regexp.MustCompile(`^Done after \d+ ms\.$`).MatchString(text) {
		t.Errorf("wait_for: %s", text)
	}
	ok(t, cs, "click", map[string]any{"selector": "#user"})
	text, _ = ok(t, cs, "press_key", map[string]any{"key": "Escape"})
	if text != "Pressed Escape in input#user." {
		t.Errorf("press_key: %s", text)
	}
	fails(t, cs, "click", map[string]any{"selector": "#nothing-like-it"}, `not_found`)
	fails(t, cs, "wait_for", map[string]any{"selector": "#never", "timeoutMs": 200}, `timeout|timed out`)
	fails(t, cs, "emulate", map[string]any{"viewport": "wide"}, `give WIDTHxHEIGHT`)

	text, _ = ok(t, cs, "emulate", map[string]any{"viewport": "390x844@3,mobile", "colorScheme": "dark"})
	if text != "Now: network none, CPU x1, viewport 390x844@3 mobile, color scheme dark." {
		t.Errorf("emulate: %s", text)
	}
	text, _ = ok(t, cs, "evaluate", map[string]any{"expression": "[screen.width, matchMedia('(prefers-color-scheme: dark)').matches]"})
	if text != "[390,true]" {
		t.Errorf("the page after emulate: %s", text)
	}

	fails(t, cs, "export_har", map[string]any{"path": "relative.har"}, `not absolute`)
	path := filepath.Join(t.TempDir(), "out.har")
	text, _ = ok(t, cs, "export_har", map[string]any{"path": path})
	n := regexp.MustCompile(`^Wrote (\d+) entries to ` + regexp.QuoteMeta(path) + `\.$`).FindStringSubmatch(text)
	b, err := os.ReadFile(path)
	if n == nil || n[1] == "0" || err != nil || !bytes.Contains(b, []byte(`"version": "1.2"`)) || !bytes.Contains(b, []byte("/drive.html")) {
		t.Errorf("export_har: %s (%v, %d bytes)", text, err, len(b))
	}
}

// An agent and a person share a session: one started as the command line
// starts it, watched at once by an editor's backend (bdg-rpc serve, its
// events pushed) and by bdg-rpc mcp (its lists): both see the same
// messages with the same seq numbers, from the one worker.
func TestSharedSession(t *testing.T) {
	fx := browsertest.ServeFixtures(t)
	home := t.TempDir()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	headless := true
	if _, err := (control.Launcher{Executable: exe}).Start(ctx, session.Options{Session: "default", Home: home, URL: "about:blank",
		ChromePath: browsertest.ExecPath(t), Headless: &headless}); err != nil {
		t.Fatal(err)
	}
	cs := client(t, home) // its cleanup stops the session

	// The editor's backend, attached to the session.
	serve := exec.Command(exe, "serve")
	serve.Env = append(os.Environ(), "BDG_HOME="+home)
	in, _ := serve.StdinPipe()
	out, _ := serve.StdoutPipe()
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		if err := serve.Wait(); err != nil {
			t.Logf("serve: %v", err)
		}
	})
	fmt.Fprintln(in, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"editor"}}}`)
	fmt.Fprintln(in, `{"jsonrpc":"2.0","id":2,"method":"session/attach","params":{"session":"default"}}`)
	pushed := map[uint64]string{}
	attached := make(chan struct{})
	done := make(chan error, 1)
	go func() { // ends when serve's stdout closes, at the test's cleanup
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			var m struct {
				ID     int    `json:"id"`
				Method string `json:"method"`
				Params struct {
					Seq     uint64 `json:"seq"`
					Message struct {
						Text string `json:"text"`
					} `json:"message"`
				} `json:"params"`
			}
			if json.Unmarshal(sc.Bytes(), &m) != nil {
				continue
			}
			if m.ID == 2 {
				close(attached)
			}
			if m.Method == protocol.NotifyConsole && strings.HasPrefix(m.Params.Message.Text, "shared") {
				pushed[m.Params.Seq] = m.Params.Message.Text
				if strings.HasPrefix(m.Params.Message.Text, "shared done") {
					done <- nil
					return
				}
			}
		}
		done <- fmt.Errorf("serve's output ended: %v", sc.Err())
	}()
	select {
	case <-attached:
	case <-ctx.Done():
		t.Fatal("serve never answered session/attach")
	}

	// The agent joins it and makes the page log.
	text, _ := ok(t, cs, "attach_session", map[string]any{"session": "default"})
	if !strings.HasPrefix(text, `Using session "default": about:blank`) {
		t.Errorf("attach_session: %s", text)
	}
	ok(t, cs, "navigate", map[string]any{"url": fx.URL("/console-burst.html?n=2000&label=shared")})
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("serve never pushed the burst's last message")
	}
	listed := map[uint64]string{}
	cursor := ""
	for {
		args := map[string]any{"filter": "shared", "limit": 1000, "items": true}
		if cursor != "" {
			args["cursor"] = cursor
		}
		_, raw := ok(t, cs, "list_console_messages", args)
		var page protocol.ConsoleListResult
		if err := json.Unmarshal(raw, &page); err != nil {
			t.Fatal(err)
		}
		for _, m := range page.Items {
			listed[m.Seq] = m.Text
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if len(pushed) != 2001 {
		t.Errorf("serve pushed %d messages, want 2001", len(pushed))
	}
	if diff := cmp.Diff(pushed, listed); diff != "" {
		t.Errorf("pushed to the editor (-) and listed to the agent (+) differ:\n%s", diff)
	}
}

// A page's 25,000 messages, walked a page at a time by their lines (what
// an agent reads): none missing, none twice, in order, and each answer
// says how many there are and where the next page starts.
func TestConsolePagination(t *testing.T) {
	fx := browsertest.ServeFixtures(t)
	cs := client(t, t.TempDir())
	ok(t, cs, "start_session", map[string]any{"url": fx.URL("/console-burst.html?n=25000")})
	waitFor(t, func() bool {
		text, _ := ok(t, cs, "list_console_messages", map[string]any{"filter": "burst done", "limit": 1})
		return strings.Contains(text, "burst done 25000")
	}, "the burst's end")
	var (
		seen   = map[int]bool{}
		last   uint64
		cursor string
		pages  int
		line   = regexp.MustCompile(`(?m)^#(\d+) log burst (\d+)( \(http://[^ ]+\))?$`)
		counts = regexp.MustCompile(`\n(\d+) of (\d+) matching messages \(the session holds \d+; its bounds dropped (\d+)\)\. (?:More: pass cursor "(\d+)"\.|No more\.)$`)
	)
	for {
		args := map[string]any{"filter": "burst", "limit": 1000}
		if cursor != "" {
			args["cursor"] = cursor
		}
		text, _ := ok(t, cs, "list_console_messages", args)
		pages++
		c := counts.FindStringSubmatch(text)
		if c == nil || c[2] != "25001" || c[3] != "0" {
			t.Fatalf("page %d does not say 25001 matched and 0 dropped: %.300s", pages, text[max(0, len(text)-300):])
		}
		found := line.FindAllStringSubmatch(text, -1)
		if fmt.Sprint(len(found)) != c[1] && !strings.Contains(text, "burst done") {
			t.Fatalf("page %d: %d lines, it says %s", pages, len(found), c[1])
		}
		for k, f := range found {
			var seq uint64
			var i int
			fmt.Sscan(f[1], &seq) //nolint:errcheck // digits, by the pattern
			fmt.Sscan(f[2], &i)   //nolint:errcheck
			if seq <= last {
				t.Fatalf("seq %d after %d", seq, last)
			}
			if (k == 0) != (f[3] != "") {
				t.Fatalf("page %d line %d: a place only on a page's first line (the rest are at the same place): %q", pages, k, f[0])
			}
			last = seq
			if seen[i] {
				t.Fatalf("burst %d twice", i)
			}
			seen[i] = true
		}
		if cursor = c[4]; cursor == "" {
			break
		}
	}
	if len(seen) != 25000 || pages != 26 {
		t.Errorf("%d distinct messages in %d pages, want 25000 in 26", len(seen), pages)
	}
}

// waitFor polls cond until it holds or the limit passes.
func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// BenchmarkConsoleList10000 is one list_console_messages of 10,000
// messages, the server and its client in this process (the SDK's
// in-memory transports), on a session of real Chromium: what a list costs
// beside what the worker's console/list costs (make bench-peer measures it
// across processes, beside chrome-devtools-mcp).
func BenchmarkConsoleList10000(b *testing.B) {
	fx := browsertest.ServeFixtures(b)
	home := b.TempDir()
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	headless := true
	if _, err := (control.Launcher{Executable: exe}).Start(ctx, session.Options{Session: "default", Home: home,
		URL: fx.URL("/console-burst.html?n=10000&label=listed"), ChromePath: browsertest.ExecPath(b), Headless: &headless}); err != nil {
		b.Fatal(err)
	}
	d, _ := session.NewDir(home, "default")
	defer control.Stop(ctx, d) //nolint:errcheck // best effort at the end
	ct, st := sdk.NewInMemoryTransports()
	if _, err := mcp.New(mcp.Options{Home: home, Version: protocol.Version}).Connect(ctx, st, nil); err != nil {
		b.Fatal(err)
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "bench", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer cs.Close()
	limit := 10000
	for deadline := time.Now().Add(time.Minute); ; {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "list_console_messages", Arguments: map[string]any{"filter": "listed done", "limit": 1}})
		if err == nil && len(res.Content) > 0 && strings.Contains(res.Content[0].(*sdk.TextContent).Text, "listed done") {
			break
		}
		if time.Now().After(deadline) {
			b.Fatal("the burst never ended")
		}
		time.Sleep(50 * time.Millisecond)
	}
	parts := []struct{ name, params string }{
		{"worker", `{"limit":10000}`},
		{"worker-brief", `{"limit":10000,"brief":true}`},
		{"worker-lines", `{"limit":10000,"format":"lines"}`},
		{"worker-lines-1", `{"limit":1,"format":"lines"}`},
	}
	for _, w := range parts {
		raw, err := control.Ask(ctx, d, protocol.ConsoleList.Name, json.RawMessage(w.params))
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("the worker's console/list of 10,000 %s: %d bytes", w.params, len(raw))
	}
	for _, w := range parts {
		b.Run(w.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := control.Ask(ctx, d, protocol.ConsoleList.Name, json.RawMessage(w.params)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, m := range []struct {
		name string
		args map[string]any
	}{{"mcp", map[string]any{"limit": limit}}, {"mcp-items", map[string]any{"limit": limit, "items": true}}} {
		b.Run(m.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "list_console_messages", Arguments: m.args}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
