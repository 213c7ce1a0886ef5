package drive

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/bdg-rpc/bdg-rpc/browser"
	"github.com/bdg-rpc/bdg-rpc/rpc/protocol"
)

// queryScript describes the elements a selector matches, in the page: one
// evaluate, whatever their number. Its arguments: selector, all, and the
// bounds on nodes, text, outerHTML, attributes.
const queryScript = `((sel, all, maxNodes, maxText, maxHTML, maxAttrs) => {
  let list;
  try {
    list = all ? document.querySelectorAll(sel) : [document.querySelector(sel)].filter(Boolean);
  } catch (e) {
    return {invalid: String(e.message)};
  }
  const visible = (el, r) => {
    if (r.width <= 0 || r.height <= 0) return false;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden" || s.visibility === "collapse" || Number(s.opacity) === 0) return false;
    }
    return true;
  };
  const nodes = [];
  for (const el of list) {
    if (nodes.length === maxNodes) break;
    const r = el.getBoundingClientRect();
    const attributes = {};
    for (const a of Array.from(el.attributes).slice(0, maxAttrs)) attributes[a.name] = a.value.slice(0, maxText);
    const text = String(el.innerText ?? el.textContent ?? "").trim();
    const html = el.outerHTML;
    nodes.push({
      tag: el.tagName.toLowerCase(), id: el.id || undefined, classes: Array.from(el.classList).slice(0, maxAttrs),
      attributes, text: text.slice(0, maxText), textLength: text.length,
      outerHTML: html.slice(0, maxHTML), outerHTMLLength: html.length,
      box: {x: r.x + scrollX, y: r.y + scrollY, width: r.width, height: r.height}, visible: visible(el, r),
    });
  }
  return {nodes, total: list.length, returned: nodes.length};
})(%s, %t, %d, %d, %d, %d)`

// maxAttributes bounds the attributes and classes of a node dom/query
// describes.
const maxAttributes = 100

// QueryExpression is the JavaScript that answers a dom/query: one
// expression, whatever the number of elements.
func QueryExpression(p protocol.DOMQueryParams) string {
	sel, _ := json.Marshal(p.Selector)
	return fmt.Sprintf(queryScript, sel, p.All, protocol.MaxDOMNodes, protocol.MaxDOMText, protocol.MaxDOMHTML, maxAttributes)
}

// Query describes the elements a CSS selector matches.
func (pg *Page) Query(ctx context.Context, p protocol.DOMQueryParams) (protocol.DOMQueryResult, error) {
	params := map[string]any{"expression": QueryExpression(p), "returnByValue": true}
	sess, err := pg.frameSession(p.Frame, params)
	if err != nil {
		return protocol.DOMQueryResult{}, err
	}
	var res struct {
		Result struct {
			Value *struct {
				protocol.DOMQueryResult
				Invalid string `json:"invalid"`
			} `json:"value"`
		} `json:"result"`
		ExceptionDetails *exceptionDetails `json:"exceptionDetails"`
	}
	if err := evaluate(ctx, sess, params, &res); err != nil {
		return protocol.DOMQueryResult{}, err
	}
	v := res.Result.Value
	switch {
	case res.ExceptionDetails != nil:
		return protocol.DOMQueryResult{}, protocol.Errorf(protocol.CDPError, "querying %s: %s", p.Selector, res.ExceptionDetails.exception().Text)
	case v == nil:
		return protocol.DOMQueryResult{}, protocol.Errorf(protocol.CDPError, "querying %s: no answer from the page", p.Selector)
	case v.Invalid != "":
		return protocol.DOMQueryResult{}, invalidSelector(p.Selector, v.Invalid)
	case v.Total == 0:
		return protocol.DOMQueryResult{}, notFound(p.Selector)
	}
	if v.Nodes == nil {
		v.Nodes = []protocol.DOMNode{}
	}
	return v.DOMQueryResult, nil
}

// frameSession returns the session to evaluate in for a frame of the page
// ("" is the page), and sets the frame's context in params.
func (pg *Page) frameSession(frame string, params map[string]any) (*browser.Session, error) {
	if frame == "" {
		return pg.Main, nil
	}
	if s, ok := pg.Target(frame); ok { // an out-of-process iframe: a target, its frame id its target id
		return s, nil
	}
	sid, id, ok := pg.FrameContext(frame)
	if !ok {
		return nil, protocol.Errorf(protocol.NotFound, "no frame %q with a JavaScript context in the page", frame).
			WithHint("frame ids are in the console messages (frameId) and in bdg-rpc cdp Page.getFrameTree")
	}
	params["contextId"] = id
	return pg.Conn.Session(sid), nil
}
