package cli

import (
	"context"
	"fmt"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/control"
)

// runTabs lists the tabs of a running Chrome: what start --attach E --tab
// takes.
func runTabs(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet("tabs", env)
	asJSON := fs.Bool("json", false, "print one JSON envelope")
	auto := fs.Bool("auto-connect", false, "find the running Chrome by its DevToolsActivePort in the usual profile directories")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	p := protocol.TabsParams{AutoConnect: *auto}
	switch {
	case len(pos) > 1:
		return usageErrorf("tabs takes one ENDPOINT, got %d arguments", len(pos)).WithHint("bdg-rpc tabs 9222")
	case len(pos) == 1 && *auto:
		return usageErrorf("give an ENDPOINT or --auto-connect, not both")
	case len(pos) == 1:
		p.Endpoint = pos[0]
	case !*auto:
		return usageErrorf("tabs needs the browser: an ENDPOINT or --auto-connect").
			WithHint("bdg-rpc tabs 9222 (a Chrome started with --remote-debugging-port=9222), or bdg-rpc tabs --auto-connect")
	}
	home, err := session.Home(env.Getenv)
	if err != nil {
		return protocol.Wrap(protocol.SessionFile, err)
	}
	res, err := control.Tabs(ctx, home, p, env.Getenv)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(env, envelope(res))
	}
	f := newFormatter(env)
	fmt.Fprintf(env.Stdout, "%s via %s", escapeLine(res.Endpoint), escapeLine(res.Via))
	if res.Version != "" {
		fmt.Fprintf(env.Stdout, ": %s", escapeLine(res.Version))
	}
	fmt.Fprintln(env.Stdout)
	if len(res.Tabs) == 0 {
		fmt.Fprintln(env.Stdout, "No tabs. bdg-rpc start --attach ENDPOINT --new-tab URL opens one.")
		return nil
	}
	fmt.Fprintln(env.Stdout, f.paint(gray, fmt.Sprintf("%3s  %-32s  %-16s  %s", "#", "ID", "WATCHED BY", "TITLE / URL")))
	for _, t := range res.Tabs {
		by := t.Session
		if by == "" && t.Attached {
			by = "(a DevTools client)"
		}
		fmt.Fprintf(env.Stdout, "%3d  %-32s  %-16s  %s\n", t.Index, escapeLine(t.ID), escapeLine(by), escapeLine(t.Title))
		fmt.Fprintf(env.Stdout, "%3s  %-32s  %-16s  %s\n", "", "", "", f.paint(gray, escapeLine(t.URL)))
	}
	return nil
}
