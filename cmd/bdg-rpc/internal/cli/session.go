package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// sessionFlags are the flags every session command has.
type sessionFlags struct {
	fs   *flag.FlagSet
	name string
	json bool
}

// newSessionFlags returns the flag set of a session command with --session
// and --json registered; the command adds its own flags to fs.
func newSessionFlags(name string, env *Env) *sessionFlags {
	f := &sessionFlags{fs: newFlagSet(name, env)}
	f.fs.StringVar(&f.name, "session", "", "session name (default $BDG_SESSION or \"default\")")
	f.fs.BoolVar(&f.json, "json", false, "print one JSON envelope")
	return f
}

// parse parses args, whose flags may come before or after the positional
// arguments, refuses more than maxArgs of those (-1: any number; the
// command checks), and resolves the session's directory.
func (f *sessionFlags) parse(env *Env, args []string, maxArgs int) (session.Dir, []string, error) {
	pos, err := parseInterspersed(f.fs, args)
	if err != nil {
		return session.Dir{}, nil, err
	}
	if maxArgs >= 0 && len(pos) > maxArgs {
		return session.Dir{}, nil, usageErrorf("%s takes %s, got %q", f.fs.Name(), plural(maxArgs, "argument"), strings.Join(pos, " ")).
			WithHint(fmt.Sprintf("run '%s --help'", f.fs.Name()))
	}
	d, err := f.dir(env)
	return d, pos, err
}

func plural(n int, what string) string {
	switch n {
	case 0:
		return "no " + what + "s"
	case 1:
		return "at most one " + what
	}
	return fmt.Sprintf("at most %d %ss", n, what)
}

// dir resolves the session directory from the flags and the environment.
func (f *sessionFlags) dir(env *Env) (session.Dir, error) {
	name, err := session.NameFrom(f.name, env.Getenv)
	if err != nil {
		return session.Dir{}, usageErrorf("%v", err).WithHint("session names are like default, app, my-app.2")
	}
	home, err := session.Home(env.Getenv)
	if err != nil {
		return session.Dir{}, protocol.Wrap(protocol.SessionFile, err)
	}
	if err := session.CheckHome(home); err != nil {
		return session.Dir{}, err
	}
	d, err := session.NewDir(home, name)
	if err != nil {
		return session.Dir{}, usageErrorf("%v", err)
	}
	return d, nil
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("start URL --headless"), returning the positionals.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func runStart(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("start", env)
	fs := sf.fs
	headless := fs.Bool("headless", false, "run Chrome headless (the default without a display)")
	headed := fs.Bool("headed", false, "show Chrome's window")
	var att protocol.AttachOptions
	fs.StringVar(&att.Attach, "attach", "", "attach to a running Chrome: a port (9222), host:port, http:// or ws:// URL, or a profile directory or its DevToolsActivePort file")
	fs.BoolVar(&att.AutoConnect, "auto-connect", false, "attach to the running Chrome found by its DevToolsActivePort in the usual profile directories")
	fs.StringVar(&att.Tab, "tab", "", "with --attach: the tab, by target id, index from 0, or URL/title substring or glob (bdg-rpc tabs lists them)")
	fs.BoolVar(&att.NewTab, "new-tab", false, "with --attach: open a tab for the session (at URL, if given)")
	fs.BoolVar(&att.Reload, "reload", false, "with --attach: reload the tab once capture is on, to capture its load")
	browserURL := fs.String("browser-url", "", "an alias of --attach, e.g. http://127.0.0.1:9222")
	wsURL := fs.String("ws-url", "", "an alias of --attach for a DevTools websocket URL")
	chrome := fs.String("chrome", "", "Chrome binary (default $BDG_CHROME, else chromium or google-chrome on PATH)")
	maxBody := fs.Float64("max-body-size", 5, "largest response body kept, in MB")
	all := fs.Bool("all", false, "keep requests to analytics and tracking hosts too")
	timeout := fs.Int("timeout", 0, "end the session after this many seconds (0: never)")
	userDataDir := fs.String("user-data-dir", "", "Chrome profile directory (default: a fresh temporary one)")
	noRedact := fs.Bool("no-redact", false, "keep credentials (Authorization, Cookie, token parameters) in session.json")
	var limits protocol.Limits
	limited := false
	fs.Func("limit", "override a bound, NAME=SIZE, e.g. url=16KiB or requests=50000; repeatable (see \"Bounds and drops\" in docs/PROTOCOL.md)", func(v string) error {
		name, size, ok := strings.Cut(v, "=")
		if !ok {
			return fmt.Errorf("%q: give NAME=SIZE, e.g. url=16KiB", v)
		}
		limited = true
		return limits.Set(strings.TrimSpace(name), size)
	})
	for _, l := range []struct{ flag, limit, help string }{
		{"max-console", "console", "console messages kept (default 1000000: the newest 10000 in memory, the others on disk); the older are dropped, counted"},
		{"max-requests", "requests", "requests kept (default 200000: the newest 1000 settled in memory, the others on disk); the older are dropped, counted"},
		{"max-body-bytes-total", "bodyBudget", "bytes of bodies kept in all, e.g. 512MiB (default 256MiB)"},
	} {
		fs.Func(l.flag, l.help, func(v string) error {
			limited = true
			return limits.Set(l.limit, v)
		})
	}
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		return usageErrorf("start takes one URL, got %d arguments", len(pos)).WithHint("quote a URL with spaces or & in it")
	}
	url := ""
	if len(pos) == 1 {
		url = pos[0]
	}
	if (att.Tab != "" || att.NewTab || att.Reload) && !att.Attaching(*browserURL, *wsURL) {
		return usageErrorf("--tab, --new-tab and --reload need a running Chrome").WithHint("bdg-rpc start --attach 9222 --tab SELECTOR (bdg-rpc tabs 9222 lists them), or --auto-connect")
	}
	if url == "" && !att.Attaching(*browserURL, *wsURL) {
		return usageErrorf("start needs a URL").WithHint("bdg-rpc start http://localhost:3000/, or attach to your Chrome: bdg-rpc start --attach 9222")
	}
	if *headless && *headed {
		return usageErrorf("--headless and --headed contradict each other")
	}
	d, err := sf.dir(env)
	if err != nil {
		return err
	}
	opts := session.Options{
		Session: d.Name, Home: d.Home, URL: url, BrowserURL: *browserURL, WSURL: *wsURL, AttachOptions: att,
		ChromePath: *chrome, UserDataDir: *userDataDir, MaxBodyBytes: int(*maxBody * (1 << 20)),
		IncludeAll: *all, NoRedact: *noRedact, TimeoutSeconds: *timeout,
	}
	if *maxBody < 0 || *timeout < 0 {
		return usageErrorf("--max-body-size and --timeout must not be negative")
	}
	if *maxBody == 0 {
		opts.MaxBodyBytes = -1
	}
	if limited {
		opts.Limits = &limits
	}
	if *headless || *headed {
		h := *headless
		opts.Headless = &h
	}
	started := time.Now()
	spin := startSpinner(env, "starting session "+d.Name)
	w, err := control.Launcher{Progress: spin.Set}.Start(ctx, opts)
	spin.Stop()
	if err != nil {
		return err
	}
	hs := w.Handshake
	if sf.json {
		return printJSON(env, envelope(hs))
	}
	fmt.Fprintf(env.Stdout, "Session %q started (worker pid %d) in %s\n", d.Name, hs.PID, time.Since(started).Round(time.Millisecond))
	fmt.Fprintf(env.Stdout, "Target:  %s\n", escapeLine(hs.Target.URL))
	chromeLine := escapeLine(hs.Chrome.Version)
	if hs.Chrome.PID != 0 {
		chromeLine += fmt.Sprintf(" (pid %d)", hs.Chrome.PID)
	}
	fmt.Fprintf(env.Stdout, "Chrome:  %s\n", chromeLine)
	if a := hs.Attach; a != nil {
		fmt.Fprintf(env.Stdout, "Browser: %s (via %s)\n", escapeLine(a.Endpoint), escapeLine(a.Via))
		fmt.Fprintf(env.Stdout, "Tab:     %s of %d (%s)\n", hs.Target.ID, a.Tabs, pickedText(a.Picked))
		switch a.CaptureFrom {
		case protocol.CaptureFromAttach:
			fmt.Fprintln(env.Stdout, "Capture starts now: the tab's earlier requests are not in this session, only the console messages Chrome kept (--reload captures a fresh load).")
		case protocol.CaptureFromReload:
			fmt.Fprintln(env.Stdout, "Capture: from the reload of the tab.")
		}
	}
	fmt.Fprintf(env.Stdout, "Socket:  %s\n", escapeLine(hs.SocketPath))
	fmt.Fprintf(env.Stdout, "Use 'bdg-rpc status' to watch it and 'bdg-rpc stop' to end it.\n")
	return nil
}

func runStatus(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("status", env)
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	st, err := control.Status(ctx, d)
	if err != nil {
		return err
	}
	if st.Stale.Stale {
		warnStale(env, st.Stale)
	}
	if sf.json {
		return printJSON(env, envelope(st))
	}
	printStatus(env.Stdout, st)
	return nil
}

// printStatus prints a session's status; the page's URL and title, and
// whatever else a worker or a session file says, are escaped.
func printStatus(w io.Writer, st protocol.StatusResult) {
	fmt.Fprintf(w, "Session:  %s (%s)\n", escapeLine(st.Session), escapeLine(st.State))
	if st.PID != 0 {
		fmt.Fprintf(w, "Worker:   pid %d, up %s\n", st.PID, (time.Duration(st.UptimeMs) * time.Millisecond).Round(time.Second))
	}
	if st.Target.URL != "" {
		title := ""
		if st.Target.Title != "" {
			title = fmt.Sprintf(" (%s)", escapeLine(st.Target.Title))
		}
		fmt.Fprintf(w, "Target:   %s%s\n", escapeLine(st.Target.URL), title)
	}
	if st.Chrome.Version != "" {
		fmt.Fprintf(w, "Chrome:   %s", escapeLine(st.Chrome.Version))
		if st.Chrome.PID != 0 {
			fmt.Fprintf(w, " (pid %d)", st.Chrome.PID)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "Captured: %d requests, %d console messages (last seq %d)\n", st.Counts.Network, st.Counts.Console, st.LastSeq)
	if line := targetCounts(st.Targets, st.TargetsEnded); line != "" {
		fmt.Fprintf(w, "Targets:  %s\n", line)
	}
	if line := droppedLine(st.Dropped); line != "" {
		fmt.Fprintf(w, "Dropped:  %s\n", line)
	}
	if j := st.Journal; j != nil && (j.Lost > 0 || j.Error != "") {
		fmt.Fprintf(w, "Journal:  %d events not on disk", j.Lost)
		if j.Error != "" {
			fmt.Fprintf(w, " (%s; free disk space)", escapeLine(j.Error))
		}
		fmt.Fprintln(w)
	}
	if st.OutputPath != "" {
		fmt.Fprintf(w, "Output:   %s\n", escapeLine(st.OutputPath))
	}
}

// droppedLine says what a session dropped, or "" when nothing: requests,
// console messages and bodies, the tracking requests filtered, and, when
// any, the WebSocket frames and EventSource messages let go of and the
// targets not followed.
func droppedLine(d protocol.Counts) string {
	var parts []string
	if d.Network+d.Console+d.Bodies+d.Filtered > 0 {
		parts = append(parts, fmt.Sprintf("%d requests, %d console messages, %d bodies; %d tracking requests filtered", d.Network, d.Console, d.Bodies, d.Filtered))
	}
	if d.Frames > 0 {
		parts = append(parts, fmt.Sprintf("%d WebSocket frames or EventSource messages", d.Frames))
	}
	if d.Targets > 0 {
		parts = append(parts, fmt.Sprintf("%d targets not followed (too many at once)", d.Targets))
	}
	return strings.Join(parts, "; ")
}

// targetCounts renders the targets a session follows, by type, and those
// that went: "page 1, iframe 1, worker 2; ended: popup 1". It is "" when
// the session follows the page alone, and when the counts are not known.
func targetCounts(live, ended map[string]int) string {
	more := false
	for k, n := range live {
		more = more || (n > 0 && k != protocol.TargetPage) || (k == protocol.TargetPage && n > 1)
	}
	for _, n := range ended {
		more = more || n > 0
	}
	if !more {
		return ""
	}
	render := func(counts map[string]int) string {
		kinds := slices.Clone(protocol.TargetTypes)
		var others []string
		for k := range counts {
			if !slices.Contains(kinds, k) {
				others = append(others, k)
			}
		}
		sort.Strings(others)
		var parts []string
		for _, k := range append(kinds, others...) {
			if n := counts[k]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s %d", escapeLine(k), n))
			}
		}
		return strings.Join(parts, ", ")
	}
	now, gone := render(live), render(ended)
	if now == "" {
		now = "none"
	}
	if gone != "" {
		now += "; ended: " + gone
	}
	return now
}

func runStop(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("stop", env)
	closeTab := sf.fs.Bool("close-tab", false, "close the tab of a session attached to a running Chrome (by default it is left open)")
	d, _, err := sf.parse(env, args, 0)
	if err != nil {
		return err
	}
	res, err := control.StopWith(ctx, d, protocol.StopParams{CloseTab: *closeTab})
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	fmt.Fprintf(env.Stdout, "Session %q stopped after %s: %d requests, %d console messages.\n", res.Session,
		(time.Duration(res.DurationMs) * time.Millisecond).Round(time.Millisecond), res.Counts.Network, res.Counts.Console)
	if d := res.Dropped; d.Network+d.Console > 0 {
		fmt.Fprintf(env.Stdout, "Dropped at the store limits: %d requests, %d console messages.\n", d.Network, d.Console)
	}
	if res.OutputPath == "" {
		fmt.Fprintln(env.Stdout, "Output: none (the session ended before it had captured anything to keep)")
		return nil
	}
	fmt.Fprintf(env.Stdout, "Output: %s\n", escapeLine(res.OutputPath))
	return nil
}

// warnStale says on stderr that data comes from a file, and how old it is.
func warnStale(env *Env, s protocol.Stale) {
	age := (time.Duration(s.DataAgeMs) * time.Millisecond).Round(time.Second)
	why := "the session's worker is not running"
	if s.Reason != "" {
		why = s.Reason
	}
	fmt.Fprintf(env.Stderr, "bdg-rpc: warning: %s; showing %s, written %s ago\n", escapeLine(why), escapeLine(s.Source), age)
}

// pickedText says why a session took its tab.
func pickedText(picked string) string {
	switch picked {
	case browser.PickedID:
		return "by its id"
	case browser.PickedIndex:
		return "by its index"
	case browser.PickedMatch:
		return "the one that matches --tab"
	case browser.PickedActive:
		return "the active tab; --tab picks another"
	case browser.PickedFirst:
		return "the first: Chrome did not tell which is active; --tab picks another"
	case browser.PickedNew:
		return "opened for the session"
	case browser.PickedPage:
		return "the page endpoint's"
	}
	return picked
}
