package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// The verbs that inspect and drive the page: eval, navigate, reload, back,
// forward (docs/PROTOCOL.md: page/evaluate, page/navigate, ...).

func runEval(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("eval", env)
	frame := sf.fs.String("frame", "", "run in this frame of the page (a frame id)")
	target := sf.fs.String("target", "", "run in this target of the page (an iframe's or a worker's target id)")
	noAwait := sf.fs.Bool("no-await", false, "give a promise as it is rather than what it settles to")
	d, pos, err := sf.parse(env, args, -1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErrorf("eval takes a JavaScript expression").WithHint(`bdg-rpc eval 'document.title'`)
	}
	p := protocol.EvaluateParams{Expression: strings.Join(pos, " "), AwaitPromise: !*noAwait, Frame: *frame, Target: *target}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	res, err := ask(ctx, env, d, protocol.Evaluate, p)
	if err != nil {
		return err
	}
	if x := res.Exception; x != nil {
		msg := x.Text
		if x.Stack != "" {
			msg += "\n" + x.Stack
		}
		if sf.json {
			_ = printJSON(env, errorEnvelope{Version: protocol.Version, Success: false,
				Error: envelopeError{Code: protocol.ExitGeneric, Kind: "exception", Message: msg}})
		}
		fmt.Fprintln(env.Stderr, escapeBlock(msg))
		return &exitStatus{code: protocol.ExitGeneric}
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	_, err = fmt.Fprintln(env.Stdout, evalText(res))
	return err
}

// oneLineJSON is the longest value eval prints as JSON on one line.
const oneLineJSON = 100

// evalText is how eval prints a value: a string as it is, a value that has
// JSON as JSON (indented when it is long), else DevTools' rendering.
func evalText(res protocol.EvaluateResult) string {
	if res.Type == "string" {
		var s string
		if json.Unmarshal(res.Value, &s) == nil {
			return escapeBlock(s)
		}
	}
	if len(res.Value) > 0 {
		if len(res.Value) <= oneLineJSON && !bytes.ContainsAny(res.Value, "\n") {
			return escapeJSON(string(res.Value))
		}
		if res.Value[0] == '{' || res.Value[0] == '[' {
			var b bytes.Buffer
			if json.Indent(&b, res.Value, "", "  ") == nil {
				return escapeJSON(b.String())
			}
		}
		return escapeJSON(string(res.Value))
	}
	return escapeLine(res.Text)
}

// waitFlags are the flags of every navigation verb.
type waitFlags struct {
	until   *string
	timeout *float64
}

func newWaitFlags(sf *sessionFlags) waitFlags {
	return waitFlags{
		until:   sf.fs.String("wait-until", protocol.WaitLoad, "wait for "+strings.Join(protocol.WaitUntils, ", ")),
		timeout: sf.fs.Float64("timeout", protocol.DefaultNavigateTimeoutMs/1000, "give up after this many seconds"),
	}
}

func (w waitFlags) params() (protocol.WaitParams, error) {
	if *w.timeout <= 0 {
		return protocol.WaitParams{}, usageErrorf("--timeout must be more than 0 seconds")
	}
	p := protocol.WaitParams{WaitUntil: *w.until, TimeoutMs: int(*w.timeout * 1000)}
	return p, nil
}

func runNavigate(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("navigate", env)
	wf := newWaitFlags(sf)
	d, pos, err := sf.parse(env, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("navigate takes the URL to go to").WithHint("bdg-rpc navigate http://localhost:3000/login")
	}
	wp, err := wf.params()
	if err != nil {
		return err
	}
	p := protocol.NavigateParams{URL: pos[0], WaitParams: wp}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	res, err := ask(ctx, env, d, protocol.Navigate, p)
	return printNavigation(env, sf.json, res, err)
}

func runReload(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("reload", env)
	wf := newWaitFlags(sf)
	ignoreCache := sf.fs.Bool("ignore-cache", false, "reload without the cache (as Shift+Reload)")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	wp, err := wf.params()
	if err != nil {
		return err
	}
	p := protocol.ReloadParams{IgnoreCache: *ignoreCache, WaitParams: wp}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	res, err := ask(ctx, env, d, protocol.Reload, p)
	return printNavigation(env, sf.json, res, err)
}

func runBack(ctx context.Context, env *Env, args []string) error {
	return runHistory(ctx, env, args, "back", protocol.Back)
}

func runForward(ctx context.Context, env *Env, args []string) error {
	return runHistory(ctx, env, args, "forward", protocol.Forward)
}

func runHistory(ctx context.Context, env *Env, args []string, name string, m protocol.Method[protocol.HistoryParams, protocol.NavigateResult]) error {
	sf := newSessionFlags(name, env)
	wf := newWaitFlags(sf)
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	wp, err := wf.params()
	if err != nil {
		return err
	}
	p := protocol.HistoryParams{WaitParams: wp}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	res, err := ask(ctx, env, d, m, p)
	return printNavigation(env, sf.json, res, err)
}

func printNavigation(env *Env, asJSON bool, res protocol.NavigateResult, err error) error {
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, envelope(res))
	}
	_, err = fmt.Fprintf(env.Stdout, "%s (navigation %d, %s)\n", escapeLine(res.URL), res.NavigationID, res.WaitedFor)
	return err
}

func runScreenshot(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("screenshot", env)
	fullPage := sf.fs.Bool("full-page", false, "the whole page, not only the viewport")
	selector := sf.fs.String("selector", "", "only the first element this CSS selector matches")
	format := sf.fs.String("format", "", "png (default), jpeg or webp; default from FILE's extension")
	quality := sf.fs.Int("quality", 0, "0-100, for jpeg and webp")
	d, pos, err := sf.parse(env, args, 1)
	if err != nil {
		return err
	}
	p := protocol.ScreenshotParams{Format: *format, Quality: *quality, FullPage: *fullPage, Selector: *selector}
	file := ""
	if len(pos) == 1 {
		file = pos[0]
		if p.Format == "" {
			p.Format = formatOf(file)
		}
	}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", strings.NewReplacer(`"fullPage"`, "--full-page", `"selector"`, "--selector", `"clip"`, "a clip", `field "format"`, "--format", `field "quality"`, "--quality").Replace(err.Error()))
	}
	res, err := ask(ctx, env, d, protocol.Screenshot, p)
	if err != nil {
		return err
	}
	if file != "" {
		if err := copyFile(res.Path, file); err != nil {
			return err
		}
		res.Path = file
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	_, err = fmt.Fprintf(env.Stdout, "%s (%dx%d %s, %d bytes)\n", escapeLine(res.Path), res.Width, res.Height, res.Format, res.Size)
	return err
}

// formatOf is the image format a file name's extension says, "" for none.
func formatOf(file string) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".jpg", ".jpeg":
		return protocol.FormatJPEG
	case ".webp":
		return protocol.FormatWebP
	case ".png":
		return protocol.FormatPNG
	}
	return ""
}

// copyFile copies the worker's screenshot to where the user asked (the
// command runs on the worker's machine, as its user).
func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return fmt.Errorf("reading the screenshot: %w", err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return protocol.Errorf(protocol.InvalidArgs, "cannot write %s: %v", to, err).WithHint("give a file in a directory you can write to")
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return fmt.Errorf("writing %s: %w", to, err)
	}
	return out.Close()
}

func runDOM(ctx context.Context, env *Env, args []string) error {
	if len(args) > 0 && args[0] == "snapshot" {
		return runSnapshot(ctx, env, args[1:])
	}
	if len(args) == 0 || args[0] != "query" {
		return usageErrorf("dom takes a subcommand: query or snapshot").WithHint("bdg-rpc dom query '#login input'")
	}
	sf := newSessionFlags("dom query", env)
	all := sf.fs.Bool("all", false, "every element that matches (up to 1,000), not the first")
	html := sf.fs.Bool("html", false, "print each element's outerHTML")
	frame := sf.fs.String("frame", "", "query this frame of the page (a frame id)")
	d, pos, err := sf.parse(env, args[1:], -1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErrorf("dom query takes a CSS selector").WithHint("bdg-rpc dom query '#login input'")
	}
	p := protocol.DOMQueryParams{Selector: strings.Join(pos, " "), All: *all, Frame: *frame}
	res, err := ask(ctx, env, d, protocol.DOMQuery, p)
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	for _, n := range res.Nodes {
		if *html {
			fmt.Fprintln(env.Stdout, escapeBlock(n.OuterHTML))
			continue
		}
		vis := "hidden"
		if n.Visible {
			vis = "visible"
		}
		text := n.Text
		if len(text) > 60 {
			text = text[:57] + "..."
		}
		fmt.Fprintf(env.Stdout, "%-30s %-7s %4.0f,%-4.0f %4.0fx%-4.0f %s\n", escapeLine(nodeName(n)), vis, n.Box.X, n.Box.Y, n.Box.Width, n.Box.Height, escapeLine(strings.Join(strings.Fields(text), " ")))
	}
	if res.Returned < res.Total {
		fmt.Fprintf(env.Stderr, "bdg-rpc: %d of %d elements shown\n", res.Returned, res.Total)
	}
	return nil
}

// nodeName is an element as DevTools names it: tag#id.class.class.
func nodeName(n protocol.DOMNode) string {
	s := n.Tag
	if n.ID != "" {
		s += "#" + n.ID
	}
	for _, c := range n.Classes {
		s += "." + c
	}
	return s
}

func runClick(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("click", env)
	button := sf.fs.String("button", "left", "left, middle or right")
	count := sf.fs.Int("count", 1, "clicks: 2 for a double click")
	ef := newElementFlags(sf)
	d, pos, err := sf.parse(env, args, -1)
	if err != nil {
		return err
	}
	p := protocol.ClickParams{ElementParams: ef.params(strings.Join(pos, " ")), Button: *button, ClickCount: *count}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", flagWords(err)).WithHint("bdg-rpc click '#login button[type=submit]'")
	}
	res, err := ask(ctx, env, d, protocol.Click, p)
	return printInput(env, sf.json, res, err, fmt.Sprintf("clicked %s at %.0f,%.0f", res.Element, res.X, res.Y))
}

func runHover(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("hover", env)
	ef := newElementFlags(sf)
	d, pos, err := sf.parse(env, args, -1)
	if err != nil {
		return err
	}
	p := protocol.HoverParams{ElementParams: ef.params(strings.Join(pos, " "))}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", flagWords(err)).WithHint("bdg-rpc hover 'nav .menu'")
	}
	res, err := ask(ctx, env, d, protocol.Hover, p)
	return printInput(env, sf.json, res, err, fmt.Sprintf("hovering %s at %.0f,%.0f", res.Element, res.X, res.Y))
}

func runFill(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("fill", env)
	ef := newElementFlags(sf)
	d, pos, err := sf.parse(env, args, 2)
	if err != nil {
		return err
	}
	if *ef.uid != 0 {
		pos = append([]string{""}, pos...) // the value is the one argument
	}
	if len(pos) != 2 {
		return usageErrorf("fill takes a selector (or --uid N) and a value").WithHint("bdg-rpc fill '#user' alice")
	}
	p := protocol.FillParams{ElementParams: ef.params(pos[0]), Value: pos[1]}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", flagWords(err))
	}
	res, err := ask(ctx, env, d, protocol.Fill, p)
	return printInput(env, sf.json, res, err, fmt.Sprintf("filled %s: %s", res.Element, quoteShort(res.Value)))
}

func runPress(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("press", env)
	d, pos, err := sf.parse(env, args, 1)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageErrorf("press takes a key, with its modifiers: Enter, Tab, Control+a, Shift+ArrowUp").WithHint("bdg-rpc press Enter")
	}
	p := pressParams(pos[0])
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", flagWords(err)).WithHint("modifiers are Alt, Control, Meta and Shift: Control+Shift+k")
	}
	res, err := ask(ctx, env, d, protocol.Press, p)
	msg := "pressed " + pos[0]
	if res.Element != "" {
		msg += " (the focus is on " + res.Element + ")"
	}
	return printInput(env, sf.json, res, err, msg)
}

// pressParams reads "Control+Shift+a": the last part is the key ("+" alone
// is the plus key), the others its modifiers.
func pressParams(s string) protocol.PressParams {
	parts := strings.Split(s, "+")
	if strings.HasSuffix(s, "++") || s == "+" { // the plus key itself
		parts = append(strings.Split(strings.TrimSuffix(s, "++"), "+"), "+")
		if s == "+" {
			parts = []string{"+"}
		}
	}
	p := protocol.PressParams{Key: parts[len(parts)-1]}
	for _, m := range parts[:len(parts)-1] {
		if m != "" {
			p.Modifiers = append(p.Modifiers, m)
		}
	}
	return p
}

func printInput(env *Env, asJSON bool, res protocol.InputResult, err error, msg string) error {
	if err != nil {
		return err
	}
	if asJSON {
		return printJSON(env, envelope(res))
	}
	_, err = fmt.Fprintln(env.Stdout, escapeLine(msg))
	return err
}

// quoteShort quotes a value, cut to 80 characters.
func quoteShort(s string) string {
	if r := []rune(s); len(r) > 80 {
		s = string(r[:77]) + "..."
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// flagWords says a params error in the command line's words.
func flagWords(err error) string {
	return strings.NewReplacer(`missing required field "selector" (a CSS selector, such as "#login button"), or "uid" (from dom/snapshot)`, "missing the selector (or --uid N)",
		`field "uid"`, "--uid", `"uid"`, "--uid", `"frame"`, "--frame", `field "button"`, "--button",
		`field "clickCount"`, "--count", `field "key"`, "the key", `field "modifiers"`, "a modifier",
		`field "timeout"`, "--timeout", `"selector"`, "--selector", `"text"`, "--text", `"networkIdle"`, "--network-idle",
		`field "visible"`, "--visible", `field "viewport"`, "--viewport", `field "colorScheme"`, "--color-scheme",
		`field "network"`, "--network", `field "cpuThrottling"`, "--cpu-throttling", `"viewport"`, "--viewport",
		`"userAgent"`, "--user-agent", `"colorScheme"`, "--color-scheme", `"network"`, "--network", `"cpuThrottling"`, "--cpu-throttling").Replace(err.Error())
}

func runWait(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("wait", env)
	selector := sf.fs.String("selector", "", "until an element matches this CSS selector")
	visible := sf.fs.Bool("visible", false, "with --selector: until it is visible too")
	text := sf.fs.String("text", "", "until the page's text holds this")
	idle := sf.fs.Bool("network-idle", false, "until no request has been in flight for 500 ms")
	timeout := sf.fs.Float64("timeout", protocol.DefaultNavigateTimeoutMs/1000, "give up after this many seconds")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	if *timeout <= 0 {
		return usageErrorf("--timeout must be more than 0 seconds")
	}
	p := protocol.WaitForParams{Selector: *selector, Visible: *visible, Text: *text, NetworkIdle: *idle, TimeoutMs: int(*timeout * 1000)}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", flagWords(err)).WithHint("bdg-rpc wait --selector '#result' --visible")
	}
	res, err := ask(ctx, env, d, protocol.WaitFor, p)
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	_, err = fmt.Fprintf(env.Stdout, "waited %d ms\n", res.WaitedMs)
	return err
}

func runEmulate(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("emulate", env)
	viewport := sf.fs.String("viewport", "", "WIDTHxHEIGHT[@SCALE][,mobile], or 'none' for the real one")
	ua := sf.fs.String("user-agent", "", "the User-Agent to send ('none': Chrome's own)")
	scheme := sf.fs.String("color-scheme", "", "light, dark, no-preference, or 'none'")
	network := sf.fs.String("network", "", "offline, slow-3g, fast-3g, or none")
	cpu := sf.fs.Float64("cpu-throttling", 0, "a slowdown factor: 4 is four times slower, 1 none")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	p := protocol.EmulateParams{Network: *network}
	sf.fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "user-agent":
			v := *ua
			if v == "none" {
				v = ""
			}
			p.UserAgent = &v
		case "color-scheme":
			v := *scheme
			if v == "none" {
				v = ""
			}
			p.ColorScheme = &v
		case "cpu-throttling":
			p.CPUThrottling = cpu
		}
	})
	if *viewport != "" {
		if p.Viewport, err = parseViewport(*viewport); err != nil {
			return err
		}
	}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", flagWords(err)).WithHint("bdg-rpc emulate --viewport 390x844@3,mobile --network slow-3g")
	}
	res, err := ask(ctx, env, d, protocol.Emulate, p)
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	vp := "real"
	if v := res.Viewport; v != nil {
		vp = fmt.Sprintf("%dx%d@%g", v.Width, v.Height, v.DeviceScaleFactor)
		if v.Mobile {
			vp += ",mobile"
		}
	}
	orNone := func(s string) string {
		if s == "" {
			return "real"
		}
		return s
	}
	_, err = fmt.Fprintf(env.Stdout, "viewport %s, user agent %s, color scheme %s, network %s, CPU %gx\n",
		vp, escapeLine(orNone(res.UserAgent)), orNone(res.ColorScheme), res.Network, res.CPUThrottling)
	return err
}

// parseViewport reads WIDTHxHEIGHT[@SCALE][,mobile], or none.
func parseViewport(s string) (*protocol.Viewport, error) {
	v, err := protocol.ParseViewport(s)
	if err != nil {
		return nil, usageErrorf("--viewport %v", err)
	}
	return &v, nil
}

func runSnapshot(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("dom snapshot", env)
	offset := sf.fs.Int("offset", 0, "the first line to print")
	limit := sf.fs.Int("limit", protocol.DefaultSnapshotLimit, "how many lines")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	p := protocol.SnapshotParams{Offset: *offset, Limit: *limit}
	if err := p.Validate(); err != nil || *limit == 0 {
		return usageErrorf("--offset and --limit must not be negative, and --limit not 0")
	}
	res, err := ask(ctx, env, d, protocol.Snapshot, p)
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	if res.Text != "" {
		fmt.Fprintln(env.Stdout, escapeBlock(res.Text))
	}
	if res.Next > 0 {
		fmt.Fprintf(env.Stderr, "bdg-rpc: lines %d-%d of %d; the next: bdg-rpc dom snapshot --offset %d\n", res.Offset+1, res.Offset+res.Lines, res.Total, res.Next)
	}
	if res.Cut {
		fmt.Fprintf(env.Stderr, "bdg-rpc: the tree has more than %d lines; the rest is left out\n", protocol.MaxSnapshotLines)
	}
	return nil
}

// elementFlags are the flags that name an element: a selector as the
// arguments, or --uid; and --frame.
type elementFlags struct {
	uid   *int64
	frame *string
}

func newElementFlags(sf *sessionFlags) elementFlags {
	return elementFlags{
		uid:   sf.fs.Int64("uid", 0, "the element of this uid of bdg-rpc dom snapshot, instead of a selector"),
		frame: sf.fs.String("frame", "", "the element is in this frame of the page (a frame id)"),
	}
}

func (f elementFlags) params(selector string) protocol.ElementParams {
	return protocol.ElementParams{Selector: selector, UID: *f.uid, Frame: *f.frame}
}
