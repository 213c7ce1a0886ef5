// Package drive inspects and drives a session's page over CDP: it
// evaluates JavaScript and renders the value as the DevTools console does,
// and it navigates, reloads and goes through the history, waiting for the
// load a caller asks for. The worker serves its methods (page/evaluate,
// page/navigate, ...); what the page does meanwhile is captured as always.
package drive

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
	"github.com/bdg-rpc/bdg-rpc/session/sourcemap"
)

// Config is what drive needs of the worker: the session's page and the
// capture's knowledge of it.
type Config struct {
	// Conn is the connection to Chrome; Main the page's session on it,
	// whose target id is MainFrame (a page's main frame has its id).
	Conn      *browser.Conn
	Main      *browser.Session
	MainFrame string
	// Target returns the session of a target of the page's tree.
	Target func(id string) (*browser.Session, bool)
	// FrameContext returns the session and id of a frame's main world.
	FrameContext func(frameID string) (session string, id int64, ok bool)
	// Navigation returns the page's current navigation.
	Navigation func() protocol.Navigation
}

// Page is the session's page, as the drive methods act on it. Its methods
// are safe for concurrent use.
type Page struct {
	Config

	maps *sourcemap.Cache // the source maps of the page's scripts, by script URL

	mu        sync.Mutex
	lifecycle bool                   // Page.setLifecycleEventsEnabled sent
	emulated  protocol.EmulateResult // what page/emulate put in effect
}

// New returns the Page of a session.
func New(c Config) *Page {
	return &Page{Config: c, maps: sourcemap.NewCache(MapCacheBytes), emulated: protocol.EmulateResult{Network: protocol.NetworkNone, CPUThrottling: 1}}
}

// objectGroup holds the objects one evaluate makes; it releases them all
// at once when it is done.
const objectGroup = "bdg-rpc-evaluate"

// Evaluate runs p.Expression and returns its value, or what it threw.
func (pg *Page) Evaluate(ctx context.Context, p protocol.EvaluateParams) (protocol.EvaluateResult, error) {
	sess := pg.Main
	params := map[string]any{
		"expression": p.Expression, "awaitPromise": p.AwaitPromise, "generatePreview": true,
		"objectGroup": objectGroup, "replMode": true, "userGesture": true,
	}
	switch {
	case p.Target != "":
		s, ok := pg.Target(p.Target)
		if !ok {
			return protocol.EvaluateResult{}, protocol.Errorf(protocol.NotFound, "no target %q in the page's tree", p.Target).
				WithHint("bdg-rpc status lists the targets; the TARGET column of network list and console shows them")
		}
		sess = s
	case p.Frame != "":
		s, err := pg.frameSession(p.Frame, params)
		if err != nil {
			return protocol.EvaluateResult{}, err
		}
		sess = s
	}
	// By value is a second step (byValue): asked of Runtime.evaluate, a
	// value that has no JSON would fail the call, exception and all.
	byValue := p.ReturnByValue
	var res struct {
		Result           remoteObject      `json:"result"`
		ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
	}
	if err := evaluate(ctx, sess, params, &res); err != nil {
		return protocol.EvaluateResult{}, err
	}
	if res.Result.ObjectID != "" || res.ExceptionDetails != nil {
		// A primitive holds nothing in the page: no round trip for it.
		defer pg.release(sess)
	}
	// In REPL mode a promise the expression gives is the value; awaiting
	// it is a step of its own.
	if res.ExceptionDetails == nil && p.AwaitPromise && res.Result.Subtype == "promise" && res.Result.ObjectID != "" {
		id := res.Result.ObjectID
		res.Result = remoteObject{}
		if err := call(ctx, sess, "Runtime.awaitPromise", map[string]any{
			"promiseObjectId": id, "generatePreview": true,
		}, &res); err != nil {
			return protocol.EvaluateResult{}, err
		}
	}
	if res.ExceptionDetails != nil {
		return protocol.EvaluateResult{Type: res.Result.Type, Subtype: res.Result.Subtype, Text: text(&res.Result), Exception: res.ExceptionDetails.exception()}, nil
	}
	o := &res.Result
	out := protocol.EvaluateResult{Type: o.Type, Subtype: o.Subtype, ClassName: o.ClassName, Text: text(o)}
	switch {
	case o.Type == "undefined":
	case o.ObjectID == "" && o.Value != nil:
		out.Value = o.Value
	case o.ObjectID == "":
		// NaN, Infinity, -0, 10n: no JSON for them.
		out.ValueOmitted = "not serializable"
	case byValue != nil && !*byValue:
		out.ValueOmitted = "not asked"
	case o.Type != "object" || (o.Subtype != "" && o.Subtype != "array"):
		// A function, a symbol, a node, an error, a promise, a map, a
		// date...: their JSON would say nothing ({}) or the wrong thing.
		out.ValueOmitted = "not serializable"
	default:
		v, err := pg.byValue(ctx, sess, o.ObjectID)
		switch {
		case err != nil && byValue != nil && *byValue:
			return protocol.EvaluateResult{}, err
		case err != nil:
			out.ValueOmitted = "not serializable"
		case len(v) > protocol.MaxEvaluateValue:
			out.ValueOmitted = "too large"
		default:
			out.Value = v
		}
	}
	if len(out.Value) > protocol.MaxEvaluateValue {
		out.Value, out.ValueOmitted = nil, "too large"
	}
	return out, nil
}

// navigatingErrors are what Chrome answers an evaluate in a document that
// is going away: the page is navigating, and the next document will do.
var navigatingErrors = []string{"Execution context was destroyed", "Cannot find default execution context", "Inspected target navigated or closed"}

// retryEvery is how often an evaluate that met a navigation tries again.
const retryEvery = 50 * time.Millisecond

// evaluate calls Runtime.evaluate; while the page is between two documents
// it tries again until ctx ends (cdp_timeout then).
func evaluate(ctx context.Context, sess *browser.Session, params map[string]any, res any) error {
	for {
		err := call(ctx, sess, "Runtime.evaluate", params, res)
		if err == nil || !slices.ContainsFunc(navigatingErrors, func(s string) bool { return strings.Contains(err.Error(), s) }) {
			return err
		}
		select {
		case <-time.After(retryEvery):
		case <-ctx.Done():
			return protocol.Errorf(protocol.CDPTimeout, "the page was still navigating when the time was up: %v", err).WithCause(err).
				WithHint("bdg-rpc status says where the page is; try again once it has loaded")
		}
	}
}

// byValue asks for an object as JSON: an error for a cyclic object, or one
// with a value JSON has no room for.
func (pg *Page) byValue(ctx context.Context, sess *browser.Session, objectID string) (json.RawMessage, error) {
	var res struct {
		Result           remoteObject      `json:"result"`
		ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
	}
	err := call(ctx, sess, "Runtime.callFunctionOn", map[string]any{
		"objectId": objectID, "functionDeclaration": "function() { return this; }", "returnByValue": true, "objectGroup": objectGroup,
	}, &res)
	if err != nil {
		return nil, protocol.Errorf(protocol.InvalidArgs, "the value cannot be returned as JSON: %s", strings.TrimPrefix(err.Error(), "Runtime.callFunctionOn: ")).
			WithHint("leave returnByValue out to get a preview of it")
	}
	if res.ExceptionDetails != nil {
		return nil, protocol.Errorf(protocol.InvalidArgs, "the value cannot be returned as JSON: %s", res.ExceptionDetails.exception().Text)
	}
	return res.Result.Value, nil
}

// release lets go of the objects an evaluate made.
func (pg *Page) release(sess *browser.Session) {
	ctx, cancel := context.WithTimeout(context.Background(), releaseTimeout)
	defer cancel()
	_ = sess.Call(ctx, "Runtime.releaseObjectGroup", map[string]string{"objectGroup": objectGroup}, nil)
}

type exceptionDetails struct {
	Text         string        `json:"text"`
	LineNumber   int           `json:"lineNumber"`
	ColumnNumber int           `json:"columnNumber"`
	URL          string        `json:"url"`
	Exception    *remoteObject `json:"exception"`
	StackTrace   *struct {
		CallFrames []struct {
			FunctionName string `json:"functionName"`
			URL          string `json:"url"`
			LineNumber   int    `json:"lineNumber"`
			ColumnNumber int    `json:"columnNumber"`
		} `json:"callFrames"`
	} `json:"stackTrace"`
}

// exception is what the page threw, as DevTools shows it: "Uncaught
// Error: boom" and the stack under it.
func (d *exceptionDetails) exception() *protocol.Exception {
	e := &protocol.Exception{Text: d.Text, URL: d.URL, Line: d.LineNumber + 1, Column: d.ColumnNumber + 1}
	if d.StackTrace != nil && len(d.StackTrace.CallFrames) > 0 {
		// Where it was thrown, 0-based as CDP has it everywhere but in the
		// details of a REPL-mode evaluate, which are off by one.
		f := d.StackTrace.CallFrames[0]
		e.URL, e.Line, e.Column = f.URL, f.LineNumber+1, f.ColumnNumber+1
	}
	if o := d.Exception; o != nil {
		desc := o.Description
		if o.Subtype != "error" || desc == "" {
			desc = render(o) // a thrown value that is not an Error: Uncaught 42
		}
		first, rest, _ := strings.Cut(desc, "\n")
		e.Text = d.Text // "Uncaught", or already "Uncaught (in promise) Error: nope"
		if !strings.HasSuffix(d.Text, first) {
			e.Text += " " + first
		}
		e.Text, e.Stack = cut(e.Text), cut(rest)
	}
	if e.Stack == "" && d.StackTrace != nil {
		var b strings.Builder
		for _, f := range d.StackTrace.CallFrames {
			name := f.FunctionName
			if name == "" {
				name = "<anonymous>"
			}
			fmt.Fprintf(&b, "    at %s (%s:%d:%d)\n", name, f.URL, f.LineNumber+1, f.ColumnNumber+1)
		}
		e.Stack = cut(strings.TrimSuffix(b.String(), "\n"))
	}
	return e
}

// call sends a CDP command and turns its failure into a bdg-rpc error.
func call(ctx context.Context, sess *browser.Session, method string, params, result any) error {
	err := sess.Call(ctx, method, params, result)
	return cdpError(method, err)
}

// cdpError turns a failed CDP call into a bdg-rpc error: cdp_timeout when
// Chrome did not answer in time, cdp_error with Chrome's message else.
func cdpError(method string, err error) error {
	var cerr *browser.CDPError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded):
		return protocol.Errorf(protocol.CDPTimeout, "%s: no answer from Chrome in time", method).WithCause(err)
	case errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &cerr):
		return protocol.Errorf(protocol.CDPError, "%s", cerr.Error()).WithCause(err)
	}
	return protocol.Errorf(protocol.CDPError, "%s: %v", method, err).WithCause(err)
}
