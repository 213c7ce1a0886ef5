package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
)

// Inspecting and driving the page (issue 16): page/evaluate and the
// navigation methods. Each is answered by the session's worker and routed
// by the backend like the queries.

// EvaluateParams are the params of page/evaluate: a JavaScript expression
// to run in the session's page, in one of its frames, or in another target
// of the page (an out-of-process iframe, a worker: its id as target/list
// and the TARGET column show it).
type EvaluateParams struct {
	Session    string `json:"session,omitempty"`
	Expression string `json:"expression"`
	// AwaitPromise waits for a promise the expression gives and returns
	// what it settles to (top-level await works either way).
	AwaitPromise bool `json:"awaitPromise,omitempty"`
	// ReturnByValue: absent, the value comes back as JSON when it can (not
	// a DOM node, a function, a cyclic object) and a preview otherwise;
	// false, only the preview; true, JSON or an error.
	ReturnByValue *bool `json:"returnByValue,omitempty"`
	// Frame is a frame id of the page (its main context); Target a target
	// id of the page's tree. At most one of them.
	Frame  string `json:"frame,omitempty"`
	Target string `json:"target,omitempty"`
}

// SessionName implements SessionNamer.
func (p EvaluateParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p EvaluateParams) Validate() error {
	if p.Expression == "" {
		return errors.New(`missing required field "expression" (JavaScript, such as "document.title")`)
	}
	if p.Frame != "" && p.Target != "" {
		return errors.New(`give "frame" or "target", not both`)
	}
	return nil
}

// EvaluateResult is what page/evaluate answers: the value, or the
// exception the expression threw (a result, not an error: the call did
// what it was asked).
type EvaluateResult struct {
	// Type is JavaScript's: string, number, boolean, undefined, bigint,
	// symbol, function or object; Subtype refines an object: null, array,
	// node, error, promise, map, set, date, regexp, ...
	Type      string `json:"type"`
	Subtype   string `json:"subtype,omitempty"`
	ClassName string `json:"className,omitempty"`
	// Value is the value as JSON, when it could be returned by value (and
	// is at most MaxEvaluateValue bytes); absent for undefined.
	Value json.RawMessage `json:"value,omitempty"`
	// Text is the value on one line as the DevTools console shows it:
	// 42, "text", (3) [1, 2, 3], {a: 1, b: Array(3)}, div#main.box.
	Text string `json:"text"`
	// ValueOmitted says why an object has no Value: "not serializable"
	// (a node, a function, a cyclic object), "too large", or "not asked"
	// (returnByValue: false).
	ValueOmitted string     `json:"valueOmitted,omitempty"`
	Exception    *Exception `json:"exception,omitempty"`
}

// MaxEvaluateValue bounds the JSON of an evaluated value (1 MiB); a larger
// one is answered with its preview only.
const MaxEvaluateValue = 1 << 20

// Exception is what an expression threw.
type Exception struct {
	// Text is DevTools' first line: "Uncaught Error: boom", "Uncaught 42".
	Text string `json:"text"`
	// Stack is the stack, one frame a line ("    at f (URL:1:2)"), when
	// there is one.
	Stack  string `json:"stack,omitempty"`
	URL    string `json:"url,omitempty"`
	Line   int    `json:"line,omitempty"`   // 1-based
	Column int    `json:"column,omitempty"` // 1-based
}

// What a navigation waits for (waitUntil).
const (
	WaitCommit           = "commit"           // the new document is committed
	WaitDOMContentLoaded = "domcontentloaded" // DOMContentLoaded
	WaitLoad             = "load"             // the load event (the default)
	WaitNetworkIdle      = "networkidle"      // no request for 500 ms after load
)

// WaitUntils are the values of waitUntil.
var WaitUntils = []string{WaitCommit, WaitDOMContentLoaded, WaitLoad, WaitNetworkIdle}

// DefaultNavigateTimeoutMs is how long a navigation waits by default.
const DefaultNavigateTimeoutMs = 30_000

// WaitParams are what every navigation method takes: what to wait for, and
// for how long.
type WaitParams struct {
	WaitUntil string `json:"waitUntil,omitempty"`
	TimeoutMs int    `json:"timeoutMs,omitempty"`
}

func (p WaitParams) validate() error {
	if p.WaitUntil != "" && !slices.Contains(WaitUntils, p.WaitUntil) {
		return fmt.Errorf(`field "waitUntil" must be one of %q, got %q`, WaitUntils, p.WaitUntil)
	}
	if p.TimeoutMs < 0 {
		return errors.New(`field "timeoutMs" must not be negative`)
	}
	return nil
}

// NavigateParams are the params of page/navigate.
type NavigateParams struct {
	Session string `json:"session,omitempty"`
	URL     string `json:"url"`
	WaitParams
}

// SessionName implements SessionNamer.
func (p NavigateParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p NavigateParams) Validate() error {
	if p.URL == "" {
		return errors.New(`missing required field "url"`)
	}
	return p.validate()
}

// ReloadParams are the params of page/reload.
type ReloadParams struct {
	Session     string `json:"session,omitempty"`
	IgnoreCache bool   `json:"ignoreCache,omitempty"`
	WaitParams
}

// SessionName implements SessionNamer.
func (p ReloadParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p ReloadParams) Validate() error { return p.validate() }

// HistoryParams are the params of page/back and page/forward.
type HistoryParams struct {
	Session string `json:"session,omitempty"`
	WaitParams
}

// SessionName implements SessionNamer.
func (p HistoryParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p HistoryParams) Validate() error { return p.validate() }

// NavigateResult is what the navigation methods answer once the page has
// reached WaitUntil: the navigation's id, which the records made during it
// carry (navigationId), and where the page is.
type NavigateResult struct {
	NavigationID int    `json:"navigationId"`
	URL          string `json:"url"`
	// WaitedFor is what the call waited for; "sameDocument" for a
	// navigation within the document (a fragment, history.pushState),
	// which loads nothing.
	WaitedFor string `json:"waitedFor"`
}

// Screenshot formats.
const (
	FormatPNG  = "png"
	FormatJPEG = "jpeg"
	FormatWebP = "webp"
)

// Rect is a rectangle of the page, in CSS pixels.
type Rect struct {
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// ScreenshotParams are the params of page/screenshot: the viewport, the
// whole page (FullPage), one element (Selector) or a rectangle (Clip).
type ScreenshotParams struct {
	Session  string `json:"session,omitempty"`
	Format   string `json:"format,omitempty"`  // png (default), jpeg, webp
	Quality  int    `json:"quality,omitempty"` // 0-100, jpeg and webp
	FullPage bool   `json:"fullPage,omitempty"`
	Selector string `json:"selector,omitempty"`
	Clip     *Rect  `json:"clip,omitempty"`
}

// SessionName implements SessionNamer.
func (p ScreenshotParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p ScreenshotParams) Validate() error {
	switch p.Format {
	case "", FormatPNG, FormatJPEG, FormatWebP:
	default:
		return fmt.Errorf(`field "format" must be png, jpeg or webp, got %q`, p.Format)
	}
	if p.Quality < 0 || p.Quality > 100 {
		return errors.New(`field "quality" must be 0 to 100`)
	}
	if p.Quality > 0 && (p.Format == "" || p.Format == FormatPNG) {
		return errors.New(`field "quality" is for jpeg and webp`)
	}
	n := 0
	for _, set := range []bool{p.FullPage, p.Selector != "", p.Clip != nil} {
		if set {
			n++
		}
	}
	if n > 1 {
		return errors.New(`give at most one of "fullPage", "selector" and "clip"`)
	}
	if c := p.Clip; c != nil && (c.Width <= 0 || c.Height <= 0) {
		return errors.New(`field "clip" must have a width and a height`)
	}
	return nil
}

// ScreenshotResult is what page/screenshot answers: the file it wrote in
// the session's directory (0600), never the image itself.
type ScreenshotResult struct {
	Path   string `json:"path"`
	Format string `json:"format"`
	Size   int64  `json:"size"`   // bytes
	Width  int    `json:"width"`  // pixels of the image
	Height int    `json:"height"` // pixels of the image
}

// DOMQueryParams are the params of dom/query: the elements a CSS selector
// matches in the page, or in one of its frames.
type DOMQueryParams struct {
	Session  string `json:"session,omitempty"`
	Selector string `json:"selector"`
	// All returns every match (up to MaxDOMNodes), not the first.
	All   bool   `json:"all,omitempty"`
	Frame string `json:"frame,omitempty"`
}

// SessionName implements SessionNamer.
func (p DOMQueryParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p DOMQueryParams) Validate() error {
	if p.Selector == "" {
		return errors.New(`missing required field "selector" (a CSS selector, such as "#login input")`)
	}
	return nil
}

// MaxDOMNodes bounds the nodes one dom/query returns; MaxDOMText the text
// and MaxDOMHTML the outerHTML of each (the lengths say how long they
// were).
const (
	MaxDOMNodes = 1000
	MaxDOMText  = 1000
	MaxDOMHTML  = 4000
)

// DOMNode is an element as dom/query describes it.
type DOMNode struct {
	Tag        string            `json:"tag"`
	ID         string            `json:"id,omitempty"`
	Classes    []string          `json:"classes,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
	// Text is its innerText, trimmed and cut to MaxDOMText; TextLength the
	// length before the cut (in UTF-16 units, as JavaScript counts).
	Text       string `json:"text"`
	TextLength int    `json:"textLength"`
	// OuterHTML is cut to MaxDOMHTML; OuterHTMLLength the length before.
	OuterHTML       string `json:"outerHTML"`
	OuterHTMLLength int    `json:"outerHTMLLength"`
	// Box is its border box in page coordinates (CSS pixels).
	Box Rect `json:"box"`
	// Visible: it has a size, and neither it nor an ancestor is hidden
	// (display, visibility, opacity 0).
	Visible bool `json:"visible"`
}

// DOMQueryResult is what dom/query answers: the nodes, how many matched,
// and how many of them came.
type DOMQueryResult struct {
	Nodes    []DOMNode `json:"nodes"`
	Total    int       `json:"total"`
	Returned int       `json:"returned"`
}
