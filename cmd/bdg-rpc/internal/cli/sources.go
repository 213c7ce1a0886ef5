package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session"
	"github.com/bdg-rpc/bdg-rpc/session/sourcemap"
)

// Source maps in the command line (issue 17): the places a command prints
// (a message's, its stack's frames, a request's initiator) are resolved
// through source/resolve in one call, and printed as the original source's
// place, as a workspace file where one matches (--web-root).

// mapFlags are the flags of a command that prints places in scripts.
type mapFlags struct {
	webRoot *string
	off     *bool
}

func addMapFlags(fs *flag.FlagSet) mapFlags {
	return mapFlags{
		webRoot: fs.String("web-root", ".", "the directory a dev server serves (its URLs' paths, and webpack:/// sources, are files under it)"),
		off:     fs.Bool("no-source-maps", false, "print places as the scripts have them, not the original sources'"),
	}
}

// sourceResolver resolves places once each, best effort: a session that
// cannot (its worker is gone, or is of an older version) leaves them as
// they are.
type sourceResolver struct {
	env     *Env
	d       session.Dir
	webRoot string
	cwd     string
	off     bool
	got     map[protocol.SourceRef]*protocol.OriginalLocation
}

func (f mapFlags) resolver(env *Env, d session.Dir) *sourceResolver {
	root, err := filepath.Abs(*f.webRoot)
	if err != nil {
		root = *f.webRoot
	}
	cwd, _ := os.Getwd()
	return &sourceResolver{env: env, d: d, webRoot: root, cwd: cwd, off: *f.off, got: map[protocol.SourceRef]*protocol.OriginalLocation{}}
}

// resolve asks for the places not asked yet, a call per
// MaxResolveLocations of them.
func (r *sourceResolver) resolve(ctx context.Context, refs []protocol.SourceRef) {
	if r.off {
		return
	}
	var todo []protocol.SourceRef
	for _, ref := range refs {
		if _, ok := r.got[ref]; !ok && ref.URL != "" && ref.Line > 0 {
			r.got[ref] = nil
			todo = append(todo, ref)
		}
	}
	for len(todo) > 0 {
		n := min(len(todo), protocol.MaxResolveLocations)
		quiet := true // a stale note was given by the listing
		res, err := askQuiet(ctx, r.env, r.d, protocol.SourceResolve, protocol.SourceResolveParams{Locations: todo[:n]}, &quiet)
		if err != nil || len(res.Results) != n {
			r.off = true // no worker, or one that cannot: the places stay as they are
			return
		}
		for i, ref := range todo[:n] {
			r.got[ref] = res.Results[i].Original
		}
		todo = todo[n:]
	}
}

// original is a place's original location, nil when it has none.
func (r *sourceResolver) original(ref protocol.SourceRef) *protocol.OriginalLocation {
	if r == nil || r.off {
		return nil
	}
	return r.got[ref]
}

// show renders an original location: the workspace file's path (relative
// to the working directory when under it) where one matches, else the
// source as the map names it; then line and column.
func (r *sourceResolver) show(o *protocol.OriginalLocation) string {
	where := o.Source
	if p, ok := sourcemap.LocalPath(o.Source, r.webRoot, isFile); ok {
		where = p
		if rel, err := filepath.Rel(r.cwd, p); err == nil && !strings.HasPrefix(rel, "..") {
			where = rel
		}
	}
	return fmt.Sprintf("%s:%d:%d", where, o.Line, o.Column)
}

// placeOf is the place a line prints for an original location: "" for
// none (the script's own place is printed).
func (r *sourceResolver) placeOf(o *protocol.OriginalLocation) string {
	if o == nil {
		return ""
	}
	return r.show(o)
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// mapStack returns the stack with each frame that maps at its original
// place, "" when none maps.
func (r *sourceResolver) mapStack(stack string, show func(*protocol.OriginalLocation) string) string {
	return sourcemap.MapStack(stack, func(ref protocol.SourceRef) string {
		if o := r.original(ref); o != nil {
			return show(o)
		}
		return ""
	})
}

// messageRef is the place of a console message.
func messageRef(m *protocol.ConsoleMessage) protocol.SourceRef {
	return protocol.SourceRef{URL: m.URL, Line: m.Line, Column: m.Column}
}

// mappedMessage is a console message as bdg-rpc console --json prints it:
// with its original place, and its stack at the original places, where
// the scripts have maps.
type mappedMessage struct {
	protocol.ConsoleMessage
	Original      *protocol.OriginalLocation `json:"original,omitempty"`
	OriginalStack string                     `json:"originalStack,omitempty"`
}

// mappedConsoleList is console --json's result.
type mappedConsoleList struct {
	Items []mappedMessage `json:"items"`
	protocol.ListPage
	protocol.Stale
}

// mapMessages resolves the places of the messages and of their stacks.
func (r *sourceResolver) mapMessages(ctx context.Context, msgs []protocol.ConsoleMessage) []mappedMessage {
	var refs []protocol.SourceRef
	for i := range msgs {
		refs = append(refs, messageRef(&msgs[i]))
		refs = append(refs, sourcemap.StackPlaces(msgs[i].Stack)...)
	}
	r.resolve(ctx, refs)
	out := make([]mappedMessage, len(msgs))
	for i := range msgs {
		m := &msgs[i]
		out[i] = mappedMessage{ConsoleMessage: *m, Original: r.original(messageRef(m))}
		if m.Stack != "" {
			out[i].OriginalStack = r.mapStack(m.Stack, func(o *protocol.OriginalLocation) string {
				return fmt.Sprintf("%s:%d:%d", o.Source, o.Line, o.Column)
			})
		}
	}
	return out
}

// runSource prints the original place of URL:LINE[:COLUMN] places.
func runSource(ctx context.Context, env *Env, args []string) error {
	sf := newSessionFlags("source", env)
	mf := addMapFlags(sf.fs)
	d, pos, err := sf.parse(env, args, -1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageErrorf("source takes places: URL:LINE[:COLUMN] ...").
			WithHint("as a console message or a stack frame gives them: bdg-rpc source http://localhost:5173/assets/app.js:1:3829")
	}
	p := protocol.SourceResolveParams{}
	for _, a := range pos {
		ref, err := parsePlace(a)
		if err != nil {
			return err
		}
		p.Locations = append(p.Locations, ref)
	}
	if err := p.Validate(); err != nil {
		return usageErrorf("%v", err)
	}
	res, err := ask(ctx, env, d, protocol.SourceResolve, p)
	if err != nil {
		return err
	}
	if sf.json {
		return printJSON(env, envelope(res))
	}
	r := mf.resolver(env, d)
	failed := false
	for i, s := range res.Results {
		switch {
		case s.Original != nil:
			name := ""
			if s.Original.Name != "" {
				name = "  " + escapeLine(s.Original.Name)
			}
			fmt.Fprintf(env.Stdout, "%s%s\n", escapeLine(r.show(s.Original)), name)
		default:
			failed = true
			fmt.Fprintf(env.Stdout, "%s  (%s)\n", escapeLine(pos[i]), escapeLine(s.Reason))
		}
	}
	if failed {
		return protocol.Errorf(protocol.NotFound, "no original place for some of the places").
			WithHint("each line says why: a script without a source map, or a map that could not be read")
	}
	return nil
}

// parsePlace reads URL:LINE[:COLUMN]; the URL has colons of its own.
func parsePlace(s string) (protocol.SourceRef, error) {
	bad := usageErrorf("%q is not a place: give URL:LINE[:COLUMN] (1-based)", s)
	head, last, ok := cutLast(s)
	if !ok {
		return protocol.SourceRef{}, bad
	}
	n, err := strconv.Atoi(last)
	if err != nil || n < 1 {
		return protocol.SourceRef{}, bad
	}
	if url, l, ok := cutLast(head); ok {
		if line, err := strconv.Atoi(l); err == nil && line >= 1 && strings.Contains(url, ":") {
			return protocol.SourceRef{URL: url, Line: line, Column: n}, nil
		}
	}
	return protocol.SourceRef{URL: head, Line: n}, nil
}

func cutLast(s string) (string, string, bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}
