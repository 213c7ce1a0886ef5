package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
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
	TimeoutMs int    `json:"timeout,omitempty"` // ms; default DefaultNavigateTimeoutMs
}

func (p WaitParams) validate() error {
	if p.WaitUntil != "" && !slices.Contains(WaitUntils, p.WaitUntil) {
		return fmt.Errorf(`field "waitUntil" must be one of %q, got %q`, WaitUntils, p.WaitUntil)
	}
	if p.TimeoutMs < 0 {
		return errors.New(`field "timeout" must not be negative`)
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

// ElementParams name the element an input method acts on: a CSS selector
// (its first match), in the page or one of its frames; or the uid that
// dom/snapshot gave it.
type ElementParams struct {
	Selector string `json:"selector,omitempty"`
	UID      int64  `json:"uid,omitempty"`
	Frame    string `json:"frame,omitempty"`
}

func (p ElementParams) validate() error {
	switch {
	case p.Selector == "" && p.UID == 0:
		return errors.New(`missing required field "selector" (a CSS selector, such as "#login button"), or "uid" (from dom/snapshot)`)
	case p.Selector != "" && p.UID != 0:
		return errors.New(`give "selector" or "uid", not both`)
	case p.UID < 0:
		return errors.New(`field "uid" must be a uid that dom/snapshot gave`)
	case p.UID != 0 && p.Frame != "":
		return errors.New(`a uid names its element in any frame: leave "frame" out`)
	}
	return nil
}

// Name is how an error names the element: its selector, or uid=N.
func (p ElementParams) Name() string {
	if p.Selector != "" {
		return p.Selector
	}
	return fmt.Sprintf("uid=%d", p.UID)
}

// DefaultSnapshotLimit is how many lines of the accessibility tree one
// dom/snapshot gives by default; MaxSnapshotLines how many a page may
// have in all (past it, the rest is left out and said).
const (
	DefaultSnapshotLimit = 2000
	MaxSnapshotLines     = 100_000
)

// SnapshotParams are the params of dom/snapshot: a page of the lines of
// the page's accessibility tree.
type SnapshotParams struct {
	Session string `json:"session,omitempty"`
	Offset  int    `json:"offset,omitempty"`
	Limit   int    `json:"limit,omitempty"` // default DefaultSnapshotLimit
}

// SessionName implements SessionNamer.
func (p SnapshotParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p SnapshotParams) Validate() error {
	if p.Offset < 0 || p.Limit < 0 {
		return errors.New(`fields "offset" and "limit" must not be negative`)
	}
	return nil
}

// SnapshotResult is a page of the accessibility tree as indented text, a
// line a node: `uid=N role "name" value="..." state...`.
type SnapshotResult struct {
	Text   string `json:"text"`
	Lines  int    `json:"lines"` // in Text
	Total  int    `json:"total"` // in the whole tree (at most MaxSnapshotLines)
	Offset int    `json:"offset"`
	Next   int    `json:"nextOffset,omitempty"` // the offset of the next page, when there is one
	Cut    bool   `json:"cut,omitempty"`        // the tree had more than MaxSnapshotLines lines
}

// ClickParams are the params of input/click.
type ClickParams struct {
	Session string `json:"session,omitempty"`
	ElementParams
	Button     string `json:"button,omitempty"`     // left (default), middle, right
	ClickCount int    `json:"clickCount,omitempty"` // 1 (default); 2 for a double click
}

// SessionName implements SessionNamer.
func (p ClickParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p ClickParams) Validate() error {
	switch p.Button {
	case "", "left", "middle", "right":
	default:
		return fmt.Errorf(`field "button" must be left, middle or right, got %q`, p.Button)
	}
	if p.ClickCount < 0 || p.ClickCount > 3 {
		return errors.New(`field "clickCount" must be 1 to 3`)
	}
	return p.validate()
}

// HoverParams are the params of input/hover.
type HoverParams struct {
	Session string `json:"session,omitempty"`
	ElementParams
}

// SessionName implements SessionNamer.
func (p HoverParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p HoverParams) Validate() error { return p.validate() }

// FillParams are the params of input/fill: the new value of an input, a
// textarea, a select (an option's value or its text) or a contenteditable
// element, typed in as a person would (input events, then change).
type FillParams struct {
	Session string `json:"session,omitempty"`
	ElementParams
	Value string `json:"value"`
}

// SessionName implements SessionNamer.
func (p FillParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p FillParams) Validate() error { return p.validate() }

// PressParams are the params of input/press: a key pressed in whatever has
// the focus.
type PressParams struct {
	Session string `json:"session,omitempty"`
	// Key is a key's name as KeyboardEvent.key has it: Enter, Tab,
	// Escape, Backspace, Delete, ArrowUp, ..., Home, End, PageUp,
	// PageDown, a letter, a digit, a character.
	Key string `json:"key"`
	// Modifiers held down: Alt, Control, Meta, Shift.
	Modifiers []string `json:"modifiers,omitempty"`
}

// SessionName implements SessionNamer.
func (p PressParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p PressParams) Validate() error {
	if p.Key == "" {
		return errors.New(`missing required field "key" (such as "Enter")`)
	}
	for _, m := range p.Modifiers {
		switch m {
		case "Alt", "Control", "Meta", "Shift":
		default:
			return fmt.Errorf(`field "modifiers": %q is not one of Alt, Control, Meta, Shift`, m)
		}
	}
	return nil
}

// InputResult is what the input methods answer: the element acted on
// (for input/press, the one that had the focus, if any), and where.
type InputResult struct {
	Element string  `json:"element,omitempty"` // as DevTools names it: button#go.primary
	X       float64 `json:"x,omitempty"`       // the point clicked or hovered, in viewport CSS pixels
	Y       float64 `json:"y,omitempty"`
	Value   string  `json:"value,omitempty"` // input/fill: the element's value after
}

// WaitForParams are the params of page/waitFor: until an element matches
// a selector (and is visible, with visible), the page's text holds text,
// or no request has been in flight for 500 ms.
type WaitForParams struct {
	Session     string `json:"session,omitempty"`
	Selector    string `json:"selector,omitempty"`
	Visible     bool   `json:"visible,omitempty"`
	Text        string `json:"text,omitempty"`
	NetworkIdle bool   `json:"networkIdle,omitempty"`
	TimeoutMs   int    `json:"timeout,omitempty"` // ms; default 30,000
}

// SessionName implements SessionNamer.
func (p WaitForParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p WaitForParams) Validate() error {
	n := 0
	for _, set := range []bool{p.Selector != "", p.Text != "", p.NetworkIdle} {
		if set {
			n++
		}
	}
	if n != 1 {
		return errors.New(`give one of "selector", "text" and "networkIdle"`)
	}
	if p.Visible && p.Selector == "" {
		return errors.New(`field "visible" goes with "selector"`)
	}
	if p.TimeoutMs < 0 {
		return errors.New(`field "timeout" must not be negative`)
	}
	return nil
}

// WaitForResult is what page/waitFor answers once the condition holds.
type WaitForResult struct {
	WaitedMs int64 `json:"waitedMs"`
}

// Network conditions page/emulate knows.
const (
	NetworkOffline = "offline"
	NetworkSlow3G  = "slow-3g"
	NetworkFast3G  = "fast-3g"
	NetworkNone    = "none" // no emulation: the real network
)

// Viewport is an emulated screen. Width 0 goes back to the real one.
type Viewport struct {
	Width             int     `json:"width"`
	Height            int     `json:"height"`
	DeviceScaleFactor float64 `json:"deviceScaleFactor,omitempty"` // default 1
	Mobile            bool    `json:"mobile,omitempty"`
}

// ParseViewport reads a viewport as people write it:
// WIDTHxHEIGHT[@SCALE][,mobile] (390x844@3,mobile), or none (the window's
// own: the zero Viewport).
func ParseViewport(s string) (Viewport, error) {
	var v Viewport
	if s == "none" {
		return v, nil
	}
	rest, mobile := strings.CutSuffix(s, ",mobile")
	v.Mobile = mobile
	size, scale, hasScale := strings.Cut(rest, "@")
	if _, err := fmt.Sscanf(size, "%dx%d", &v.Width, &v.Height); err != nil || v.Width <= 0 || v.Height <= 0 || fmt.Sprintf("%dx%d", v.Width, v.Height) != size {
		return Viewport{}, fmt.Errorf("%q: give WIDTHxHEIGHT, such as 390x844, 390x844@3 or 390x844@3,mobile", s)
	}
	if hasScale {
		if _, err := fmt.Sscanf(scale, "%g", &v.DeviceScaleFactor); err != nil || v.DeviceScaleFactor <= 0 {
			return Viewport{}, fmt.Errorf("%q: the scale after @ is a number, such as 2", s)
		}
	}
	return v, nil
}

// EmulateParams are the params of page/emulate. What is absent stays as
// it is; each given value replaces the one before ("" and 0 go back to
// the real thing: no user agent override, no throttling).
type EmulateParams struct {
	Session       string    `json:"session,omitempty"`
	Viewport      *Viewport `json:"viewport,omitempty"`
	UserAgent     *string   `json:"userAgent,omitempty"`
	ColorScheme   *string   `json:"colorScheme,omitempty"`   // light, dark, no-preference, "" for the real one
	Network       string    `json:"network,omitempty"`       // offline, slow-3g, fast-3g, none
	CPUThrottling *float64  `json:"cpuThrottling,omitempty"` // a slowdown factor: 4 is four times slower; 1 (or 0) is none
}

// SessionName implements SessionNamer.
func (p EmulateParams) SessionName() string { return p.Session }

// Validate implements rpc.Validator.
func (p EmulateParams) Validate() error {
	if v := p.Viewport; v != nil && (v.Width < 0 || v.Height < 0 || (v.Width == 0) != (v.Height == 0) || v.DeviceScaleFactor < 0) {
		return errors.New(`field "viewport" needs a width and a height (both 0 for the real one)`)
	}
	if c := p.ColorScheme; c != nil {
		switch *c {
		case "", "light", "dark", "no-preference":
		default:
			return fmt.Errorf(`field "colorScheme" must be light, dark or no-preference, got %q`, *c)
		}
	}
	switch p.Network {
	case "", NetworkOffline, NetworkSlow3G, NetworkFast3G, NetworkNone:
	default:
		return fmt.Errorf(`field "network" must be offline, slow-3g, fast-3g or none, got %q`, p.Network)
	}
	if c := p.CPUThrottling; c != nil && (*c < 0 || *c > 100) {
		return errors.New(`field "cpuThrottling" must be 1 (none) to 100`)
	}
	if p.Viewport == nil && p.UserAgent == nil && p.ColorScheme == nil && p.Network == "" && p.CPUThrottling == nil {
		return errors.New(`give at least one of "viewport", "userAgent", "colorScheme", "network" and "cpuThrottling"`)
	}
	return nil
}

// EmulateResult is the emulation in effect after page/emulate.
type EmulateResult struct {
	Viewport      *Viewport `json:"viewport,omitempty"`
	UserAgent     string    `json:"userAgent,omitempty"`
	ColorScheme   string    `json:"colorScheme,omitempty"`
	Network       string    `json:"network"`
	CPUThrottling float64   `json:"cpuThrottling"`
}
