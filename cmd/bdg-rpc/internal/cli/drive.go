package cli

import (
	"bytes"
	"context"
	"encoding/json"
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
	if len(args) == 0 || args[0] != "query" {
		return usageErrorf("dom takes a subcommand: query").WithHint("bdg-rpc dom query '#login input'")
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
