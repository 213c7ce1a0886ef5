package drive

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// element is an element of the page that an input method acts on.
type element struct {
	sess     *browser.Session
	objectID string
}

// findElement finds the first element a selector matches, in the page or
// a frame, and holds it in the evaluate object group (released by the
// caller's release).
func (pg *Page) findElement(ctx context.Context, p protocol.ElementParams) (element, error) {
	if p.UID != 0 {
		return pg.elementByUID(ctx, p.UID)
	}
	sel, _ := json.Marshal(p.Selector)
	params := map[string]any{
		"expression":  fmt.Sprintf(`(() => { try { return document.querySelector(%s); } catch (e) { return "invalid: " + e.message; } })()`, sel),
		"objectGroup": objectGroup,
	}
	sess, err := pg.frameSession(p.Frame, params)
	if err != nil {
		return element{}, err
	}
	var res struct {
		Result           remoteObject      `json:"result"`
		ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
	}
	if err := evaluate(ctx, sess, params, &res); err != nil {
		return element{}, err
	}
	o := res.Result
	switch {
	case res.ExceptionDetails != nil:
		return element{}, protocol.Errorf(protocol.CDPError, "finding %s: %s", p.Selector, res.ExceptionDetails.exception().Text)
	case o.Type == "string":
		var s string
		_ = json.Unmarshal(o.Value, &s)
		return element{}, invalidSelector(p.Selector, strings.TrimPrefix(s, "invalid: "))
	case o.Subtype == "null" || o.ObjectID == "":
		return element{}, notFound(p.Selector)
	}
	return element{sess: sess, objectID: o.ObjectID}, nil
}

// elementByUID finds the element of a uid that dom/snapshot gave: its
// backend node id, which stays the element's while it is in the document.
func (pg *Page) elementByUID(ctx context.Context, uid int64) (element, error) {
	var res struct {
		Object remoteObject `json:"object"`
	}
	err := call(ctx, pg.Main, "DOM.resolveNode", map[string]any{"backendNodeId": uid, "objectGroup": objectGroup}, &res)
	if err != nil || res.Object.ObjectID == "" {
		return element{}, protocol.Errorf(protocol.NotFound, "no element has uid=%d now", uid).
			WithHint("uids are of the document dom/snapshot read: take a new one (bdg-rpc dom snapshot)")
	}
	if res.Object.Subtype != "node" || res.Object.ClassName == "Text" {
		return element{}, protocol.Errorf(protocol.InvalidArgs, "uid=%d is %s, not an element", uid, res.Object.Description).
			WithHint("take the uid of the element's line, not of its text")
	}
	return element{sess: pg.Main, objectID: res.Object.ObjectID}, nil
}

// on calls a function with the element as this and returns its value.
func (el element) on(ctx context.Context, fn string, args []any, out any) error {
	var callArgs []map[string]any
	for _, a := range args {
		callArgs = append(callArgs, map[string]any{"value": a})
	}
	var res struct {
		Result           remoteObject      `json:"result"`
		ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
	}
	if err := call(ctx, el.sess, "Runtime.callFunctionOn", map[string]any{
		"objectId": el.objectID, "functionDeclaration": fn, "arguments": callArgs, "returnByValue": true, "awaitPromise": true,
	}, &res); err != nil {
		return err
	}
	if res.ExceptionDetails != nil {
		return protocol.Errorf(protocol.CDPError, "in the page: %s", res.ExceptionDetails.exception().Text)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(res.Result.Value, out)
}

// actionable checks that the element can take a person's input (connected,
// shown, enabled, and for a pointer not under another element), scrolls it
// into view, and gives its centre in the top page's viewport. Its one
// argument: "pointer" or "keys".
const actionable = `function(kind) {
  const nameOf = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + Array.from(e.classList).map((c) => "." + c).join("");
  const name = nameOf(this);
  if (!this.isConnected) return {name, why: "it is no longer in the document"};
  for (let e = this; e && e.nodeType === 1; e = e.parentElement) {
    const s = getComputedStyle(e);
    const who = e === this ? "it has" : "its ancestor " + nameOf(e) + " has";
    if (s.display === "none") return {name, why: who + " display: none"};
    if (s.visibility === "hidden" || s.visibility === "collapse") return {name, why: who + " visibility: " + s.visibility};
    if (Number(s.opacity) === 0) return {name, why: who + " opacity: 0"};
  }
  if (this.disabled) return {name, why: "it is disabled"};
  this.scrollIntoView({block: "center", inline: "center", behavior: "instant"});
  const r = this.getBoundingClientRect();
  if (r.width <= 0 || r.height <= 0) return {name, why: "it has no size"};
  let x = r.left + r.width / 2, y = r.top + r.height / 2;
  if (kind === "pointer") {
    const hit = document.elementFromPoint(x, y);
    if (hit && hit !== this && !this.contains(hit)) return {name, why: "it is covered by " + nameOf(hit)};
    for (let w = window; w !== w.parent; w = w.parent) {
      if (!w.frameElement) return {name, why: "it is in a cross-site frame, which input/click cannot reach yet"};
      const fr = w.frameElement.getBoundingClientRect();
      x += fr.left + w.frameElement.clientLeft;
      y += fr.top + w.frameElement.clientTop;
    }
  }
  return {name, x, y};
}`

type actionableResult struct {
	Name string  `json:"name"`
	Why  string  `json:"why"`
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
}

// ready runs actionable and refuses an element that cannot take input,
// saying why.
func (el element) ready(ctx context.Context, selector, kind string) (actionableResult, error) {
	var a actionableResult
	if err := el.on(ctx, actionable, []any{kind}, &a); err != nil {
		return a, err
	}
	if a.Why != "" {
		return a, protocol.Errorf(protocol.InvalidArgs, "%s (%s) cannot take input: %s", selector, a.Name, a.Why).
			WithHint("bdg-rpc dom query '" + selector + "' shows its box and whether it is visible")
	}
	return a, nil
}

// Click clicks an element as a person would: the mouse moves to its
// centre, presses and releases.
func (pg *Page) Click(ctx context.Context, p protocol.ClickParams) (protocol.InputResult, error) {
	a, err := pg.pointAt(ctx, p.ElementParams)
	if err != nil {
		return protocol.InputResult{}, err
	}
	button, count := p.Button, p.ClickCount
	if button == "" {
		button = "left"
	}
	if count == 0 {
		count = 1
	}
	for i := 1; i <= count; i++ {
		if err := pg.mouse(ctx, "mousePressed", a.X, a.Y, button, i); err != nil {
			return protocol.InputResult{}, err
		}
		if err := pg.mouse(ctx, "mouseReleased", a.X, a.Y, button, i); err != nil {
			return protocol.InputResult{}, err
		}
	}
	return protocol.InputResult{Element: a.Name, X: a.X, Y: a.Y}, nil
}

// Hover moves the mouse to an element's centre.
func (pg *Page) Hover(ctx context.Context, p protocol.HoverParams) (protocol.InputResult, error) {
	a, err := pg.pointAt(ctx, p.ElementParams)
	if err != nil {
		return protocol.InputResult{}, err
	}
	return protocol.InputResult{Element: a.Name, X: a.X, Y: a.Y}, nil
}

// pointAt finds an element, checks that a pointer can reach it, and moves
// the mouse to its centre: what a click and a hover both begin with.
func (pg *Page) pointAt(ctx context.Context, p protocol.ElementParams) (actionableResult, error) {
	el, err := pg.findElement(ctx, p)
	if err != nil {
		return actionableResult{}, err
	}
	defer pg.release(el.sess)
	a, err := el.ready(ctx, p.Name(), "pointer")
	if err != nil {
		return a, err
	}
	return a, pg.mouse(ctx, "mouseMoved", a.X, a.Y, "none", 0)
}

func (pg *Page) mouse(ctx context.Context, typ string, x, y float64, button string, count int) error {
	params := map[string]any{"type": typ, "x": x, "y": y, "button": button, "clickCount": count}
	if typ != "mouseMoved" {
		params["buttons"] = map[string]int{"left": 1, "right": 2, "middle": 4}[button]
	}
	return call(ctx, pg.Main, "Input.dispatchMouseEvent", params, nil)
}

// fillable prepares an element for input/fill: a select is set at once
// (its option by value, else by text); the text of an input, a textarea or
// a contenteditable element is selected, to be typed over. Its argument:
// the value.
const fillable = `function(value) {
  const tag = this.tagName.toLowerCase();
  if (tag === "select") {
    const opts = Array.from(this.options);
    const opt = opts.find((o) => o.value === value) || opts.find((o) => o.text.trim() === value);
    if (!opt) return {why: "it has no option " + JSON.stringify(value) + " (it has " + opts.slice(0, 10).map((o) => JSON.stringify(o.value)).join(", ") + ")"};
    this.value = opt.value;
    this.dispatchEvent(new Event("input", {bubbles: true}));
    this.dispatchEvent(new Event("change", {bubbles: true}));
    return {done: true, value: this.value};
  }
  if (tag === "input" || tag === "textarea") {
    const type = (this.type || "text").toLowerCase();
    if (["checkbox", "radio", "file", "button", "submit", "reset", "image", "hidden", "range", "color"].includes(type)) {
      return {why: "it is an input of type " + type + ", which is not typed into (click a checkbox or a radio)"};
    }
    if (this.readOnly) return {why: "it is read-only"};
    this.focus();
    this.select();
    return {};
  }
  if (this.isContentEditable) {
    this.focus();
    const range = document.createRange();
    range.selectNodeContents(this);
    const sel = getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    return {};
  }
  return {why: "it is not an input, a textarea, a select or contenteditable"};
}`

// Fill types a value into an element over what it held: input events as
// the text goes in, then change.
func (pg *Page) Fill(ctx context.Context, p protocol.FillParams) (protocol.InputResult, error) {
	el, err := pg.findElement(ctx, p.ElementParams)
	if err != nil {
		return protocol.InputResult{}, err
	}
	defer pg.release(el.sess)
	a, err := el.ready(ctx, p.Name(), "keys")
	if err != nil {
		return protocol.InputResult{}, err
	}
	var f struct {
		Why   string `json:"why"`
		Done  bool   `json:"done"`
		Value string `json:"value"`
	}
	if err := el.on(ctx, fillable, []any{p.Value}, &f); err != nil {
		return protocol.InputResult{}, err
	}
	switch {
	case f.Why != "":
		return protocol.InputResult{}, protocol.Errorf(protocol.InvalidArgs, "cannot fill %s (%s): %s", p.Name(), a.Name, f.Why)
	case f.Done:
		return protocol.InputResult{Element: a.Name, Value: f.Value}, nil
	}
	// What was selected goes: typed over, or deleted for an empty value.
	if p.Value == "" {
		if err := pg.key(ctx, keyDef("Delete"), 0); err != nil {
			return protocol.InputResult{}, err
		}
	} else if err := call(ctx, el.sess, "Input.insertText", map[string]string{"text": p.Value}, nil); err != nil {
		return protocol.InputResult{}, err
	}
	var value string
	err = el.on(ctx, `function() {
  if (this.isContentEditable && !("value" in this)) { this.dispatchEvent(new Event("change", {bubbles: true})); return this.innerText; }
  this.dispatchEvent(new Event("change", {bubbles: true}));
  return this.value;
}`, nil, &value)
	return protocol.InputResult{Element: a.Name, Value: value}, err
}

// Press presses and releases a key, with modifiers held, in whatever has
// the focus.
func (pg *Page) Press(ctx context.Context, p protocol.PressParams) (protocol.InputResult, error) {
	k := keyDef(p.Key)
	if k.key == "" {
		return protocol.InputResult{}, protocol.Errorf(protocol.InvalidArgs, "unknown key %q", p.Key).
			WithHint("a name as KeyboardEvent.key has it (Enter, Tab, Escape, Backspace, Delete, ArrowUp, Home, PageDown, F5), or one character")
	}
	mods := 0
	for _, m := range p.Modifiers {
		mods |= map[string]int{"Alt": 1, "Control": 2, "Meta": 4, "Shift": 8}[m]
	}
	if err := pg.key(ctx, k, mods); err != nil {
		return protocol.InputResult{}, err
	}
	var focused string
	var res struct {
		Result remoteObject `json:"result"`
	}
	if err := call(ctx, pg.Main, "Runtime.evaluate", map[string]any{"expression": `(() => { const e = document.activeElement; return e && e !== document.body ? e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") : ""; })()`, "returnByValue": true}, &res); err == nil {
		_ = json.Unmarshal(res.Result.Value, &focused)
	}
	return protocol.InputResult{Element: focused}, nil
}

// keyDefinition is what Input.dispatchKeyEvent needs of a key.
type keyDefinition struct {
	key, code, text string
	keyCode         int
}

// namedKeys are the keys with a name, as KeyboardEvent.key has it.
var namedKeys = map[string]keyDefinition{
	"Enter":      {"Enter", "Enter", "\r", 13},
	"Tab":        {"Tab", "Tab", "", 9},
	"Escape":     {"Escape", "Escape", "", 27},
	"Backspace":  {"Backspace", "Backspace", "", 8},
	"Delete":     {"Delete", "Delete", "", 46},
	"ArrowUp":    {"ArrowUp", "ArrowUp", "", 38},
	"ArrowDown":  {"ArrowDown", "ArrowDown", "", 40},
	"ArrowLeft":  {"ArrowLeft", "ArrowLeft", "", 37},
	"ArrowRight": {"ArrowRight", "ArrowRight", "", 39},
	"Home":       {"Home", "Home", "", 36},
	"End":        {"End", "End", "", 35},
	"PageUp":     {"PageUp", "PageUp", "", 33},
	"PageDown":   {"PageDown", "PageDown", "", 34},
	"Space":      {" ", "Space", " ", 32},
	" ":          {" ", "Space", " ", 32},
	"Insert":     {"Insert", "Insert", "", 45},
}

// keyDef returns the definition of a key: a named one, F1-F12, or one
// character; the zero value for what it does not know.
func keyDef(name string) keyDefinition {
	if k, ok := namedKeys[name]; ok {
		return k
	}
	var f int
	if _, err := fmt.Sscanf(name, "F%d", &f); err == nil && f >= 1 && f <= 12 && name == fmt.Sprintf("F%d", f) {
		return keyDefinition{name, name, "", 111 + f}
	}
	if utf8.RuneCountInString(name) != 1 {
		return keyDefinition{}
	}
	r, _ := utf8.DecodeRuneInString(name)
	k := keyDefinition{key: name, text: name}
	switch {
	case r >= 'a' && r <= 'z':
		k.code, k.keyCode = "Key"+strings.ToUpper(name), int(r-'a'+'A')
	case r >= 'A' && r <= 'Z':
		k.code, k.keyCode = "Key"+name, int(r)
	case r >= '0' && r <= '9':
		k.code, k.keyCode = "Digit"+name, int(r)
	}
	return k
}

// key presses and releases a key. With Control, Alt or Meta held it types
// no text (a shortcut, such as Control+a).
func (pg *Page) key(ctx context.Context, k keyDefinition, mods int) error {
	down := map[string]any{"type": "keyDown", "key": k.key, "code": k.code, "windowsVirtualKeyCode": k.keyCode, "modifiers": mods}
	if k.text != "" && mods&(1|2|4) == 0 {
		down["text"] = k.text
	} else {
		down["type"] = "rawKeyDown"
	}
	if err := call(ctx, pg.Main, "Input.dispatchKeyEvent", down, nil); err != nil {
		return err
	}
	return call(ctx, pg.Main, "Input.dispatchKeyEvent", map[string]any{"type": "keyUp", "key": k.key, "code": k.code, "windowsVirtualKeyCode": k.keyCode, "modifiers": mods}, nil)
}
